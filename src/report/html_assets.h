/* The HTML report's inline stylesheet and script (no network access): the
 * script draws the flame graph and the worker timeline from the JSON data
 * block, and marks <body> with data-bw-rendered="ok" or data-bw-error so
 * tests (and people) can tell a page that rendered from one that failed. */
#ifndef BW_HTML_ASSETS_H
#define BW_HTML_ASSETS_H

extern const char html_report_css[];
extern const char html_report_js[];

#endif
