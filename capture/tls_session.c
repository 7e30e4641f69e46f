/* tls_session: following a TLS connection and decrypting both directions.
 *
 * Plain records carry the handshake until ChangeCipherSpec (TLS 1.0-1.2) or
 * ServerHello (TLS 1.3).  Keys come from the key store:
 *  - TLS 1.2: the master secret from the key log (CLIENT_RANDOM), from an RSA
 *    key decrypting the ClientKeyExchange (RFC 5246 8.1, or RFC 7627 4 with
 *    extended master secret: the PRF over the session hash), or, for an
 *    abbreviated handshake, from the session resumed by ticket or session ID;
 *    then RFC 5246 6.3's key block.
 *  - TLS 1.3: the handshake and traffic secrets from the key log; RFC 8446
 *    7.3's key and IV; Finished switches a direction to its traffic secret,
 *    KeyUpdate (4.6.3) to the next one.
 * A record that does not authenticate is never passed on: with a wrong key
 * the session ends up "no keys", and no byte of it reaches the SIP framer.
 *
 * Live, keys may reach the key log a moment after the first protected record:
 * the feed then keeps the bytes (TLS_KEY_WAIT_US of packet time, at most
 * TLS_KEY_WAIT_BYTES) and tries again at the next segment. */
#include "capture/tls_session.h"

#include <stdlib.h>
#include <string.h>

#include "capture/tls_handshake.h"
#include "capture/tls_keylog.h"
#include "capture/tls_record.h"
#include "common/xalloc.h"

#define TLS_HS_MAX (128u << 10)
#define TLS_TRANSCRIPT_MAX (256u << 10)
#define TLS_KEY_WAIT_US (2 * USEC_PER_SEC)
#define TLS_KEY_WAIT_BYTES (64u << 10)
#define TLS_RETRY_US USEC_PER_SEC

enum tls_epoch {
	TLS_EPOCH_PLAIN,
	TLS_EPOCH_12,   /* TLS 1.0-1.2 after ChangeCipherSpec */
	TLS_EPOCH_HS13, /* TLS 1.3 handshake traffic keys */
	TLS_EPOCH_AP13, /* TLS 1.3 application traffic keys */
};

struct tls_dir {
	enum tls_epoch epoch;
	bool have_keys;
	bool authenticated; /* a record opened with these keys */
	struct tls_record_keys rk;
	struct tls_secret secret; /* TLS 1.3: the current traffic secret */
	struct tls_secret ap;     /* TLS 1.3: the first application secret */
	uint8_t *hs;              /* an incomplete handshake message */
	size_t hs_len, hs_skip;
};

struct tls_session {
	int refs;
	struct tls_keys *keys;
	struct decoder_stats *stats;
	bool count_no_keys, counted_no_keys;
	enum tls_session_outcome outcome;
	bool protected_seen;
	struct net_addr client;
	bool have_client, have_server_hello;
	struct tls_hello ch, sh;
	const struct tls_suite *suite;
	uint16_t version;
	uint8_t master[TLS_MASTER_LEN];
	bool have_master;
	int rsa_idx; /* the -k key matching the server certificate; -1 = none */
	uint8_t *transcript; /* handshake messages up to ClientKeyExchange (RFC 7627) */
	size_t t_len;
	bool t_over;
	bool ticket_pending;
	uint8_t ticket_hash[32];
	int64_t wait_since;
	struct tls_dir dir[2]; /* 0: from the client, 1: from the server */
};

struct tls_session *tls_session_new(struct tls_keys *keys, struct decoder_stats *stats,
				    bool count_no_keys)
{
	struct tls_session *s = xcalloc(1, sizeof *s);

	s->refs = 1;
	s->keys = keys;
	s->stats = stats;
	s->count_no_keys = count_no_keys;
	s->rsa_idx = -1;
	s->wait_since = TS_NONE;
	return s;
}

void tls_session_ref(struct tls_session *s)
{
	s->refs++;
}

static void tls_session_decide(struct tls_session *s, enum tls_session_outcome o)
{
	if (s->outcome == TLS_SESSION_DECRYPTED || s->outcome == o)
		return;
	if (o == TLS_SESSION_DECRYPTED) {
		if (s->counted_no_keys)
			s->stats->tls_no_keys--;
		else
			s->stats->tls_sessions++;
		s->stats->tls_decrypted++;
		s->counted_no_keys = false;
	} else if (s->count_no_keys) {
		s->stats->tls_sessions++;
		s->stats->tls_no_keys++;
		s->counted_no_keys = true;
	}
	s->outcome = o;
}

