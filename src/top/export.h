/* The `e` key: what is on screen written to a file. */
#ifndef BW_TOP_EXPORT_H
#define BW_TOP_EXPORT_H

#include "top/ui.h"
#include "top/view.h"

/* Writes the JSON summary of the shown snapshot, limited to the listed
 * callsites (filter applied, in screen order), into dir. Returns 0 and the
 * path, or -errno with a one-line message in path. */
int top_export(const struct top_view *v, const char *dir, char *path, int pathlen);

#endif
