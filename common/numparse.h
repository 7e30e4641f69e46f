/* numparse: the one bounded number parser for wire text (never atoi). */
#ifndef SIPWATCH_NUMPARSE_H
#define SIPWATCH_NUMPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses exactly the n bytes at s as decimal digits (no sign, no spaces) into *out.
 * Fails on an empty string, any non-digit, or a value above max. */
bool parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out);

#endif
