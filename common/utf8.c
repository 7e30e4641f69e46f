/* utf8: well-formedness and the \xHH escape of wire text (utf8.h).
 *
 * The decoder follows Unicode 15 §3.9 "U+FFFD substitution of maximal
 * subparts" (Table 3-7 gives the valid second bytes), the practice of every
 * major browser and of Python's decoder, so what is ill-formed here is
 * ill-formed for the db's readers too. */
#include "common/utf8.h"

#include <string.h>

/* Unicode §3.9 Table 3-7: the valid range of the second byte depends on the
 * lead byte (this is what rules out overlongs, surrogates and > U+10FFFF);
 * every later byte is 80..BF. */
static bool utf8_second_ok(unsigned char lead, unsigned char b)
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

int utf8_decode(const char *in, size_t n, uint32_t *cp)
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
			  (i == 1 ? utf8_second_ok(c, s[i]) : (s[i] & 0xc0) == 0x80);
		if (!ok) {
			*cp = 0xfffd; /* the maximal subpart is s[0..i) */
			return -i;
		}
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

/* Eight bytes, all 01..7F: no high bit and no zero byte (the classic
 * "has a zero byte" test: (x - 0x01..) & ~x & 0x80..). */
static bool utf8_word_plain(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	return ((x & highs) | ((x - ones) & ~x & highs)) == 0;
}

bool utf8_is_clean(const char *in, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint64_t w;
		if (n - i >= 8) {
			memcpy(&w, in + i, 8); /* unaligned-safe; compiles to one load */
			if (utf8_word_plain(w)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = (unsigned char)in[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		int r = utf8_decode(in + i, n - i, &cp);
		if (r < 0)
			return false;
		i += (size_t)r;
	}
	return true;
}

void utf8_hex_escape(unsigned char b, char out[4])
{
	static const char hex[] = "0123456789abcdef";
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[b >> 4];
	out[3] = hex[b & 0xf];
}

size_t utf8_escape_len(const char *in, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int r = utf8_decode(in + i, n - i, &cp);
		if (r < 0 || in[i] == '\0') {
			size_t bad = r < 0 ? (size_t)-r : 1;
			total += 4 * bad;
			i += bad;
		} else {
			total += (size_t)r;
			i += (size_t)r;
		}
	}
	return total;
}

size_t utf8_escape(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int r = utf8_decode(in + i, n - i, &cp);
		if (r < 0 || in[i] == '\0') {
			size_t bad = r < 0 ? (size_t)-r : 1;
			for (size_t k = 0; k < bad; k++, o += 4)
				utf8_hex_escape((unsigned char)in[i + k], out + o);
			i += bad;
		} else {
			memcpy(out + o, in + i, (size_t)r);
			o += (size_t)r;
			i += (size_t)r;
		}
	}
	return o;
}
