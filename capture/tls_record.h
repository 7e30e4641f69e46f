/* tls_record: TLS record framing (RFC 8446 5.1, RFC 5246 6.2) and the
 * decryption of one protected record with one direction's keys. */
#ifndef SIPWATCH_TLS_RECORD_H
#define SIPWATCH_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/tls_crypto.h"

#define TLS_RECORD_HEADER 5
#define TLS_RECORD_MAX_PLAIN 16384u
/* RFC 5246 6.2.3: ciphertext may exceed the plaintext by 2048 bytes. */
#define TLS_RECORD_MAX_BODY (TLS_RECORD_MAX_PLAIN + 2048u)
/* Room for a decrypted body (decryption never grows a record). */
#define TLS_RECORD_OUT_MAX TLS_RECORD_MAX_BODY

enum tls_content {
	TLS_CT_CHANGE_CIPHER_SPEC = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APPLICATION_DATA = 23,
	TLS_CT_HEARTBEAT = 24,
};

#define TLS_V10 0x0301
#define TLS_V11 0x0302
#define TLS_V12 0x0303
#define TLS_V13 0x0304

/* A cipher suite we can decrypt. */
struct tls_suite {
	uint16_t id;
	enum tls_cipher cipher;
	enum tls_hash prf; /* TLS 1.2 PRF / TLS 1.3 HKDF hash */
	enum tls_hash mac; /* CBC suites: the HMAC */
	uint8_t key_len;
	uint8_t mac_len;   /* 0 for AEAD */
	bool rsa_kx;       /* RSA key exchange: a -k key can open it */
	bool tls13;
};

/* The keys of one direction. */
struct tls_record_keys {
	const struct tls_suite *suite;
	uint16_t version;
	bool etm; /* RFC 7366 encrypt-then-MAC */
	uint8_t key[32];
	uint8_t iv[16]; /* AEAD: the fixed IV; TLS 1.0 CBC: the running IV */
	uint8_t mac[TLS_CRYPTO_MAX_HASH];
	uint64_t seq;
};

struct tls_record {
	uint8_t type;
	uint16_t version;
	const uint8_t *header; /* the 5 header bytes */
	const uint8_t *body;
	size_t len;
};

enum tls_record_result {
	TLS_RECORD_NEED_MORE,
	TLS_RECORD_OK,
	TLS_RECORD_INVALID, /* not a TLS record: the stream is not (or no longer) TLS */
};

/* The record at the front of buf; *used is its size with the header. */
enum tls_record_result tls_record_next(const uint8_t *buf, size_t len, struct tls_record *rec,
				       size_t *used);
/* NULL for a suite we do not decrypt. */
const struct tls_suite *tls_record_suite(uint16_t id);
/* Decrypts and authenticates one record into out (TLS_RECORD_OUT_MAX bytes);
 * sets the content type (TLS 1.3: the inner one) and length.  Advances the
 * sequence number whether or not it succeeds. */
bool tls_record_open(struct tls_record_keys *k, const struct tls_record *rec, uint8_t *out,
		     size_t *outlen, uint8_t *type);

#endif
