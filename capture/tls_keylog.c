/* tls_keylog: the NSS key log, RSA keys and the resumption cache.
 *
 * Key log format (NSS, also written by OpenSSL's SSL_CTX_set_keylog_callback,
 * GnuTLS, browsers' SSLKEYLOGFILE): one secret per line,
 *   LABEL <64 hex digits: client random> <hex secret>
 * with '#' comments.  Unknown labels (EXPORTER_SECRET, early secrets) are
 * skipped.  The file is read to its end at start and again, from where the
 * last complete line ended, each time a lookup misses and the file has grown
 * (endpoints append while they run; a shorter file starts over).
 *
 * Bounds: TLS_KEYLOG_MAX_ENTRIES client randoms (the oldest is forgotten),
 * TLS_KEYLOG_LINE_MAX bytes per line, TLS_RESUME_SLOTS resumable sessions. */
#include "capture/tls_keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/tls_crypto.h"
#include "common/xalloc.h"

#define TLS_KEYLOG_BUCKETS 4096u
#define TLS_KEYLOG_MAX_ENTRIES 65536u
#define TLS_KEYLOG_LINE_MAX 512u
#define TLS_KEYLOG_CHUNK 65536u
#define TLS_KEYS_MAX_RSA 16u
#define TLS_RESUME_SLOTS 1024u
#define TLS_RESUME_ID_MAX 32u

struct tls_keylog_entry {
	struct tls_keylog_entry *hnext, *newer;
	uint8_t random[TLS_RANDOM_LEN];
	struct tls_secret s[TLS_SECRET_KINDS];
};

struct tls_resume {
	uint8_t idlen; /* 0 = free slot */
	uint8_t id[TLS_RESUME_ID_MAX];
	uint8_t master[TLS_MASTER_LEN];
};

struct tls_keys {
	int fd;       /* the key log, kept open; -1 = none */
	off_t offset; /* where the first unread line starts */
	struct tls_keylog_entry *buckets[TLS_KEYLOG_BUCKETS];
	struct tls_keylog_entry *oldest, *newest;
	size_t count;
	struct tls_rsa_key *rsa[TLS_KEYS_MAX_RSA];
	size_t n_rsa;
	struct tls_resume resume[TLS_RESUME_SLOTS];
	size_t resume_next;
};

static const char *const tls_keylog_labels[TLS_SECRET_KINDS] = {
	[TLS_SECRET_MASTER] = "CLIENT_RANDOM",
	[TLS_SECRET_CLIENT_HS] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
	[TLS_SECRET_SERVER_HS] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	[TLS_SECRET_CLIENT_AP] = "CLIENT_TRAFFIC_SECRET_0",
	[TLS_SECRET_SERVER_AP] = "SERVER_TRAFFIC_SECRET_0",
};

struct tls_keys *tls_keys_new(void)
{
	struct tls_keys *k = xcalloc(1, sizeof *k);

	k->fd = -1;
	return k;
}

void tls_keys_free(struct tls_keys *k)
{
	if (!k)
		return;
	for (struct tls_keylog_entry *e = k->oldest, *next; e; e = next) {
		next = e->newer;
		tls_crypto_wipe(e, sizeof *e);
		free(e);
	}
	for (size_t i = 0; i < k->n_rsa; i++)
		tls_crypto_rsa_free(k->rsa[i]);
	if (k->fd >= 0)
		close(k->fd);
	tls_crypto_wipe(k, sizeof *k);
	free(k);
}

static uint32_t tls_keylog_hash(const uint8_t *random)
{
	/* Client randoms are random: their first bytes spread well enough. */
	return ((uint32_t)random[0] << 8 | random[1]) % TLS_KEYLOG_BUCKETS;
}

static struct tls_keylog_entry *tls_keylog_find(const struct tls_keys *k, const uint8_t *random)
{
	for (struct tls_keylog_entry *e = k->buckets[tls_keylog_hash(random)]; e; e = e->hnext)
		if (memcmp(e->random, random, TLS_RANDOM_LEN) == 0)
			return e;
	return NULL;
}

