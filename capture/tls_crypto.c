/* tls_crypto: OpenSSL 3 libcrypto behind a small interface (see tls_crypto.h).
 *
 * EVP_KDF "TLS1-PRF" and "HKDF" (expand only), EVP AEAD and CBC ciphers,
 * EVP_MAC "HMAC", EVP_PKEY RSA decryption.  Contexts are made per call: a
 * record costs one cipher context, a session one or two KDF runs. */
#include "capture/tls_crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define TLS_CRYPTO_MAX_SEED 256
#define TLS_CRYPTO_MAX_LABEL 255

struct tls_rsa_key {
	EVP_PKEY *pkey;
};

static const char *tls_crypto_md_name(enum tls_hash h)
{
	switch (h) {
	case TLS_HASH_SHA1: return "SHA1";
	case TLS_HASH_SHA256: return "SHA256";
	case TLS_HASH_SHA384: return "SHA384";
	case TLS_HASH_MD5_SHA1: return "MD5-SHA1";
	}
	return "SHA256";
}

size_t tls_crypto_hash_len(enum tls_hash h)
{
	switch (h) {
	case TLS_HASH_SHA1: return 20;
	case TLS_HASH_SHA256: return 32;
	case TLS_HASH_SHA384: return 48;
	case TLS_HASH_MD5_SHA1: return 36;
	}
	return 32;
}

static bool tls_crypto_kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	bool ok = ctx && EVP_KDF_derive(ctx, out, outlen, params) == 1;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	ERR_clear_error();
	return ok;
}

bool tls_crypto_prf(enum tls_hash h, const uint8_t *secret, size_t slen, const char *label,
		    const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen)
{
	uint8_t buf[TLS_CRYPTO_MAX_SEED];
	size_t llen = strlen(label);

	if (llen + seedlen > sizeof buf)
		return false;
	memcpy(buf, label, llen);
	memcpy(buf + llen, seed, seedlen);
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)tls_crypto_md_name(h), 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, buf, llen + seedlen),
		OSSL_PARAM_END,
	};
	return tls_crypto_kdf("TLS1-PRF", params, out, outlen);
}

bool tls_crypto_expand_label(enum tls_hash h, const uint8_t *secret, size_t slen,
			     const char *label, const uint8_t *ctx, size_t ctxlen, uint8_t *out,
			     size_t outlen)
{
	/* struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
	 *          opaque context<0..255>; } HkdfLabel; */
	uint8_t info[2 + 1 + TLS_CRYPTO_MAX_LABEL + 1 + 255];
	size_t llen = strlen(label);
	size_t at = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;

	if (6 + llen > TLS_CRYPTO_MAX_LABEL || ctxlen > 255 || outlen > 0xffff)
		return false;
	info[at++] = (uint8_t)(outlen >> 8);
	info[at++] = (uint8_t)outlen;
	info[at++] = (uint8_t)(6 + llen);
	memcpy(info + at, "tls13 ", 6);
	at += 6;
	memcpy(info + at, label, llen);
	at += llen;
	info[at++] = (uint8_t)ctxlen;
	if (ctxlen)
		memcpy(info + at, ctx, ctxlen);
	at += ctxlen;
	OSSL_PARAM params[] = {
		OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)tls_crypto_md_name(h), 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, info, at),
		OSSL_PARAM_END,
	};
	return tls_crypto_kdf("HKDF", params, out, outlen);
}

bool tls_crypto_digest(enum tls_hash h, const uint8_t *data, size_t len, uint8_t *out)
{
	EVP_MD *md = EVP_MD_fetch(NULL, tls_crypto_md_name(h), NULL);
	bool ok = md && EVP_Digest(data, len, out, NULL, md, NULL) == 1;

	EVP_MD_free(md);
	ERR_clear_error();
	return ok;
}

