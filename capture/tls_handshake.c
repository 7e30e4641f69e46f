/* tls_handshake: hello, certificate, key exchange and ticket parsing.
 *
 * Only what decryption needs is kept: randoms, session ID, the suite, the
 * negotiated version (RFC 8446 4.2.1: supported_versions in a ServerHello
 * overrides legacy_version), extended master secret (RFC 7627), encrypt-then-
 * MAC (RFC 7366) and the session ticket (RFC 5077) for resumption. */
#include "capture/tls_handshake.h"

#include <string.h>

#include "capture/tls_crypto.h"
#include "common/bytes.h"

#define TLS_EXT_ETM 22
#define TLS_EXT_EMS 23
#define TLS_EXT_SESSION_TICKET 35
#define TLS_EXT_SUPPORTED_VERSIONS 43

/* RFC 8446 4.1.3: the ServerHello random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
static const uint8_t tls_handshake_hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* version, random, session ID: the start both hellos share. */
static bool tls_handshake_hello_start(struct reader *r, struct tls_hello *h)
{
	memset(h, 0, sizeof *h);
	h->version = reader_be16(r);
	const uint8_t *rnd = reader_take(r, 32);
	uint8_t sid_len = reader_u8(r);
	const uint8_t *sid = sid_len <= 32 ? reader_take(r, sid_len) : NULL;
	if (!rnd || !sid || r->truncated)
		return false;
	memcpy(h->random, rnd, 32);
	memcpy(h->sid, sid, sid_len);
	h->sid_len = sid_len;
	return true;
}

/* Walks the extensions; server says which side's forms to read. */
static bool tls_handshake_extensions(struct reader *r, struct tls_hello *h, bool server)
{
	if (reader_left(r) == 0)
		return true; /* no extensions at all */
	size_t total = reader_be16(r);
	const uint8_t *p = reader_take(r, total);
	struct reader e;

	if (!p)
		return false;
	reader_init(&e, p, total);
	while (reader_left(&e) > 0) {
		uint16_t type = reader_be16(&e);
		size_t len = reader_be16(&e);
		const uint8_t *data = reader_take(&e, len);
		if (!data)
			return false;
		if (type == TLS_EXT_EMS)
			h->ems = true;
		else if (type == TLS_EXT_ETM)
			h->etm = true;
		else if (type == TLS_EXT_SUPPORTED_VERSIONS && server && len == 2)
			h->version = (uint16_t)(data[0] << 8 | data[1]);
		else if (type == TLS_EXT_SESSION_TICKET && !server && len > 0)
			h->ticket = tls_crypto_digest(TLS_HASH_SHA256, data, len, h->ticket_hash);
	}
	return true;
}

bool tls_handshake_client_hello(const uint8_t *body, size_t len, struct tls_hello *h)
{
	struct reader r;

	reader_init(&r, body, len);
	if (!tls_handshake_hello_start(&r, h))
		return false;
	reader_skip(&r, reader_be16(&r)); /* cipher suites */
	reader_skip(&r, reader_u8(&r));   /* compression methods */
	return !r.truncated && tls_handshake_extensions(&r, h, false);
}

bool tls_handshake_server_hello(const uint8_t *body, size_t len, struct tls_hello *h)
{
	struct reader r;

	reader_init(&r, body, len);
	if (!tls_handshake_hello_start(&r, h))
		return false;
	h->suite = reader_be16(&r);
	reader_skip(&r, 1); /* compression method */
	if (r.truncated || !tls_handshake_extensions(&r, h, true))
		return false;
	h->hrr = memcmp(h->random, tls_handshake_hrr_random, 32) == 0;
	return true;
}

static size_t tls_handshake_be24(struct reader *r)
{
	const uint8_t *p = reader_take(r, 3);
	return p ? (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2] : 0;
}

bool tls_handshake_first_cert(const uint8_t *body, size_t len, const uint8_t **der,
			      size_t *derlen)
{
	struct reader r;

	reader_init(&r, body, len);
	(void)tls_handshake_be24(&r); /* certificate_list length */
	*derlen = tls_handshake_be24(&r);
	*der = reader_take(&r, *derlen);
	return *der && *derlen > 0;
}

bool tls_handshake_rsa_cke(const uint8_t *body, size_t len, const uint8_t **enc, size_t *enclen)
{
	struct reader r;

	/* RFC 5246 7.4.7.1: EncryptedPreMasterSecret is opaque<0..2^16-1>. */
	reader_init(&r, body, len);
	*enclen = reader_be16(&r);
	*enc = reader_take(&r, *enclen);
	return *enc && *enclen > 0;
}

bool tls_handshake_ticket(const uint8_t *body, size_t len, uint8_t hash[32])
{
	struct reader r;

	/* RFC 5077 3.3: uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>. */
	reader_init(&r, body, len);
	reader_skip(&r, 4);
	size_t tlen = reader_be16(&r);
	const uint8_t *t = reader_take(&r, tlen);
	return t && tlen > 0 && tls_crypto_digest(TLS_HASH_SHA256, t, tlen, hash);
}
