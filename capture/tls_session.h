/* tls_session: one TLS connection seen from outside — the handshake as it
 * passes (randoms, suite, version, extensions, certificate, key exchange),
 * the keys it gets from the key store, and the records of both directions
 * decrypted into application data. */
#ifndef SIPWATCH_TLS_SESSION_H
#define SIPWATCH_TLS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"

struct tls_keys;
struct tls_session;

/* Receives decrypted application data of one direction. */
typedef void (*tls_session_sink_fn)(void *ctx, const uint8_t *data, size_t len);

enum tls_session_outcome {
	TLS_SESSION_PENDING,   /* no protected record yet */
	TLS_SESSION_DECRYPTED, /* keys found and records authenticated */
	TLS_SESSION_NO_KEYS,   /* protected records we cannot open (no or wrong key) */
};

/* keys may be NULL (nothing will be decrypted).  stats gets the per-session
 * counts; count_no_keys says whether a session we cannot open is worth
 * counting (it is on a SIP or SIP-TLS port). */
struct tls_session *tls_session_new(struct tls_keys *keys, struct decoder_stats *stats,
				    bool count_no_keys);
void tls_session_ref(struct tls_session *s);
/* Drops a reference; the last one frees the session (counting it if undecided). */
void tls_session_unref(struct tls_session *s);

/* Bytes of the direction whose source is src, in order.  Consumes whole
 * records and returns how many bytes it used: fewer than len while a record
 * is incomplete or, briefly, while keys may still appear in the key log.
 * SIZE_MAX: this is not TLS; the caller should forget the stream. */
size_t tls_session_feed(struct tls_session *s, const struct net_addr *src, int64_t ts_us,
			const uint8_t *buf, size_t len, tls_session_sink_fn sink, void *ctx);

#endif
