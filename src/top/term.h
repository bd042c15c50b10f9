/* The terminal: taking it over for the dashboard and giving it back on every
 * exit path (return, error, SIGINT/SIGTERM/SIGHUP, and crashes), the way
 * htop's CRT.c does. */
#ifndef BW_TOP_TERM_H
#define BW_TOP_TERM_H

#include <signal.h>

#include "top/canvas.h"

/* Set by SIGINT, SIGTERM and SIGHUP: the main loop ends and cleans up. */
extern volatile sig_atomic_t term_stop_requested;

/* Catches the stop signals (also in plain mode) and, while the screen is
 * up, the fatal ones, which restore the terminal before dying. */
void term__install_signals(void);
/* ncurses on the controlling terminal (stdin/stdout): cbreak, no echo,
 * keypad, non-blocking keys, hidden cursor, colours when available.
 * Fills c (window, size, attributes). One-line error in err on failure. */
int term__start(struct canvas *c, char *err, int errlen);
/* Leaves curses mode; safe to call many times and from a signal handler. */
void term__stop(void);
/* Next key or -1 (ERR) when none is waiting; KEY_RESIZE updates c's size. */
int term__key(struct canvas *c);

#endif
