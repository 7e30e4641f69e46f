/* cell_text: display width and fitting of sanitised text (ui/cell_text.h).
 *
 * Every string that came from the wire goes through sanitize_text and then
 * cell_text_fit, which counts display columns (wcwidth) and replaces
 * anything the terminal would not print, so a cell is exactly its width. */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include "ui/cell_text.h"

#include <stdint.h>
#include <stdlib.h> /* MB_CUR_MAX */
#include <string.h>
#include <wchar.h>

#include "common/utf8.h"
#include "ui/sanitize.h"

/* One UTF-8 code point at s[0..n); ill-formed input decodes as U+FFFD.
 * Returns the bytes covered. */
static size_t cell_text_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	int r = utf8_decode((const char *)s, n, cp);

	return (size_t)(r < 0 ? -r : r > 0 ? r : 1);
}

static size_t cell_text_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* What the terminal gets for cp, and its width: a printable code point as
 * itself, a non-printable one as U+FFFD ('?' without UTF-8), a zero-width
 * one (combining, bidi and other format characters) not at all. */
static int cell_text_glyph(uint32_t cp, bool utf8, uint32_t *shown)
{
	int w;

	*shown = cp;
	if (cp >= 0x20 && cp < 0x7f)
		return 1;
	if (!utf8) {
		*shown = '?';
		return 1;
	}
	w = wcwidth((wchar_t)cp);
	if (w < 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
		*shown = 0xfffd;
		return 1;
	}
	return w > 2 ? 2 : w;
}

int cell_text_width(const char *s, size_t n)
{
	bool utf8 = MB_CUR_MAX > 1;
	const unsigned char *p = (const unsigned char *)s;
	int width = 0;

	for (size_t i = 0; i < n && p[i];) {
		uint32_t cp, shown;

		i += cell_text_decode(p + i, n - i, &cp);
		width += cell_text_glyph(cp, utf8, &shown);
	}
	return width;
}

/* Fits s[0..n) into width columns; `more` says the text goes on past n. */
static size_t cell_text_fit_more(const char *s, size_t n, bool more, int width, bool pad,
				  char *out, size_t cap)
{
	bool utf8 = MB_CUR_MAX > 1;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;
	int used = 0;
	bool cut = false;

	if (cap == 0)
		return 0;
	if (width < 0)
		width = 0;
	while (i < n && p[i]) {
		uint32_t cp, shown;
		size_t len = cell_text_decode(p + i, n - i, &cp);
		int w = cell_text_glyph(cp, utf8, &shown);

		if (w == 0) {
			i += len;
			continue;
		}
		/* Keep one column for the ellipsis unless this is the last glyph. */
		if (used + w > width ||
		    (used + w == width &&
		     (more || cell_text_width(s + i + len, n - i - len) > 0))) {
			cut = true;
			break;
		}
		if (o + 5 >= cap)
			break;
		o += cell_text_encode(shown, out + o);
		used += w;
		i += len;
	}
	if (!cut && more && i >= n)
		cut = true;
	if (cut && used < width && o + 4 < cap) {
		o += cell_text_encode(utf8 ? 0x2026 : '~', out + o);
		used++;
	}
	while (pad && used < width && o + 1 < cap) {
		out[o++] = ' ';
		used++;
	}
	out[o] = '\0';
	return o;
}

size_t cell_text_prefix(const char *s, size_t n, int width, bool wrap)
{
	bool utf8 = MB_CUR_MAX > 1;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, space = 0;
	int used = 0;

	while (i < n && p[i]) {
		uint32_t cp, shown;
		size_t len = cell_text_decode(p + i, n - i, &cp);
		int w = cell_text_glyph(cp, utf8, &shown);

		if (used + w > width && i > 0)
			break;
		if (cp == ' ' && used >= width / 4)
			space = i + 1;
		used += w;
		i += len;
		if (used >= width && width > 0 && (i >= n || !p[i]))
			break;
	}
	if (wrap && space && i < n && p[i] && p[i] != ' ')
		return space;
	return i;
}

size_t cell_text_fit(const char *s, size_t n, int width, bool pad, char *out, size_t cap)
{
	return cell_text_fit_more(s, n, false, width, pad, out, cap);
}

size_t cell_text_cell(const char *raw, size_t n, int width, bool pad, char *out, size_t cap)
{
	/* Enough input for width columns; the rest only decides the ellipsis. */
	char clean[CELL_TEXT_FIT_CAP(CELL_TEXT_MAX_WIDTH) * 4];
	size_t take, len;

	if (!raw)
		raw = "";
	if (width > CELL_TEXT_MAX_WIDTH)
		width = CELL_TEXT_MAX_WIDTH;
	if (width < 0)
		width = 0;
	take = (size_t)width * 4 + 8;
	if (take > n)
		take = n;
	len = sanitize_text(raw, take, clean, sizeof clean);
	if (len >= sizeof clean)
		len = sizeof clean - 1;
	clean[len] = '\0';
	return cell_text_fit_more(clean, len, take < n, width, pad, out, cap);
}