static const EVP_CIPHER *tls_crypto_evp(enum tls_cipher c)
{
	switch (c) {
	case TLS_CIPHER_AES128_GCM: return EVP_aes_128_gcm();
	case TLS_CIPHER_AES256_GCM: return EVP_aes_256_gcm();
	case TLS_CIPHER_CHACHA20_POLY1305: return EVP_chacha20_poly1305();
	case TLS_CIPHER_AES128_CBC: return EVP_aes_128_cbc();
	case TLS_CIPHER_AES256_CBC: return EVP_aes_256_cbc();
	}
	return NULL;
}

bool tls_crypto_aead_open(enum tls_cipher c, const uint8_t *key, const uint8_t nonce[12],
			  const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
			  uint8_t *out)
{
	if (inlen < TLS_CRYPTO_TAG || inlen - TLS_CRYPTO_TAG > INT32_MAX || aadlen > INT32_MAX)
		return false;
	int n = (int)(inlen - TLS_CRYPTO_TAG), outl = 0, fin = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	bool ok = ctx && EVP_DecryptInit_ex(ctx, tls_crypto_evp(c), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
		  EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TLS_CRYPTO_TAG,
				      (void *)(in + n)) == 1 &&
		  EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) == 1 &&
		  EVP_DecryptUpdate(ctx, out, &outl, in, n) == 1 &&
		  EVP_DecryptFinal_ex(ctx, out + outl, &fin) == 1;

	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

bool tls_crypto_cbc_decrypt(enum tls_cipher c, const uint8_t *key, const uint8_t iv[16],
			    const uint8_t *in, size_t inlen, uint8_t *out)
{
	if (inlen % 16 || inlen > INT32_MAX)
		return false;
	int outl = 0, fin = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	bool ok = ctx && EVP_DecryptInit_ex(ctx, tls_crypto_evp(c), NULL, key, iv) == 1 &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
		  EVP_DecryptUpdate(ctx, out, &outl, in, (int)inlen) == 1 &&
		  EVP_DecryptFinal_ex(ctx, out + outl, &fin) == 1;

	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

bool tls_crypto_hmac(enum tls_hash h, const uint8_t *key, size_t keylen, const uint8_t *a,
		     size_t alen, const uint8_t *b, size_t blen, uint8_t *out)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)tls_crypto_md_name(h), 0),
		OSSL_PARAM_END,
	};
	size_t outl = 0;
	bool ok = ctx && EVP_MAC_init(ctx, key, keylen, params) == 1 &&
		  EVP_MAC_update(ctx, a, alen) == 1 && EVP_MAC_update(ctx, b, blen) == 1 &&
		  EVP_MAC_final(ctx, out, &outl, TLS_CRYPTO_MAX_HASH) == 1;

	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	ERR_clear_error();
	return ok;
}

bool tls_crypto_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void tls_crypto_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

struct tls_rsa_key *tls_crypto_rsa_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "%s: cannot open key file", path);
		return NULL;
	}
	EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		snprintf(err, errlen, "%s: not a PEM RSA private key", path);
		return NULL;
	}
	struct tls_rsa_key *k = OPENSSL_zalloc(sizeof *k);
	if (!k)
		abort();
	k->pkey = pkey;
	return k;
}

void tls_crypto_rsa_free(struct tls_rsa_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	OPENSSL_free(k);
}

bool tls_crypto_rsa_matches(const struct tls_rsa_key *k, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	bool ok = x && EVP_PKEY_eq(X509_get0_pubkey(x), k->pkey) == 1;

	X509_free(x);
	ERR_clear_error();
	return ok;
}

bool tls_crypto_rsa_premaster(const struct tls_rsa_key *k, const uint8_t *in, size_t inlen,
			      uint8_t out[48])
{
	uint8_t buf[1024];
	size_t outl = sizeof buf;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	bool ok = ctx && EVP_PKEY_decrypt_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		  (size_t)EVP_PKEY_get_size(k->pkey) <= sizeof buf &&
		  EVP_PKEY_decrypt(ctx, buf, &outl, in, inlen) == 1 && outl == 48;

	if (ok)
		memcpy(out, buf, 48);
	OPENSSL_cleanse(buf, sizeof buf);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