static void tls_keylog_evict_oldest(struct tls_keys *k)
{
	struct tls_keylog_entry *e = k->oldest;
	struct tls_keylog_entry **pp = &k->buckets[tls_keylog_hash(e->random)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	k->oldest = e->newer;
	if (!k->oldest)
		k->newest = NULL;
	k->count--;
	tls_crypto_wipe(e, sizeof *e);
	free(e);
}

static struct tls_keylog_entry *tls_keylog_entry(struct tls_keys *k, const uint8_t *random)
{
	struct tls_keylog_entry *e = tls_keylog_find(k, random);

	if (e)
		return e;
	if (k->count >= TLS_KEYLOG_MAX_ENTRIES)
		tls_keylog_evict_oldest(k);
	e = xcalloc(1, sizeof *e);
	memcpy(e->random, random, TLS_RANDOM_LEN);
	uint32_t h = tls_keylog_hash(random);
	e->hnext = k->buckets[h];
	k->buckets[h] = e;
	if (k->newest)
		k->newest->newer = e;
	else
		k->oldest = e;
	k->newest = e;
	k->count++;
	return e;
}

static int tls_keylog_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits (n even) into n / 2 bytes; false on any other character. */
static bool tls_keylog_unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		int hi = tls_keylog_hexval(s[i]), lo = tls_keylog_hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return n % 2 == 0;
}

/* Splits off the next space-separated field. */
static const char *tls_keylog_field(const char **p, const char *end, size_t *len)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	const char *s = *p;
	while (*p < end && **p != ' ' && **p != '\t' && **p != '\r')
		(*p)++;
	*len = (size_t)(*p - s);
	return s;
}

static void tls_keylog_line(struct tls_keys *k, const char *p, const char *end)
{
	size_t llen, rlen, slen;
	const char *label = tls_keylog_field(&p, end, &llen);
	const char *rand = tls_keylog_field(&p, end, &rlen);
	const char *sec = tls_keylog_field(&p, end, &slen);
	uint8_t random[TLS_RANDOM_LEN];
	struct tls_secret s = {0};

	if (llen == 0 || label[0] == '#' || rlen != 2 * TLS_RANDOM_LEN || slen == 0 ||
	    slen > 2 * TLS_SECRET_MAX || !tls_keylog_unhex(rand, rlen, random) ||
	    !tls_keylog_unhex(sec, slen, s.bytes))
		return;
	s.len = (uint8_t)(slen / 2);
	for (int kind = 0; kind < TLS_SECRET_KINDS; kind++) {
		const char *want = tls_keylog_labels[kind];
		if (strlen(want) != llen || memcmp(want, label, llen) != 0)
			continue;
		if (kind == TLS_SECRET_MASTER && s.len != TLS_MASTER_LEN)
			return;
		tls_keylog_entry(k, random)->s[kind] = s;
	}
	tls_crypto_wipe(&s, sizeof s);
}

/* Complete lines only; returns the bytes consumed (up to the last newline). */
static size_t tls_keylog_lines(struct tls_keys *k, const char *text, size_t len)
{
	size_t at = 0;

	while (at < len) {
		const char *lf = memchr(text + at, '\n', len - at);
		if (!lf)
			break;
		size_t end = (size_t)(lf - text);
		if (end - at <= TLS_KEYLOG_LINE_MAX)
			tls_keylog_line(k, text + at, text + end);
		at = end + 1;
	}
	return at;
}

void tls_keys_parse(struct tls_keys *k, const char *text, size_t len)
{
	size_t used = tls_keylog_lines(k, text, len);

	if (used < len && len - used <= TLS_KEYLOG_LINE_MAX)
		tls_keylog_line(k, text + used, text + len); /* a last line without LF */
}

