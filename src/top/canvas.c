/* Drawing backends for the dashboard (see canvas.h). */
#include "top/canvas.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int canvas__init_plain(struct canvas *c, int h, int w)
{
	memset(c, 0, sizeof(*c));
	c->grid = malloc((size_t)h * w);
	if (!c->grid)
		return -ENOMEM;
	c->h = h;
	c->w = w;
	canvas__erase(c);
	return 0;
}

void canvas__release_plain(struct canvas *c)
{
	free(c->grid);
	c->grid = NULL;
}

void canvas__erase(struct canvas *c)
{
	if (c->win)
		werase(c->win); /* not clear(): that repaints everything and flickers */
	else if (c->grid)
		memset(c->grid, ' ', (size_t)c->h * c->w);
}

/* Bytes of s that fit in `cols` columns; *used gets the columns. */
static int fit(const char *s, int cols, int *used)
{
	int n = 0, col = 0;

	while (s[n] && col < cols) {
		int len = 1;

		if ((unsigned char)s[n] >= 0xc0) /* UTF-8 lead byte: take its continuation */
			while ((s[n + len] & 0xc0) == 0x80)
				len++;
		n += len;
		col++;
	}
	*used = col;
	return n;
}

int canvas__text(struct canvas *c, int y, int x, enum top_attr a, const char *s, int maxw)
{
	int room, bytes, used;

	if (y < 0 || y >= c->h || x < 0 || x >= c->w || !s)
		return 0;
	room = c->w - x;
	if (maxw >= 0 && maxw < room)
		room = maxw;
	bytes = fit(s, room, &used);
	if (c->win) {
		wattrset(c->win, c->attrs[a]);
		/* the bottom-right cell would scroll the window: ncurses returns
		 * ERR there, harmlessly, so the result is not checked */
		mvwaddnstr(c->win, y, x, s, bytes);
		wattrset(c->win, A_NORMAL);
	} else {
		char *row = c->grid + (size_t)y * c->w;

		/* plain frames are ASCII: anything else becomes '?' */
		for (int i = 0, col = 0; i < bytes && col < used; i++) {
			unsigned char ch = s[i];

			if ((ch & 0xc0) == 0x80)
				continue;
			row[x + col++] = ch >= 0x20 && ch < 0x7f ? ch : '?';
		}
	}
	return used;
}

int canvas__printf(struct canvas *c, int y, int x, enum top_attr a, int maxw, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return canvas__text(c, y, x, a, buf, maxw);
}

void canvas__fill_row(struct canvas *c, int y, enum top_attr a)
{
	if (!c->win || y < 0 || y >= c->h)
		return;
	mvwchgat(c->win, y, 0, -1, c->attrs[a], PAIR_NUMBER(c->attrs[a]), NULL);
}

void canvas__present(struct canvas *c, FILE *plain_out)
{
	int last = -1;

	if (c->win) {
		wnoutrefresh(c->win);
		doupdate();
		return;
	}
	for (int y = 0; y < c->h; y++) {
		const char *row = c->grid + (size_t)y * c->w;

		for (int x = 0; x < c->w; x++)
			if (row[x] != ' ')
				last = y;
	}
	for (int y = 0; y <= last; y++) {
		const char *row = c->grid + (size_t)y * c->w;
		int len = c->w;

		while (len > 0 && row[len - 1] == ' ')
			len--;
		fprintf(plain_out, "%.*s\n", len, row);
	}
	fputc('\n', plain_out); /* a blank line ends each frame */
	fflush(plain_out);
}
