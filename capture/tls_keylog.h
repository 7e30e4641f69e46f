/* tls_keylog: the TLS secrets sipwatch may use — an NSS key log file (re-read
 * as it grows), PEM RSA private keys, and master secrets learnt from sessions
 * already decrypted (for resumption by session ID or ticket).
 *
 * Secrets stay in this object: nothing here is ever logged or stored.  The
 * files are opened once (before -Z drops privileges); the key log stays open
 * so that it can be re-read later without the rights to open it again. */
#ifndef SIPWATCH_TLS_KEYLOG_H
#define SIPWATCH_TLS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_RANDOM_LEN 32
#define TLS_MASTER_LEN 48
#define TLS_SECRET_MAX 48

/* The key log labels we use (NSS key log format). */
enum tls_secret_kind {
	TLS_SECRET_MASTER, /* CLIENT_RANDOM: the TLS 1.2 master secret */
	TLS_SECRET_CLIENT_HS, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	TLS_SECRET_SERVER_HS, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	TLS_SECRET_CLIENT_AP, /* CLIENT_TRAFFIC_SECRET_0 */
	TLS_SECRET_SERVER_AP, /* SERVER_TRAFFIC_SECRET_0 */
	TLS_SECRET_KINDS,
};

struct tls_secret {
	uint8_t len; /* 0 = absent */
	uint8_t bytes[TLS_SECRET_MAX];
};

struct tls_keys;
struct tls_rsa_key;

struct tls_keys *tls_keys_new(void);
void tls_keys_free(struct tls_keys *k);

/* Opens and reads an NSS key log.  warn gets a sentence when the file is
 * readable by other users (empty otherwise).  False with a reason in err. */
bool tls_keys_add_keylog(struct tls_keys *k, const char *path, char *warn, size_t warnlen,
			 char *err, size_t errlen);
/* Loads a PEM RSA private key (-k); warn and err as above. */
bool tls_keys_add_rsa(struct tls_keys *k, const char *path, char *warn, size_t warnlen,
		      char *err, size_t errlen);
/* Parses key log text (what the file reader feeds; also for tests and fuzzers). */
void tls_keys_parse(struct tls_keys *k, const char *text, size_t len);

/* The secret of a kind for a client random; reads what the key log gained
 * since last time before giving up.  False if unknown. */
bool tls_keys_lookup(struct tls_keys *k, const uint8_t random[TLS_RANDOM_LEN],
		     enum tls_secret_kind kind, struct tls_secret *out);
bool tls_keys_have_keylog(const struct tls_keys *k);
size_t tls_keys_rsa_count(const struct tls_keys *k);
const struct tls_rsa_key *tls_keys_rsa(const struct tls_keys *k, size_t i);

/* Resumption (RFC 5246 7.3, RFC 5077): a master secret under a session ID or
 * a ticket (id is then the ticket's SHA-256). */
void tls_keys_remember(struct tls_keys *k, const uint8_t *id, size_t idlen,
		       const uint8_t master[TLS_MASTER_LEN]);
bool tls_keys_recall(const struct tls_keys *k, const uint8_t *id, size_t idlen,
		     uint8_t master[TLS_MASTER_LEN]);

#endif
