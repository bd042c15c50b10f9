/* Source paths as DWARF gives them, made readable. */
#ifndef BW_PATH_H
#define BW_PATH_H

#include <stddef.h>

/* dir + "/" + file (file alone when absolute or dir is empty), with "."
 * and "name/.." components and repeated slashes removed lexically:
 * ".../app/build/../src/main.rs" reads ".../app/src/main.rs". Lexical only
 * (no file system access: the paths are the build machine's): a ".." that
 * would climb above the start is kept. Writes at most size bytes including
 * the NUL (truncating); returns out. */
char *path_join_tidy(const char *dir, const char *file, char *out, size_t size);

#endif
