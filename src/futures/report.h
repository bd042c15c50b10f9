/* Printing the ranked state machines as a text table or as JSON. */
#ifndef BW_FUTURES_REPORT_H
#define BW_FUTURES_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "futures/rank.h"
#include "futures/scan.h"

struct futures_report {
	const char *binary;
	const char *debug_file; /* where the DWARF was read from */
	const struct future_list *list; /* ranked */
	const struct futures_policy *policy;
	size_t top;	     /* rows to show; 0 = all */
	size_t descriptions; /* state machine types read, before merging copies */
	double scan_ms;
};

void futures_print_text(FILE *out, const struct futures_report *r);
void futures_print_json(FILE *out, const struct futures_report *r);
/* One-line error: "blockwatch: MSG" on stderr, or {"error": MSG} on out. */
void futures_print_error(FILE *out, bool json, const char *msg);

#endif