void tls_session_unref(struct tls_session *s)
{
	if (!s || --s->refs > 0)
		return;
	if (s->outcome == TLS_SESSION_PENDING && s->protected_seen)
		tls_session_decide(s, TLS_SESSION_NO_KEYS);
	for (int d = 0; d < 2; d++)
		free(s->dir[d].hs);
	free(s->transcript);
	tls_crypto_wipe(s, sizeof *s);
	free(s);
}

static void tls_session_transcript(struct tls_session *s, const uint8_t *msg, size_t len)
{
	if (!s->keys || tls_keys_rsa_count(s->keys) == 0 || s->t_over)
		return;
	if (s->t_len + len > TLS_TRANSCRIPT_MAX) {
		s->t_over = true; /* an extended master secret will not be computable */
		return;
	}
	s->transcript = xrealloc(s->transcript, s->t_len + len);
	memcpy(s->transcript + s->t_len, msg, len);
	s->t_len += len;
}

static enum tls_hash tls_session_prf(const struct tls_session *s)
{
	return s->version >= TLS_V12 ? s->suite->prf : TLS_HASH_MD5_SHA1;
}

/* TLS 1.3 (RFC 8446 7.3): a direction's key and IV from its traffic secret. */
static bool tls_session_keys13(struct tls_session *s, struct tls_dir *dd,
			       const struct tls_secret *secret)
{
	struct tls_record_keys *k = &dd->rk;
	enum tls_hash h = s->suite->prf;

	dd->secret = *secret;
	k->suite = s->suite;
	k->version = TLS_V13;
	k->seq = 0;
	dd->have_keys = tls_crypto_expand_label(h, secret->bytes, secret->len, "key", NULL, 0,
						k->key, s->suite->key_len) &&
			tls_crypto_expand_label(h, secret->bytes, secret->len, "iv", NULL, 0, k->iv,
						12);
	return dd->have_keys;
}

/* RFC 8446 7.2: application_traffic_secret_N+1. */
static void tls_session_key_update(struct tls_session *s, struct tls_dir *dd)
{
	struct tls_secret next = {.len = dd->secret.len};

	if (tls_crypto_expand_label(s->suite->prf, dd->secret.bytes, dd->secret.len,
				    "traffic upd", NULL, 0, next.bytes, next.len))
		tls_session_keys13(s, dd, &next);
	tls_crypto_wipe(&next, sizeof next);
}

static bool tls_session_lookup13(struct tls_session *s, int d)
{
	struct tls_dir *dd = &s->dir[d];
	struct tls_secret hs = {0};
	enum tls_secret_kind khs = d == 0 ? TLS_SECRET_CLIENT_HS : TLS_SECRET_SERVER_HS;
	enum tls_secret_kind kap = d == 0 ? TLS_SECRET_CLIENT_AP : TLS_SECRET_SERVER_AP;

	if (!s->keys || !tls_keys_have_keylog(s->keys))
		return false;
	(void)tls_keys_lookup(s->keys, s->ch.random, kap, &dd->ap);
	if (dd->epoch == TLS_EPOCH_HS13 && tls_keys_lookup(s->keys, s->ch.random, khs, &hs))
		tls_session_keys13(s, dd, &hs);
	else if (dd->ap.len && tls_session_keys13(s, dd, &dd->ap))
		dd->epoch = TLS_EPOCH_AP13; /* no handshake secret: the traffic one may do */
	tls_crypto_wipe(&hs, sizeof hs);
	return dd->have_keys;
}

/* RFC 5246 6.3: key_block = PRF(master, "key expansion", server_random + client_random). */
static void tls_session_keys12(struct tls_session *s)
{
	const struct tls_suite *su = s->suite;
	size_t ivl = su->mac_len ? 16 : su->cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 12 : 4;
	uint8_t seed[64], block[2 * (TLS_CRYPTO_MAX_HASH + 32 + 16)];
	size_t n = 2 * ((size_t)su->mac_len + su->key_len + ivl);

	memcpy(seed, s->sh.random, 32);
	memcpy(seed + 32, s->ch.random, 32);
	if (!tls_crypto_prf(tls_session_prf(s), s->master, TLS_MASTER_LEN, "key expansion", seed,
			    sizeof seed, block, n))
		return;
	const uint8_t *p = block;
	for (int d = 0; d < 2; d++) {
		struct tls_record_keys *k = &s->dir[d].rk;
		k->suite = su;
		k->version = s->version;
		k->etm = su->mac_len && s->ch.etm && s->sh.etm;
		memcpy(k->mac, p + d * su->mac_len, su->mac_len);
		memcpy(k->key, p + 2 * su->mac_len + d * su->key_len, su->key_len);
		memcpy(k->iv, p + 2 * (su->mac_len + su->key_len) + d * ivl, ivl);
		s->dir[d].have_keys = true;
	}
	tls_crypto_wipe(block, sizeof block);
}

