/* sanitize: wire text made safe for a terminal (sanitize.h).
 *
 * One pass decodes UTF-8 with common/utf8.c (RFC 3629 well-formedness: no
 * overlongs, no surrogates, nothing past U+10FFFF), decides per character
 * whether it is kept or escaped, and emits whole units only.  Ill-formed
 * bytes are written \xHH one by one, the rule the db's text columns follow
 * (common/utf8.h), so a Call-ID reads the same on screen, in the reports and
 * in sqlite3. */
#include "ui/sanitize.h"

#include <stdbool.h>
#include <string.h>

#include "common/utf8.h"

int sanitize_utf8_decode(const char *in, size_t n, uint32_t *cp)
{
	return utf8_decode(in, n, cp);
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
	int r = utf8_decode(in, n, &cp);
	unsigned char c = (unsigned char)in[0];

	/* An ill-formed byte, a C0 control or DEL: \xHH.  Only the first byte of
	 * an ill-formed sequence is taken: the rest are continuation bytes, each
	 * ill-formed on its own, so every byte gets its own escape. */
	if (r < 0 || c < 0x20 || c == 0x7f) {
		*consumed = 1;
		utf8_hex_escape(c, unit);
		return 4;
	}
	*consumed = (size_t)r;
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
