/* tls_crypto: the cryptography TLS decryption needs, from OpenSSL 3 libcrypto.
 *
 * The one file that includes OpenSSL headers.  Nothing here is written by
 * hand: the PRF and HKDF are EVP_KDF, the ciphers EVP, the MACs EVP_MAC, RSA
 * decryption EVP_PKEY.  Every function returns false on any failure; callers
 * treat that as "cannot decrypt", never as an error worth a log line. */
#ifndef SIPWATCH_TLS_CRYPTO_H
#define SIPWATCH_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_CRYPTO_MAX_HASH 48 /* SHA-384 */
#define TLS_CRYPTO_TAG 16      /* AEAD tag: GCM and Poly1305 */

enum tls_hash {
	TLS_HASH_SHA1,
	TLS_HASH_SHA256,
	TLS_HASH_SHA384,
	TLS_HASH_MD5_SHA1, /* the TLS 1.0/1.1 PRF */
};

enum tls_cipher {
	TLS_CIPHER_AES128_GCM,
	TLS_CIPHER_AES256_GCM,
	TLS_CIPHER_CHACHA20_POLY1305,
	TLS_CIPHER_AES128_CBC,
	TLS_CIPHER_AES256_CBC,
};

size_t tls_crypto_hash_len(enum tls_hash h);

/* RFC 5246 5: PRF(secret, label, seed) with the suite's hash (RFC 2246 5 for MD5_SHA1). */
bool tls_crypto_prf(enum tls_hash h, const uint8_t *secret, size_t slen, const char *label,
		    const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen);
/* RFC 8446 7.1: HKDF-Expand-Label(secret, label, context, length). */
bool tls_crypto_expand_label(enum tls_hash h, const uint8_t *secret, size_t slen,
			     const char *label, const uint8_t *ctx, size_t ctxlen, uint8_t *out,
			     size_t outlen);
/* The digest of n data pieces concatenated. */
bool tls_crypto_digest(enum tls_hash h, const uint8_t *data, size_t len, uint8_t *out);

/* AEAD open: in is ciphertext followed by the 16-byte tag; out gets inlen - 16 bytes. */
bool tls_crypto_aead_open(enum tls_cipher c, const uint8_t *key, const uint8_t nonce[12],
			  const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
			  uint8_t *out);
/* CBC decrypt without padding removal; inlen a multiple of 16. */
bool tls_crypto_cbc_decrypt(enum tls_cipher c, const uint8_t *key, const uint8_t iv[16],
			    const uint8_t *in, size_t inlen, uint8_t *out);
/* HMAC over two pieces (header, then data). */
bool tls_crypto_hmac(enum tls_hash h, const uint8_t *key, size_t keylen, const uint8_t *a,
		     size_t alen, const uint8_t *b, size_t blen, uint8_t *out);
/* Constant-time comparison. */
bool tls_crypto_equal(const uint8_t *a, const uint8_t *b, size_t n);
/* Overwrites secret bytes so they do not linger in freed memory. */
void tls_crypto_wipe(void *p, size_t n);

/* A PEM RSA private key; NULL with a reason in err. */
struct tls_rsa_key;
struct tls_rsa_key *tls_crypto_rsa_load(const char *path, char *err, size_t errlen);
void tls_crypto_rsa_free(struct tls_rsa_key *k);
/* Does the DER certificate carry this key's public half? */
bool tls_crypto_rsa_matches(const struct tls_rsa_key *k, const uint8_t *der, size_t len);
/* RSAES-PKCS1-v1_5 decryption of a premaster secret (RFC 5246 7.4.7.1): 48 bytes or false. */
bool tls_crypto_rsa_premaster(const struct tls_rsa_key *k, const uint8_t *in, size_t inlen,
			      uint8_t out[48]);

#endif