/* The master secret of a TLS 1.2 session: key log, RSA (done at
 * ClientKeyExchange), or the session this one resumes. */
static bool tls_session_master(struct tls_session *s)
{
	struct tls_secret m;

	if (s->have_master || !s->keys)
		return s->have_master;
	if (tls_keys_have_keylog(s->keys) &&
	    tls_keys_lookup(s->keys, s->ch.random, TLS_SECRET_MASTER, &m)) {
		memcpy(s->master, m.bytes, TLS_MASTER_LEN);
		s->have_master = true;
		tls_crypto_wipe(&m, sizeof m);
	} else if (s->ch.ticket && tls_keys_recall(s->keys, s->ch.ticket_hash, 32, s->master)) {
		s->have_master = true; /* RFC 5077 3.1 */
	} else if (s->sh.sid_len && s->sh.sid_len == s->ch.sid_len &&
		   memcmp(s->sh.sid, s->ch.sid, s->sh.sid_len) == 0 &&
		   tls_keys_recall(s->keys, s->sh.sid, s->sh.sid_len, s->master)) {
		s->have_master = true; /* RFC 5246 7.3: the server echoed a known session ID */
	}
	if (!s->have_master)
		return false;
	tls_keys_remember(s->keys, s->sh.sid, s->sh.sid_len, s->master);
	if (s->ticket_pending)
		tls_keys_remember(s->keys, s->ticket_hash, 32, s->master);
	return true;
}

static bool tls_session_obtain(struct tls_session *s, int d)
{
	if (!s->suite || !s->have_client)
		return false;
	if (s->suite->tls13)
		return tls_session_lookup13(s, d);
	if (tls_session_master(s))
		tls_session_keys12(s);
	return s->dir[d].have_keys;
}

/* RFC 5246 7.4.7.1 and 8.1; RFC 7627 4 with extended master secret. */
static void tls_session_rsa(struct tls_session *s, const uint8_t *body, size_t len)
{
	const uint8_t *enc;
	size_t enclen;
	uint8_t pm[48], seed[64], hash[TLS_CRYPTO_MAX_HASH];
	const struct tls_rsa_key *key = tls_keys_rsa(s->keys, (size_t)s->rsa_idx);

	if (!tls_handshake_rsa_cke(body, len, &enc, &enclen) ||
	    !tls_crypto_rsa_premaster(key, enc, enclen, pm))
		return;
	enum tls_hash h = tls_session_prf(s);
	if (s->ch.ems && s->sh.ems) {
		if (!s->t_over && tls_crypto_digest(h, s->transcript, s->t_len, hash))
			s->have_master = tls_crypto_prf(h, pm, sizeof pm, "extended master secret",
							hash, tls_crypto_hash_len(h), s->master,
							TLS_MASTER_LEN);
	} else {
		memcpy(seed, s->ch.random, 32);
		memcpy(seed + 32, s->sh.random, 32);
		s->have_master = tls_crypto_prf(h, pm, sizeof pm, "master secret", seed,
						sizeof seed, s->master, TLS_MASTER_LEN);
	}
	tls_crypto_wipe(pm, sizeof pm);
}

static void tls_session_server_hello(struct tls_session *s, const uint8_t *body, size_t len)
{
	struct tls_hello sh;

	if (!tls_handshake_server_hello(body, len, &sh) || sh.hrr)
		return; /* a HelloRetryRequest: the real ServerHello follows */
	s->sh = sh;
	s->have_server_hello = true;
	s->version = sh.version;
	s->suite = tls_record_suite(sh.suite);
	if (s->suite && s->suite->tls13 != (sh.version == TLS_V13))
		s->suite = NULL;
	if (sh.version == TLS_V13) /* RFC 8446 2: everything after ServerHello is protected */
		s->dir[0].epoch = s->dir[1].epoch = TLS_EPOCH_HS13;
}

static void tls_session_certificate(struct tls_session *s, const uint8_t *body, size_t len)
{
	const uint8_t *der;
	size_t derlen;

	if (!s->suite || !s->suite->rsa_kx || !tls_handshake_first_cert(body, len, &der, &derlen))
		return;
	for (size_t i = 0; i < tls_keys_rsa_count(s->keys); i++)
		if (tls_crypto_rsa_matches(tls_keys_rsa(s->keys, i), der, derlen))
			s->rsa_idx = (int)i;
}

