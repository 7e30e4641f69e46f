/* tls_record: record framing, the suite table and per-record decryption.
 *
 * AEAD (RFC 5288 GCM, RFC 7905 ChaCha20-Poly1305, RFC 8446 5.2-5.3): the
 * nonce is the fixed IV with the explicit part (TLS 1.2 GCM) or XORed with
 * the sequence number (ChaCha20, TLS 1.3); the additional data is the
 * sequence number and header (TLS 1.2) or the record header (TLS 1.3).
 * CBC (RFC 5246 6.2.3.2): MAC-then-encrypt, or encrypt-then-MAC when
 * negotiated (RFC 7366); TLS 1.0 chains the IV from record to record. */
#include "capture/tls_record.h"

#include <string.h>

#include "common/bytes.h"

#define TLS_GCM_EXPLICIT 8
#define TLS_CBC_BLOCK 16

/* The suites Debian's OpenSSL, Kamailio, OpenSIPS, Asterisk and browsers
 * negotiate (IANA TLS Cipher Suites registry). */
static const struct tls_suite tls_suites[] = {
	/* TLS 1.3 (RFC 8446 B.4) */
	{0x1301, TLS_CIPHER_AES128_GCM, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 0, false, true},
	{0x1302, TLS_CIPHER_AES256_GCM, TLS_HASH_SHA384, TLS_HASH_SHA384, 32, 0, false, true},
	{0x1303, TLS_CIPHER_CHACHA20_POLY1305, TLS_HASH_SHA256, TLS_HASH_SHA256, 32, 0, false, true},
	/* TLS 1.2 AEAD */
	{0x009c, TLS_CIPHER_AES128_GCM, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 0, true, false},
	{0x009d, TLS_CIPHER_AES256_GCM, TLS_HASH_SHA384, TLS_HASH_SHA384, 32, 0, true, false},
	{0x009e, TLS_CIPHER_AES128_GCM, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 0, false, false},
	{0x009f, TLS_CIPHER_AES256_GCM, TLS_HASH_SHA384, TLS_HASH_SHA384, 32, 0, false, false},
	{0xc02b, TLS_CIPHER_AES128_GCM, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 0, false, false},
	{0xc02c, TLS_CIPHER_AES256_GCM, TLS_HASH_SHA384, TLS_HASH_SHA384, 32, 0, false, false},
	{0xc02f, TLS_CIPHER_AES128_GCM, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 0, false, false},
	{0xc030, TLS_CIPHER_AES256_GCM, TLS_HASH_SHA384, TLS_HASH_SHA384, 32, 0, false, false},
	{0xcca8, TLS_CIPHER_CHACHA20_POLY1305, TLS_HASH_SHA256, TLS_HASH_SHA256, 32, 0, false, false},
	{0xcca9, TLS_CIPHER_CHACHA20_POLY1305, TLS_HASH_SHA256, TLS_HASH_SHA256, 32, 0, false, false},
	{0xccaa, TLS_CIPHER_CHACHA20_POLY1305, TLS_HASH_SHA256, TLS_HASH_SHA256, 32, 0, false, false},
	/* TLS 1.0-1.2 CBC */
	{0x002f, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 16, 20, true, false},
	{0x0035, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 32, 20, true, false},
	{0x003c, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 32, true, false},
	{0x003d, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA256, TLS_HASH_SHA256, 32, 32, true, false},
	{0x0033, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 16, 20, false, false},
	{0x0039, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 32, 20, false, false},
	{0x0067, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 32, false, false},
	{0x006b, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA256, TLS_HASH_SHA256, 32, 32, false, false},
	{0xc009, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 16, 20, false, false},
	{0xc00a, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 32, 20, false, false},
	{0xc013, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 16, 20, false, false},
	{0xc014, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA256, TLS_HASH_SHA1, 32, 20, false, false},
	{0xc023, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 32, false, false},
	{0xc024, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA384, TLS_HASH_SHA384, 32, 48, false, false},
	{0xc027, TLS_CIPHER_AES128_CBC, TLS_HASH_SHA256, TLS_HASH_SHA256, 16, 32, false, false},
	{0xc028, TLS_CIPHER_AES256_CBC, TLS_HASH_SHA384, TLS_HASH_SHA384, 32, 48, false, false},
};

