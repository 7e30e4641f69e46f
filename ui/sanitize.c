/* sanitize: wire text made safe for a terminal (sanitize.h).
 *
 * One pass decodes UTF-8 (RFC 3629 well-formedness: no overlongs, no
 * surrogates, nothing past U+10FFFF), decides per character whether it is
 * kept or escaped, and emits whole units only.  The decoder follows Unicode
 * 15 §3.9 "U+FFFD substitution of maximal subparts", the practice of every
 * major browser and of Python's "replace" handler, so our output matches
 * what operators see elsewhere. */
#include "ui/sanitize.h"

#include <stdbool.h>
#include <string.h>

/* Unicode §3.9 Table 3-7: the valid range of the second byte depends on the
 * lead byte; every later byte is 80..BF. */
static bool sanitize_second_ok(unsigned char lead, unsigned char b)
{
	switch (lead) {
	case 0xe0:
		return b >= 0xa0 && b <= 0xbf;
	case 0xed:
		return b >= 0x80 && b <= 0x9f;
	case 0xf0:
		return b >= 0x90 && b <= 0xbf;
	case 0xf4:
		return b >= 0x80 && b <= 0x8f;
	default:
		return b >= 0x80 && b <= 0xbf;
	}
}

int sanitize_utf8_decode(const char *in, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char c = s[0];
	int len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		*cp = 0xfffd; /* 80..C1, F5..FF never start a character */
		return -1;
	}
	for (int i = 1; i < len; i++) {
		bool ok = (size_t)i < n &&
			  (i == 1 ? sanitize_second_ok(c, s[i]) : (s[i] & 0xc0) == 0x80);
		if (!ok) {
			*cp = 0xfffd; /* the maximal subpart is s[0..i) */
			return -i;
		}
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

/* Characters that a terminal acts on or that reorder what the user sees. */
static bool sanitize_escaped_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* The output of one unit; returns its length (at most 8). */
static size_t sanitize_unit(const char *in, size_t n, char unit[8], size_t *consumed)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp;
	int r = sanitize_utf8_decode(in, n, &cp);
	unsigned char c = (unsigned char)in[0];

	if (r < 0) {
		*consumed = (size_t)-r;
		memcpy(unit, "\xef\xbf\xbd", 3);
		return 3;
	}
	*consumed = (size_t)r;
	if (c < 0x20 || c == 0x7f) {
		unit[0] = '\\';
		unit[1] = 'x';
		unit[2] = hex[c >> 4];
		unit[3] = hex[c & 0xf];
		return 4;
	}
	if (c == '\\') {
		unit[0] = unit[1] = '\\';
		return 2;
	}
	if (sanitize_escaped_cp(cp)) {
		unit[0] = '\\';
		unit[1] = 'u';
		for (int i = 0; i < 4; i++)
			unit[2 + i] = hex[(cp >> (12 - 4 * i)) & 0xf];
		return 6;
	}
	memcpy(unit, in, (size_t)r);
	return (size_t)r;
}

size_t sanitize_text(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	char unit[8];

	if (cap == 0)
		return 0;
	for (size_t i = 0; in && i < n;) {
		size_t used;
		size_t len = sanitize_unit(in + i, n - i, unit, &used);
		if (len >= cap - o) /* keep one byte for the NUL */
			break;
		memcpy(out + o, unit, len);
		o += len;
		i += used;
	}
	out[o] = '\0';
	return o;
}

size_t sanitize_text_len(const char *in, size_t n)
{
	size_t total = 0;
	char unit[8];

	for (size_t i = 0; in && i < n;) {
		size_t used;
		total += sanitize_unit(in + i, n - i, unit, &used);
		i += used;
	}
	return total;
}