/* One complete handshake message (msg includes its 4-byte header). */
static void tls_session_message(struct tls_session *s, int d, const uint8_t *msg, size_t len,
				const struct net_addr *src)
{
	struct tls_dir *dd = &s->dir[d];
	const uint8_t *body = msg + TLS_HS_HEADER;
	size_t blen = len - TLS_HS_HEADER;

	if (dd->epoch == TLS_EPOCH_HS13 && msg[0] == TLS_HS_FINISHED) {
		if (dd->ap.len)
			tls_session_keys13(s, dd, &dd->ap);
		else
			dd->have_keys = false;
		dd->epoch = TLS_EPOCH_AP13;
		return;
	}
	if (dd->epoch == TLS_EPOCH_AP13 && msg[0] == TLS_HS_KEY_UPDATE) {
		tls_session_key_update(s, dd);
		return;
	}
	if (dd->epoch != TLS_EPOCH_PLAIN)
		return;
	if (msg[0] != TLS_HS_CLIENT_HELLO)
		tls_session_transcript(s, msg, len);
	switch (msg[0]) {
	case TLS_HS_CLIENT_HELLO:
		if (!s->have_client && tls_handshake_client_hello(body, blen, &s->ch)) {
			s->have_client = true;
			s->client = *src;
			tls_session_transcript(s, msg, len);
		}
		break;
	case TLS_HS_SERVER_HELLO:
		if (d == 1)
			tls_session_server_hello(s, body, blen);
		break;
	case TLS_HS_CERTIFICATE:
		if (d == 1 && s->keys)
			tls_session_certificate(s, body, blen);
		break;
	case TLS_HS_CLIENT_KEY_EXCHANGE:
		if (d == 0 && s->rsa_idx >= 0 && !s->have_master)
			tls_session_rsa(s, body, blen);
		break;
	case TLS_HS_NEW_SESSION_TICKET:
		if (d == 1 && tls_handshake_ticket(body, blen, s->ticket_hash)) {
			s->ticket_pending = true;
			if (s->have_master)
				tls_keys_remember(s->keys, s->ticket_hash, 32, s->master);
		}
		break;
	default:
		break;
	}
}

/* Handshake bytes of one direction: messages may span records (RFC 8446 5.1). */
static void tls_session_handshake(struct tls_session *s, int d, const uint8_t *p, size_t len,
				  const struct net_addr *src)
{
	struct tls_dir *dd = &s->dir[d];
	size_t skip = dd->hs_skip < len ? dd->hs_skip : len;

	dd->hs_skip -= skip; /* the rest of a message too large to keep */
	p += skip;
	len -= skip;
	if (len == 0)
		return;
	dd->hs = xrealloc(dd->hs, dd->hs_len + len);
	memcpy(dd->hs + dd->hs_len, p, len);
	dd->hs_len += len;
	size_t at = 0;
	while (dd->hs_len - at >= TLS_HS_HEADER) {
		const uint8_t *m = dd->hs + at;
		size_t mlen = TLS_HS_HEADER + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
		if (mlen > TLS_HS_MAX) {
			size_t have = dd->hs_len - at;
			dd->hs_skip = mlen > have ? mlen - have : 0;
			at += have < mlen ? have : mlen;
			continue;
		}
		if (dd->hs_len - at < mlen)
			break;
		tls_session_message(s, d, m, mlen, src);
		at += mlen;
	}
	memmove(dd->hs, dd->hs + at, dd->hs_len - at);
	dd->hs_len -= at;
}

enum tls_step { TLS_STEP_DONE, TLS_STEP_WAIT };

/* Tries a TLS 1.3 record with the first traffic secret, in case the
 * handshake's Finished was missed or its secret is not in the key log. */
static bool tls_session_try_ap(struct tls_session *s, struct tls_dir *dd,
			       const struct tls_record *rec, uint8_t *out, size_t *n,
			       uint8_t *type)
{
	struct tls_dir trial = *dd;

	trial.hs = NULL;
	if (dd->epoch != TLS_EPOCH_HS13 || !dd->ap.len || !tls_session_keys13(s, &trial, &dd->ap) ||
	    !tls_record_open(&trial.rk, rec, out, n, type))
		return false;
	dd->rk = trial.rk;
	dd->secret = trial.secret;
	dd->have_keys = true;
	dd->epoch = TLS_EPOCH_AP13;
	return true;
}

