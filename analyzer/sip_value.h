/* sip_value: the grammars of single SIP header values — RFC 4028's
 * Session-Expires and Min-SE, option-tag lists (Supported, Require),
 * Retry-After, Reason, Content-Length — and the pieces of RFC 3261 §25.1 they
 * are built from (quoted strings, generic parameters, comma lists, folding).
 *
 * Every function reads one value as a span (n bytes at v, no NUL needed) and
 * treats CR and LF as whitespace, since values may still contain folds.  Both
 * the lenient scanner (sip_scan) and the libosip2 path (sip_parse) read the
 * values with these, so the two cannot disagree.  Nothing here allocates
 * except sip_value_dup, which copies into the message's own strings. */
#ifndef SIPWATCH_SIP_VALUE_H
#define SIPWATCH_SIP_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/sip_msg.h"
#include "common/sip_text.h"

/* RFC 3261 §25.1: delta-seconds are 1*DIGIT; we keep them in 31 bits. */
#define SIP_VALUE_DELTA_MAX 2147483647u

/* A byte range inside a message (not NUL-terminated). */
struct sip_value_span {
	const char *p;
	size_t n;
};

/* The span without the LWS around it. */
static inline struct sip_value_span sip_value_trim(const char *p, size_t n)
{
	size_t b = sip_text_skip_lws(p, n, 0);

	while (n > b && sip_text_is_lws(p[n - 1]))
		n--;
	return (struct sip_value_span){ p + b, n - b };
}

/* ---- RFC 3261 §25.1 building blocks ---- */

/* quoted-string: *i is at the opening quote; moves it past the closing one.
 * False (and *i = n) when the string is not closed. */
bool sip_value_skip_quoted(const char *v, size_t n, size_t *i);
/* Looks for parameter want among ";name[=value]" pairs starting at i; stops at
 * a ',' (next list element) or a grammar error.  A valueless parameter gives
 * an empty span. */
bool sip_value_find_param(const char *v, size_t n, size_t i, const char *want,
			  struct sip_value_span *out);
/* The index of the next list-separating comma (outside quoted strings) from i,
 * or n. */
size_t sip_value_list_next(const char *v, size_t n, size_t i);
/* Turns each fold in the n bytes at s into SP: a CR or LF and the whitespace
 * that follows it. */
void sip_value_unfold(char *s, size_t n);
/* A copy in msg->strs of a value, trimmed and unfolded (sip_msg_str). */
char *sip_value_dup(struct sip_msg *msg, const char *p, size_t n);

/* ---- header values ---- */

/* RFC 4028 §4 / §5 value grammars on n bytes at v (see sip_parse.h). */
void sip_value_session_expires(const char *v, size_t n, struct timer_header *out);
void sip_value_min_se(const char *v, size_t n, struct timer_header *out);

/* RFC 3261 §20.37 option-tag list ("timer, 100rel"): does it name tag?
 * Case-insensitive, whitespace around commas ignored. */
bool sip_value_has_option_tag(const char *v, size_t n, const char *tag);

/* Retry-After (RFC 3261 §20.33): the leading delta-seconds, -1 if absent or
 * not a number up to 2^31-1. */
int sip_value_retry_after(const char *v, size_t n);
/* A Reason header value saying the session timer expired (cause 408 of SIP, or such a text). */
bool sip_value_reason_timer(const char *v, size_t n);

/* Two Content-Length values that say the same: equal numbers ("10", "010"),
 * or, not numbers, the same bytes. */
bool sip_value_same_length(struct sip_value_span a, struct sip_value_span b);
/* Body length: the Content-Length value (n bytes at cl, NULL = absent) when it
 * is a valid number not beyond the bytes present, else everything present. */
size_t sip_value_body_len(size_t present, const char *cl, size_t n);
/* What is wrong with a Content-Length (enum sip_clen): the first value (n
 * bytes at cl, NULL = absent), whether a later one differs, and the body
 * bytes present after the header section (body[0..present)). */
enum sip_clen sip_value_content_length_check(const char *cl, size_t n, bool conflict,
					     const char *body, size_t present);

#endif