const struct tls_suite *tls_record_suite(uint16_t id)
{
	for (size_t i = 0; i < sizeof tls_suites / sizeof tls_suites[0]; i++)
		if (tls_suites[i].id == id)
			return &tls_suites[i];
	return NULL;
}

enum tls_record_result tls_record_next(const uint8_t *buf, size_t len, struct tls_record *rec,
				       size_t *used)
{
	struct reader r;

	reader_init(&r, buf, len);
	rec->header = buf;
	rec->type = reader_u8(&r);
	rec->version = reader_be16(&r);
	rec->len = reader_be16(&r);
	if (len >= 1 && (buf[0] < TLS_CT_CHANGE_CIPHER_SPEC || buf[0] > TLS_CT_HEARTBEAT))
		return TLS_RECORD_INVALID;
	if (len >= 2 && buf[1] != 3)
		return TLS_RECORD_INVALID;
	if (r.truncated)
		return TLS_RECORD_NEED_MORE;
	if ((rec->version >> 8) != 3 || rec->len > TLS_RECORD_MAX_BODY)
		return TLS_RECORD_INVALID;
	rec->body = reader_take(&r, rec->len);
	if (!rec->body)
		return TLS_RECORD_NEED_MORE;
	*used = TLS_RECORD_HEADER + rec->len;
	return TLS_RECORD_OK;
}

static void tls_record_seq_bytes(uint64_t seq, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		out[i] = (uint8_t)seq;
}

/* RFC 5246 6.2.3.3: seq_num + type + version + length. */
static void tls_record_aad12(uint64_t seq, const struct tls_record *rec, size_t plain,
			     uint8_t aad[13])
{
	tls_record_seq_bytes(seq, aad);
	aad[8] = rec->type;
	aad[9] = (uint8_t)(rec->version >> 8);
	aad[10] = (uint8_t)rec->version;
	aad[11] = (uint8_t)(plain >> 8);
	aad[12] = (uint8_t)plain;
}

/* RFC 7905 2 and RFC 8446 5.3: the 64-bit sequence number XORed into the IV's end. */
static void tls_record_xor_nonce(const uint8_t iv[12], uint64_t seq, uint8_t nonce[12])
{
	uint8_t s[8];

	tls_record_seq_bytes(seq, s);
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= s[i];
}

static bool tls_record_open13(struct tls_record_keys *k, const struct tls_record *rec,
			      uint8_t *out, size_t *outlen, uint8_t *type)
{
	uint8_t nonce[12];

	if (rec->type != TLS_CT_APPLICATION_DATA || rec->len < TLS_CRYPTO_TAG + 1)
		return false;
	tls_record_xor_nonce(k->iv, k->seq, nonce);
	if (!tls_crypto_aead_open(k->suite->cipher, k->key, nonce, rec->header, TLS_RECORD_HEADER,
				  rec->body, rec->len, out))
		return false;
	/* RFC 8446 5.4: content, then the real type, then zero padding. */
	size_t n = rec->len - TLS_CRYPTO_TAG;
	while (n > 0 && out[n - 1] == 0)
		n--;
	if (n == 0)
		return false;
	*type = out[n - 1];
	*outlen = n - 1;
	return true;
}

