/* sanitize: wire text made safe to print on a terminal.
 *
 * Anything read off the wire (Call-IDs, URIs, User-Agents, finding details
 * quoting them) may carry escape sequences meant for the operator's terminal,
 * or bytes that are not UTF-8.  sanitize_text() keeps valid printable UTF-8
 * as it is and shows everything else as visible text:
 *
 *   C0 controls, DEL, ESC     \x00 .. \x1f, \x7f      (ESC = \x1b)
 *   C1 controls U+0080..9F    \u0080 .. \u009f        (8-bit CSI and friends)
 *   bidi overrides/isolates   \u202a .. \u202e, \u2066 .. \u2069
 *   line/paragraph separators \u2028, \u2029
 *   invalid UTF-8             \xHH for each ill-formed byte (common/utf8.h:
 *                             the rule of the db's text columns too)
 *
 * A backslash is kept as it is: text read back from the db is already
 * escaped (common/utf8.h), and doubling it here would show an invalid byte
 * as \\x80 on screen but \x80 in sqlite3.  A wire that carries the four
 * characters "\x1b" therefore reads like an ESC; the terminal never gets
 * the byte either way, and messages.raw keeps the bytes apart.
 *
 * Pure functions: no locale, no allocation, no global state; thread-safe. */
#ifndef SIPWATCH_SANITIZE_H
#define SIPWATCH_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

/* Writes the sanitised form of in[0..n) to out (NUL-terminated when cap > 0)
 * and returns the number of bytes written before the NUL.  When out is too
 * small the output stops at the last whole unit (character or escape) that
 * fits: never half an escape or half a UTF-8 sequence. */
size_t sanitize_text(const char *in, size_t n, char *out, size_t cap);

/* The length sanitize_text would produce with unlimited room (without the
 * NUL): allocate this plus one to get everything. */
size_t sanitize_text_len(const char *in, size_t n);

/* utf8_decode() (common/utf8.h) under its old name. */
int sanitize_utf8_decode(const char *in, size_t n, uint32_t *cp);

#endif