/* Reads what was appended since the last call (complete lines only). */
static void tls_keys_refresh(struct tls_keys *k)
{
	struct stat sb;

	if (k->fd < 0 || fstat(k->fd, &sb) != 0)
		return;
	if (sb.st_size < k->offset)
		k->offset = 0; /* truncated or replaced in place: read it again */
	if (sb.st_size == k->offset)
		return;
	char *chunk = xmalloc(TLS_KEYLOG_CHUNK);
	while (sb.st_size > k->offset) {
		ssize_t n = pread(k->fd, chunk, TLS_KEYLOG_CHUNK, k->offset);
		if (n <= 0)
			break;
		size_t used = tls_keylog_lines(k, chunk, (size_t)n);
		if (used == 0) {
			if ((size_t)n == TLS_KEYLOG_CHUNK)
				k->offset += n; /* an absurd line: skip it */
			break;    /* else an unfinished last line: wait for the rest */
		}
		k->offset += (off_t)used;
	}
	tls_crypto_wipe(chunk, TLS_KEYLOG_CHUNK);
	free(chunk);
}

static void tls_keys_check_mode(int fd, const char *path, char *warn, size_t warnlen)
{
	struct stat sb;

	warn[0] = '\0';
	if (fstat(fd, &sb) == 0 && (sb.st_mode & (S_IRGRP | S_IROTH)))
		snprintf(warn, warnlen,
			 "%s is readable by other users: whoever reads it can decrypt the calls"
			 " (chmod 600)", path);
}

bool tls_keys_add_keylog(struct tls_keys *k, const char *path, char *warn, size_t warnlen,
			 char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open key log: %s", path, strerror(errno));
		return false;
	}
	tls_keys_check_mode(fd, path, warn, warnlen);
	if (k->fd >= 0)
		close(k->fd); /* one key log: the last one given wins */
	k->fd = fd;
	k->offset = 0;
	tls_keys_refresh(k);
	return true;
}

bool tls_keys_add_rsa(struct tls_keys *k, const char *path, char *warn, size_t warnlen,
		      char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open key file: %s", path, strerror(errno));
		return false;
	}
	tls_keys_check_mode(fd, path, warn, warnlen);
	close(fd);
	if (k->n_rsa >= TLS_KEYS_MAX_RSA) {
		snprintf(err, errlen, "%s: at most %u RSA keys", path, TLS_KEYS_MAX_RSA);
		return false;
	}
	struct tls_rsa_key *key = tls_crypto_rsa_load(path, err, errlen);
	if (!key)
		return false;
	k->rsa[k->n_rsa++] = key;
	return true;
}

bool tls_keys_lookup(struct tls_keys *k, const uint8_t random[TLS_RANDOM_LEN],
		     enum tls_secret_kind kind, struct tls_secret *out)
{
	struct tls_keylog_entry *e = tls_keylog_find(k, random);

	if (!e || !e->s[kind].len) {
		tls_keys_refresh(k);
		e = tls_keylog_find(k, random);
	}
	if (!e || !e->s[kind].len)
		return false;
	*out = e->s[kind];
	return true;
}

bool tls_keys_have_keylog(const struct tls_keys *k)
{
	return k->fd >= 0 || k->count > 0;
}

size_t tls_keys_rsa_count(const struct tls_keys *k)
{
	return k->n_rsa;
}

const struct tls_rsa_key *tls_keys_rsa(const struct tls_keys *k, size_t i)
{
	return i < k->n_rsa ? k->rsa[i] : NULL;
}

void tls_keys_remember(struct tls_keys *k, const uint8_t *id, size_t idlen,
		       const uint8_t master[TLS_MASTER_LEN])
{
	if (idlen == 0 || idlen > TLS_RESUME_ID_MAX)
		return;
	struct tls_resume *r = &k->resume[k->resume_next];
	k->resume_next = (k->resume_next + 1) % TLS_RESUME_SLOTS;
	r->idlen = (uint8_t)idlen;
	memcpy(r->id, id, idlen);
	memcpy(r->master, master, TLS_MASTER_LEN);
}

bool tls_keys_recall(const struct tls_keys *k, const uint8_t *id, size_t idlen,
		     uint8_t master[TLS_MASTER_LEN])
{
	for (size_t i = 0; idlen && i < TLS_RESUME_SLOTS; i++) {
		const struct tls_resume *r = &k->resume[i];
		if (r->idlen == idlen && memcmp(r->id, id, idlen) == 0) {
			memcpy(master, r->master, TLS_MASTER_LEN);
			return true;
		}
	}
	return false;
}
