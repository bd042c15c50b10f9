/* Terminal setup and restore for the dashboard (see term.h). */
#include "top/term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t term_stop_requested;
static volatile sig_atomic_t screen_up;
static SCREEN *screen;

void term__stop(void)
{
	if (!screen_up)
		return;
	screen_up = 0;
	curs_set(1);
	endwin(); /* leaves the alternate screen, restores tty modes */
	fflush(stdout);
}

static void on_stop(int sig)
{
	(void)sig;
	term_stop_requested = 1;
}

/* A crash must not leave the user's terminal in raw mode on the alternate
 * screen: restore, then die of the same signal so the status is right. */
static void on_fatal(int sig)
{
	term__stop();
	signal(sig, SIG_DFL);
	raise(sig);
}

void term__install_signals(void)
{
	struct sigaction stop = { .sa_handler = on_stop };
	struct sigaction fatal = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND };
	const int fatal_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	/* installed before newterm: ncurses only adds its own handlers for
	 * signals still at SIG_DFL, so these stay ours */
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaction(fatal_sigs[i], &fatal, NULL);
}

static void setup_attrs(struct canvas *c)
{
	static const struct {
		short fg, bg;
		int mono; /* attribute without colour */
		int extra;
	} roles[TA_NR] = {
		[TA_NORMAL] = { -1, -1, A_NORMAL, 0 },
		[TA_TITLE] = { COLOR_BLACK, COLOR_CYAN, A_REVERSE, 0 },
		[TA_HEADING] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
		[TA_ALERT] = { COLOR_WHITE, COLOR_RED, A_BOLD | A_REVERSE, A_BOLD },
		[TA_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[TA_DIM] = { -1, -1, A_DIM, A_DIM },
		[TA_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_REVERSE, 0 },
		[TA_KEY] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
		[TA_RUNNING] = { COLOR_GREEN, -1, A_NORMAL, A_BOLD },
		[TA_BLOCKED] = { COLOR_RED, -1, A_BOLD, A_BOLD },
		[TA_PARKED] = { COLOR_BLUE, -1, A_DIM, A_BOLD },
		[TA_RUNNABLE] = { COLOR_YELLOW, -1, A_NORMAL, A_BOLD },
	};
	bool colour = has_colors() && start_color() == OK;

	if (colour)
		use_default_colors(); /* -1: keep the user's background */
	for (int i = 0; i < TA_NR; i++) {
		if (colour && (roles[i].fg != -1 || roles[i].bg != -1) && i < COLOR_PAIRS - 1) {
			init_pair(i + 1, roles[i].fg, roles[i].bg);
			c->attrs[i] = COLOR_PAIR(i + 1) | roles[i].extra;
		} else {
			c->attrs[i] = colour ? roles[i].extra : roles[i].mono;
		}
	}
}

int term__start(struct canvas *c, char *err, int errlen)
{
	const char *cs;

	memset(c, 0, sizeof(*c));
	setlocale(LC_ALL, ""); /* ncursesw draws UTF-8 only in a UTF-8 locale */
	cs = nl_langinfo(CODESET);
	c->utf8 = cs && strcmp(cs, "UTF-8") == 0;
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, errlen, "cannot use terminal '%s' (set TERM, e.g. TERM=xterm)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	set_term(screen);
	screen_up = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE); /* keys are polled between tracer polls */
	set_escdelay(25);      /* Esc closes things; do not wait 1s for a sequence */
	curs_set(0);
	setup_attrs(c);
	c->win = stdscr;
	getmaxyx(stdscr, c->h, c->w);
	return 0;
}

int term__key(struct canvas *c)
{
	int k = wgetch(stdscr);

	if (k == KEY_RESIZE)
		getmaxyx(stdscr, c->h, c->w);
	if (k == ('l' & 0x1f))
		clearok(curscr, TRUE); /* Ctrl-L: repaint everything on the next update */
	return k;
}
