/* utf8: the one rule for wire text that is stored or shown as text.
 *
 * Bytes off the wire are not always UTF-8 (a hostile or broken peer puts
 * anything in a Call-ID or a User-Agent), but every reader of the database
 * (the sqlite3 CLI, Python's sqlite3 with its default text factory, JSON
 * tools) expects valid UTF-8 text without NUL.  utf8_escape() keeps every
 * well-formed character (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF) as it is and writes NUL and each byte of an ill-formed sequence
 * as the four characters \xHH (lowercase hex):
 *
 *   "a\x80b"  (bytes 61 80 62)     -> "a\x80b"  (text 61 5c 78 38 30 62)
 *   ED A0 80  (a UTF-8 surrogate)  -> "\xed\xa0\x80"
 *   C0 AF     (overlong '/')       -> "\xc0\xaf"
 *
 * The same bytes give the same text in the db, the reports and on screen
 * (ui/sanitize.c and the JSON writer escape invalid bytes this way too).
 * A backslash is kept as it is, so the rule is idempotent: escaped text
 * escapes to itself, and a Call-ID typed back from a report finds its row.
 * The byte-exact message is kept separately (messages.raw, a BLOB).
 *
 * Pure functions: no locale, no allocation, thread-safe. */
#ifndef SIPWATCH_UTF8_H
#define SIPWATCH_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one UTF-8 character at in[0..n) (n > 0).  Returns the bytes it
 * covers (1..4) and sets *cp; an ill-formed sequence covers its maximal
 * subpart (Unicode 15 §3.9, at least one byte) and sets *cp to 0xFFFD with
 * the return value negated.  So: r > 0 valid, r < 0 invalid covering -r. */
int utf8_decode(const char *in, size_t n, uint32_t *cp);

/* True when in[0..n) is well-formed UTF-8 without NUL: text utf8_escape()
 * leaves unchanged.  Fast for the common case: ASCII is checked eight bytes
 * at a time, only bytes above 0x7f are decoded. */
bool utf8_is_clean(const char *in, size_t n);

/* The length of utf8_escape()'s output (without a NUL): at most 4 * n. */
size_t utf8_escape_len(const char *in, size_t n);

/* Writes the escaped form of in[0..n) to out, which must hold
 * utf8_escape_len(in, n) bytes (4 * n always suffice); returns the bytes
 * written.  No NUL is added. */
size_t utf8_escape(const char *in, size_t n, char *out);

/* Writes "\xHH" for byte b to out[0..4). */
void utf8_hex_escape(unsigned char b, char out[4]);

#endif