static bool tls_record_open_aead12(struct tls_record_keys *k, const struct tls_record *rec,
				   uint8_t *out, size_t *outlen)
{
	uint8_t nonce[12], aad[13];
	const uint8_t *ct = rec->body;
	size_t ctlen = rec->len;

	if (k->suite->cipher == TLS_CIPHER_CHACHA20_POLY1305) {
		tls_record_xor_nonce(k->iv, k->seq, nonce);
	} else {
		if (ctlen < TLS_GCM_EXPLICIT)
			return false;
		memcpy(nonce, k->iv, 4);
		memcpy(nonce + 4, ct, TLS_GCM_EXPLICIT);
		ct += TLS_GCM_EXPLICIT;
		ctlen -= TLS_GCM_EXPLICIT;
	}
	if (ctlen < TLS_CRYPTO_TAG)
		return false;
	tls_record_aad12(k->seq, rec, ctlen - TLS_CRYPTO_TAG, aad);
	if (!tls_crypto_aead_open(k->suite->cipher, k->key, nonce, aad, sizeof aad, ct, ctlen, out))
		return false;
	*outlen = ctlen - TLS_CRYPTO_TAG;
	return true;
}

/* RFC 5246 6.2.3.2: padding_length bytes of value padding_length, then that byte. */
static bool tls_record_unpad(const uint8_t *p, size_t *len)
{
	if (*len == 0)
		return false;
	uint8_t pad = p[*len - 1];
	if ((size_t)pad + 1 > *len)
		return false;
	for (size_t i = *len - 1 - pad; i < *len; i++)
		if (p[i] != pad)
			return false;
	*len -= (size_t)pad + 1;
	return true;
}

static bool tls_record_open_cbc(struct tls_record_keys *k, const struct tls_record *rec,
				uint8_t *out, size_t *outlen)
{
	size_t maclen = k->suite->mac_len;
	const uint8_t *body = rec->body;
	size_t blen = rec->len;
	uint8_t hdr[13], mac[TLS_CRYPTO_MAX_HASH], iv[TLS_CBC_BLOCK];
	bool explicit_iv = k->version >= TLS_V11;

	if (k->etm) {
		/* RFC 7366 3: MAC(seq + header(length of IV + ciphertext) + IV + ciphertext). */
		if (blen < maclen)
			return false;
		blen -= maclen;
		tls_record_aad12(k->seq, rec, blen, hdr);
		if (!tls_crypto_hmac(k->suite->mac, k->mac, maclen, hdr, sizeof hdr, body, blen, mac) ||
		    !tls_crypto_equal(mac, body + blen, maclen))
			return false;
	}
	if (explicit_iv) {
		if (blen < TLS_CBC_BLOCK)
			return false;
		memcpy(iv, body, TLS_CBC_BLOCK);
		body += TLS_CBC_BLOCK;
		blen -= TLS_CBC_BLOCK;
	} else {
		memcpy(iv, k->iv, TLS_CBC_BLOCK);
	}
	if (blen == 0 || blen % TLS_CBC_BLOCK ||
	    !tls_crypto_cbc_decrypt(k->suite->cipher, k->key, iv, body, blen, out))
		return false;
	if (!explicit_iv)
		memcpy(k->iv, body + blen - TLS_CBC_BLOCK, TLS_CBC_BLOCK); /* TLS 1.0 chaining */
	size_t n = blen;
	if (!tls_record_unpad(out, &n))
		return false;
	if (!k->etm) {
		if (n < maclen)
			return false;
		n -= maclen;
		tls_record_aad12(k->seq, rec, n, hdr);
		if (!tls_crypto_hmac(k->suite->mac, k->mac, maclen, hdr, sizeof hdr, out, n, mac) ||
		    !tls_crypto_equal(mac, out + n, maclen))
			return false;
	}
	*outlen = n;
	return true;
}

bool tls_record_open(struct tls_record_keys *k, const struct tls_record *rec, uint8_t *out,
		     size_t *outlen, uint8_t *type)
{
	bool ok;

	*type = rec->type;
	if (k->suite->tls13)
		ok = tls_record_open13(k, rec, out, outlen, type);
	else if (k->suite->mac_len)
		ok = tls_record_open_cbc(k, rec, out, outlen);
	else
		ok = tls_record_open_aead12(k, rec, out, outlen);
	k->seq++;
	return ok;
}
