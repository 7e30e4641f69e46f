/* json: writing JSON values safely from untrusted text. */
#ifndef SIPWATCH_JSON_H
#define SIPWATCH_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s (n bytes, may contain NUL, invalid UTF-8, control characters) as a JSON
 * string: quotes, escapes, invalid UTF-8 replaced by U+FFFD.  NULL → null. */
void json_write_string(FILE *out, const char *s, size_t n);
void json_write_cstr(FILE *out, const char *s);
/* Microsecond time as seconds with 6 decimals; TS_NONE (INT64_MIN) → null. */
void json_write_time(FILE *out, int64_t ts_us);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid or cut off. */
size_t utf8_valid_len(const unsigned char *s, size_t n);

#endif