static enum tls_step tls_session_protected(struct tls_session *s, int d, int64_t ts_us,
					   const struct tls_record *rec, size_t pending,
					   tls_session_sink_fn sink, void *ctx)
{
	struct tls_dir *dd = &s->dir[d];
	uint8_t out[TLS_RECORD_OUT_MAX], type;
	size_t n = 0;

	if (s->suite && s->suite->tls13 && rec->type == TLS_CT_CHANGE_CIPHER_SPEC)
		return TLS_STEP_DONE; /* RFC 8446 D.4 middlebox compatibility */
	s->protected_seen = true;
	/* Once given up, look again at most once a second (a mirror port full of
	 * TLS we have no keys for must not cost a key log lookup per record). */
	bool retry = s->outcome != TLS_SESSION_NO_KEYS || s->wait_since == TS_NONE ||
		     ts_us - s->wait_since >= TLS_RETRY_US;
	if (!dd->have_keys && s->outcome == TLS_SESSION_NO_KEYS && retry)
		s->wait_since = ts_us;
	if (!dd->have_keys && !(retry && tls_session_obtain(s, d)) && !dd->ap.len) {
		bool can_wait = s->keys && tls_keys_have_keylog(s->keys) && s->suite &&
				pending < TLS_KEY_WAIT_BYTES && s->outcome != TLS_SESSION_NO_KEYS;
		if (s->wait_since == TS_NONE)
			s->wait_since = ts_us;
		if (can_wait && ts_us - s->wait_since < TLS_KEY_WAIT_US)
			return TLS_STEP_WAIT;
		tls_session_decide(s, TLS_SESSION_NO_KEYS);
		dd->rk.seq++;
		return TLS_STEP_DONE;
	}
	bool ok = dd->have_keys && tls_record_open(&dd->rk, rec, out, &n, &type);
	if (!ok)
		ok = tls_session_try_ap(s, dd, rec, out, &n, &type);
	if (!ok) {
		if (!dd->authenticated && (dd->epoch != TLS_EPOCH_HS13 || dd->have_keys))
			tls_session_decide(s, TLS_SESSION_NO_KEYS); /* a wrong key */
		return TLS_STEP_DONE;
	}
	dd->authenticated = true;
	tls_session_decide(s, TLS_SESSION_DECRYPTED);
	if (type == TLS_CT_HANDSHAKE)
		tls_session_handshake(s, d, out, n, &s->client);
	else if (type == TLS_CT_APPLICATION_DATA && n)
		sink(ctx, out, n);
	tls_crypto_wipe(out, n);
	return TLS_STEP_DONE;
}

static enum tls_step tls_session_record(struct tls_session *s, int d, int64_t ts_us,
					const struct tls_record *rec, const struct net_addr *src,
					size_t pending, tls_session_sink_fn sink, void *ctx)
{
	struct tls_dir *dd = &s->dir[d];

	if (dd->epoch != TLS_EPOCH_PLAIN)
		return tls_session_protected(s, d, ts_us, rec, pending, sink, ctx);
	switch (rec->type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		/* RFC 5246 7.1: what follows from this side is protected. */
		if (s->have_server_hello && s->version < TLS_V13) {
			dd->epoch = TLS_EPOCH_12;
			if (!dd->have_keys)
				tls_session_obtain(s, d);
		}
		break;
	case TLS_CT_HANDSHAKE:
		tls_session_handshake(s, d, rec->body, rec->len, src);
		break;
	case TLS_CT_APPLICATION_DATA:
		/* Protected data without a handshake we saw (picked up mid-way). */
		s->protected_seen = true;
		tls_session_decide(s, TLS_SESSION_NO_KEYS);
		break;
	default:
		break;
	}
	return TLS_STEP_DONE;
}

size_t tls_session_feed(struct tls_session *s, const struct net_addr *src, int64_t ts_us,
			const uint8_t *buf, size_t len, tls_session_sink_fn sink, void *ctx)
{
	size_t used = 0;

	for (;;) {
		struct tls_record rec;
		size_t n;
		enum tls_record_result r = tls_record_next(buf + used, len - used, &rec, &n);
		if (r == TLS_RECORD_NEED_MORE)
			break;
		if (r == TLS_RECORD_INVALID)
			return SIZE_MAX;
		if (!s->have_client && rec.type == TLS_CT_HANDSHAKE && rec.len > 0 &&
		    rec.body[0] == TLS_HS_CLIENT_HELLO) {
			/* the direction that says ClientHello is the client's */
			s->client = *src;
		}
		int d = net_addr_equal(src, &s->client) && src->family ? 0 : 1;
		if (tls_session_record(s, d, ts_us, &rec, src, len - used, sink, ctx) ==
		    TLS_STEP_WAIT)
			break;
		used += n;
	}
	return used;
}
