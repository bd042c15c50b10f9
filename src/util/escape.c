#include "util/escape.h"

#include <stdlib.h>
#include <string.h>

int utf8_seq(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c = s[0], min;
	int n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* A code point a terminal would act on rather than show. */
static int is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
}

char *esc_text_into(char *dst, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!size)
		return dst;
	if (!s)
		s = "(none)";
	while (*s) {
		uint32_t cp;
		int n = utf8_seq(s, &cp);
		char tmp[16];
		size_t tn = 0;

		if (n && !is_control(cp)) {
			memcpy(tmp, s, n);
			tn = n;
		} else {
			/* one \xNN per byte of the control or bad sequence */
			int k = n ? n : 1;

			for (int i = 0; i < k; i++) {
				unsigned char b = (unsigned char)s[i];

				tmp[tn++] = '\\';
				tmp[tn++] = 'x';
				tmp[tn++] = hex[b >> 4];
				tmp[tn++] = hex[b & 15];
			}
			n = k;
		}
		if (o + tn + 1 > size) {
			/* cut on a character boundary, marked */
			while (o > 0 && o + 4 > size)
				o--;
			while (o > 0 && ((unsigned char)dst[o] & 0xc0) == 0x80)
				o--;
			if (o + 4 <= size) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, tmp, tn);
		o += tn;
		s += n;
	}
	dst[o] = '\0';
	return dst;
}

#define ROT_N 8
#define ROT_SIZE 4096

const char *esc_text(const char *s)
{
	static __thread char bufs[ROT_N][ROT_SIZE];
	static __thread unsigned next;

	return esc_text_into(bufs[next++ % ROT_N], ROT_SIZE, s);
}

void fput_text(FILE *out, const char *s)
{
	char buf[ROT_SIZE];

	fputs(esc_text_into(buf, sizeof(buf), s), out);
}

void fput_html(FILE *out, const char *s)
{
	while (s && *s) {
		uint32_t cp;
		int n = utf8_seq(s, &cp);

		if (!n || (is_control(cp) && cp != '\t' && cp != '\n')) {
			fputs("&#xfffd;", out);
			s += n ? n : 1;
			continue;
		}
		switch (cp) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fwrite(s, 1, n, out);
		}
		s += n;
	}
}

void fput_json(FILE *out, const char *s)
{
	fputc('"', out);
	while (*s) {
		uint32_t cp;
		int n = utf8_seq(s, &cp);

		if (!n) {
			fputs("\\ufffd", out);
			s++;
			continue;
		}
		switch (cp) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (is_control(cp)) /* C1 too: JSON cat to a terminal stays inert */
				fprintf(out, "\\u%04x", cp);
			else
				fwrite(s, 1, n, out);
		}
		s += n;
	}
	fputc('"', out);
}

char *esc_prom_label(const char *s, size_t max_bytes)
{
	/* worst case: every input byte becomes U+FFFD (3 bytes), plus "..." */
	size_t len = strnlen(s ? s : "", max_bytes + 1), o = 0;
	char *out = malloc(3 * (len < max_bytes ? len : max_bytes) + 4);
	const char *start = s;

	if (!out)
		return NULL;
	while (s && *s) {
		uint32_t cp;
		int n = utf8_seq(s, &cp);

		if ((size_t)(s - start) + (n ? n : 1) > max_bytes) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (!n || (is_control(cp) && cp != '\n')) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			s += n ? n : 1;
			continue;
		}
		if (cp == '\\' || cp == '"' || cp == '\n') {
			out[o++] = '\\';
			out[o++] = cp == '\n' ? 'n' : (char)cp;
		} else {
			memcpy(out + o, s, n);
			o += n;
		}
		s += n;
	}
	out[o] = 0;
	return out;
}
