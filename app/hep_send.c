/* hep_send: the HEP v3 sender (hep_send.h).
 *
 * The analyzer thread encodes each packet (capture/hep_encode.c) into a
 * malloc'd buffer and offers it to a bounded SPSC queue (common/queue.h,
 * queue_try_push: full = drop and count).  The sender thread pops and sends;
 * its socket is non-blocking to nobody but itself, so a slow collector fills
 * the queue, and only then costs drops. */
#define _GNU_SOURCE /* MSG_NOSIGNAL */
#include "app/hep_send.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "capture/hep_encode.h"
#include "common/queue.h"
#include "common/xalloc.h"
#include "ui/report.h"
#include "common/thread_role.h"

#define HEP_SEND_CLOSE_MS 1000
#define HEP_SEND_TIMEOUT_MS 500 /* a send to a collector that does not read gives up */
#define HEP_SEND_LOG_MAX 4096
/* Call-IDs of the most recent dialogs, by dialog id (direct-mapped): a
 * finding carries only its dialog's id.  Ids are sequential, so a slot is
 * reused only HEP_SEND_CALLIDS dialogs later; a finding of a dialog whose
 * slot was taken goes out without correlation rather than with a wrong one. */
#define HEP_SEND_CALLIDS 16384
#define HEP_SEND_CALLID_MAX 128

struct hep_send_callid {
	uint64_t dialog_id;
	char call_id[HEP_SEND_CALLID_MAX];
};

struct hep_send_pkt {
	size_t len;
	uint8_t data[];
};

struct hep_send {
	struct hep_target target;
	struct addrinfo *ai;
	uint32_t agent_id;
	char *password;
	struct queue *q;
	pthread_t thread;
	atomic_bool stopping;
	int fd;
	int backoff_ms;
	struct hep_send_callid *callids; /* the analyzer thread's */
	atomic_uint_fast64_t sent, dropped, errors, connects;
};

bool hep_send_parse_target(const char *spec, struct hep_target *t)
{
	struct hep_target tmp;
	const char *p = spec;

	if (!t)
		t = &tmp;
	memset(t, 0, sizeof *t);
	if (strncmp(p, "udp:", 4) == 0)
		p += 4;
	else if (strncmp(p, "tcp:", 4) == 0) {
		t->tcp = true;
		p += 4;
	}
	const char *colon = strrchr(p, ':');
	if (!colon || colon == p)
		return false;
	size_t hn = (size_t)(colon - p);
	const char *h = p;
	if (h[0] == '[') {
		if (hn < 3 || h[hn - 1] != ']')
			return false;
		h++;
		hn -= 2;
	}
	size_t pn = strlen(colon + 1);
	if (hn >= sizeof t->host || pn == 0 || pn >= sizeof t->port)
		return false;
	for (size_t i = 0; i < pn; i++)
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return false;
	long port = strtol(colon + 1, NULL, 10);
	if (port < 1 || port > 65535)
		return false;
	memcpy(t->host, h, hn);
	memcpy(t->port, colon + 1, pn + 1);
	return true;
}

static void hep_send_count(atomic_uint_fast64_t *v)
{
	atomic_fetch_add_explicit(v, 1, memory_order_relaxed);
}

static void hep_send_close_fd(struct hep_send *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

/* The backoff, in 50 ms slices: hep_send_close does not wait it out. */
static void hep_send_sleep_ms(struct hep_send *h, int ms)
{
	struct timespec ts = {0, 50 * 1000000L};

	for (int slept = 0; slept < ms && !atomic_load(&h->stopping); slept += 50)
		nanosleep(&ts, NULL);
}

/* TCP: connect, or back off (doubling up to the maximum) before the next try. */
static bool hep_send_connect(struct hep_send *h)
{
	if (h->fd >= 0)
		return true;
	h->fd = socket(h->ai->ai_family, h->ai->ai_socktype | SOCK_CLOEXEC, h->ai->ai_protocol);
	if (h->fd < 0) {
		hep_send_count(&h->errors);
		return false;
	}
	/* A collector whose window is full must not hold the thread forever:
	 * the queue behind it fills (drops counted), and exit stays bounded. */
	struct timeval tv = {0, HEP_SEND_TIMEOUT_MS * 1000};
	setsockopt(h->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(h->fd, h->ai->ai_addr, h->ai->ai_addrlen) != 0) {
		hep_send_count(&h->errors);
		hep_send_close_fd(h);
		return false;
	}
	if (h->target.tcp) {
		hep_send_count(&h->connects);
		h->backoff_ms = HEP_SEND_BACKOFF_MIN_MS;
	}
	return true;
}

static bool hep_send_all(struct hep_send *h, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(h->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* One packet: sent, or (TCP down) dropped and the backoff waited out. */
static void hep_send_one(struct hep_send *h, struct hep_send_pkt *pkt)
{
	/* Exiting with the collector down: no more connect attempts. */
	if (atomic_load(&h->stopping) && h->target.tcp && h->fd < 0) {
		hep_send_count(&h->dropped);
		return;
	}
	if (!hep_send_connect(h)) {
		hep_send_count(&h->dropped);
		if (h->target.tcp && !atomic_load(&h->stopping)) {
			hep_send_sleep_ms(h, h->backoff_ms);
			h->backoff_ms = h->backoff_ms * 2 > HEP_SEND_BACKOFF_MAX_MS ? HEP_SEND_BACKOFF_MAX_MS
										  : h->backoff_ms * 2;
		}
		return;
	}
	if (hep_send_all(h, pkt->data, pkt->len)) {
		hep_send_count(&h->sent);
		return;
	}
	/* UDP: ECONNREFUSED from an earlier ICMP, the next one may pass.  TCP
	 * (an error, or a send timed out part-way: the stream's framing is
	 * lost): reconnect. */
	hep_send_count(&h->errors);
	hep_send_count(&h->dropped);
	if (h->target.tcp)
		hep_send_close_fd(h);
}

static void *hep_send_thread(void *arg)
{
	struct hep_send *h = arg;
	struct timespec start = {0, 0};

	thread_name_set("sw-hep-send");

	for (;;) {
		struct hep_send_pkt *pkt = queue_pop(h->q, 100);
		if (!pkt) {
			if (queue_is_drained(h->q))
				break;
			continue;
		}
		if (atomic_load(&h->stopping)) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (start.tv_sec == 0)
				start = now;
			if ((now.tv_sec - start.tv_sec) * 1000 > HEP_SEND_CLOSE_MS) {
				hep_send_count(&h->dropped); /* out of time at exit */
				free(pkt);
				continue;
			}
		}
		hep_send_one(h, pkt);
		free(pkt);
	}
	return NULL;
}

struct hep_send *hep_send_open(const char *spec, uint32_t agent_id, const char *password,
			       char *err, size_t errlen)
{
	struct hep_send *h = xcalloc(1, sizeof *h);
	struct addrinfo hints;

	if (!hep_send_parse_target(spec, &h->target)) {
		snprintf(err, errlen, "--hep-send: '%s' is not [udp:|tcp:]HOST:PORT", spec);
		free(h);
		return NULL;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = h->target.tcp ? SOCK_STREAM : SOCK_DGRAM;
	int rc = getaddrinfo(h->target.host, h->target.port, &hints, &h->ai);
	if (rc != 0) {
		snprintf(err, errlen, "--hep-send: %s: %s", h->target.host, gai_strerror(rc));
		free(h);
		return NULL;
	}
	h->agent_id = agent_id;
	h->password = password ? xstrdup(password) : NULL;
	h->fd = -1;
	h->backoff_ms = HEP_SEND_BACKOFF_MIN_MS;
	atomic_init(&h->stopping, false);
	atomic_init(&h->sent, 0);
	atomic_init(&h->dropped, 0);
	atomic_init(&h->errors, 0);
	atomic_init(&h->connects, 0);
	h->q = queue_new(HEP_SEND_QUEUE_PACKETS);
	h->callids = xcalloc(HEP_SEND_CALLIDS, sizeof *h->callids);
	pthread_create(&h->thread, NULL, hep_send_thread, h);
	return h;
}

void hep_send_close(struct hep_send *h)
{
	if (!h)
		return;
	atomic_store(&h->stopping, true);
	queue_close(h->q);
	pthread_join(h->thread, NULL);
	hep_send_close_fd(h);
	queue_free(h->q);
	freeaddrinfo(h->ai);
	free(h->callids);
	free(h->password);
	free(h);
}

static void hep_send_push(struct hep_send *h, struct hep_encode_msg *m)
{
	size_t cap = m->payload_len + 512 + (m->correlation ? strlen(m->correlation) : 0) +
		     (m->password ? strlen(m->password) : 0);
	struct hep_send_pkt *pkt = xmalloc(sizeof *pkt + cap);

	m->agent_id = h->agent_id;
	m->password = h->password;
	pkt->len = hep_encode(pkt->data, cap, m);
	if (pkt->len == 0 || !queue_try_push(h->q, pkt)) {
		hep_send_count(&h->dropped);
		free(pkt);
	}
}

/* "1.2.3.4:5060" or "[::1]:5060" (net_addr_format's output) back to an address. */
static bool hep_send_addr(const char *s, struct net_addr *a)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');

	memset(a, 0, sizeof *a);
	if (!colon)
		return false;
	size_t n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof host)
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	a->port = (uint16_t)strtoul(colon + 1, NULL, 10);
	if (inet_pton(AF_INET, host, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, host, a->ip) == 1)
		a->family = 6;
	return a->family != 0;
}

void hep_send_message(struct hep_send *h, const struct message_record *m)
{
	struct hep_encode_msg e;

	memset(&e, 0, sizeof e);
	hep_send_addr(m->src, &e.src);
	hep_send_addr(m->dst, &e.dst);
	/* TLS, WS and WSS all ride on TCP; the payload is the decrypted SIP. */
	e.ip_proto = m->transport == TRANSPORT_UDP ? 17 : 6;
	e.ts_us = m->ts_us;
	e.proto_type = HEP_PROTO_SIP;
	e.payload = m->raw;
	e.payload_len = m->raw_len;
	e.correlation = NULL; /* a SIP packet correlates by its own Call-ID */
	hep_send_push(h, &e);
	if (m->dialog_id && m->call_id) {
		struct hep_send_callid *c = &h->callids[m->dialog_id % HEP_SEND_CALLIDS];
		if (c->dialog_id != m->dialog_id) {
			c->dialog_id = m->dialog_id;
			snprintf(c->call_id, sizeof c->call_id, "%s", m->call_id);
		}
	}
}

/* The HEP log payload: one JSON object (report.h's escaping). */
static size_t hep_send_log_json(char *buf, size_t n, const char *kind, const struct finding_record *f,
				const struct dialog_record *d)
{
	FILE *out = fmemopen(buf, n, "w");
	if (!out)
		return 0;
	fputs("{\"type\":", out);
	report_json_cstr(out, kind);
	fputs(",\"code\":", out);
	report_json_cstr(out, f ? finding_code_name(f->code) : NULL);
	fputs(",\"severity\":", out);
	report_json_cstr(out, f ? severity_name(f->severity) : NULL);
	fputs(",\"detail\":", out);
	report_json_cstr(out, f ? f->detail : NULL);
	fputs(",\"teardown_expected\":", out);
	report_json_ts(out, d ? d->teardown_expected : TS_NONE);
	fputs(",\"endpoint\":", out);
	report_json_cstr(out, f ? f->endpoint : NULL);
	fputs(",\"agent\":", out);
	report_json_cstr(out, f ? f->agent : NULL);
	fputs("}", out);
	long len = ftell(out);
	fclose(out);
	return len > 0 && (size_t)len < n ? (size_t)len : 0;
}

static void hep_send_log(struct hep_send *h, const char *kind, const struct finding_record *f,
			 const struct dialog_record *d, const char *call_id, int64_t ts_us)
{
	char json[HEP_SEND_LOG_MAX];
	struct hep_encode_msg e;

	memset(&e, 0, sizeof e);
	e.payload_len = hep_send_log_json(json, sizeof json, kind, f, d);
	if (e.payload_len == 0) {
		hep_send_count(&h->dropped);
		return;
	}
	if (f)
		hep_send_addr(f->endpoint, &e.src);
	e.dst.family = e.src.family;
	e.ip_proto = 17;
	e.ts_us = ts_us;
	e.proto_type = HEP_PROTO_LOG;
	e.payload = (const uint8_t *)json;
	e.correlation = call_id && *call_id ? call_id : NULL;
	hep_send_push(h, &e);
}

void hep_send_finding(struct hep_send *h, const struct finding_record *f)
{
	const struct hep_send_callid *c = &h->callids[f->dialog_id % HEP_SEND_CALLIDS];

	hep_send_log(h, "finding", f, NULL, f->dialog_id && c->dialog_id == f->dialog_id ? c->call_id : NULL,
		     f->ts_us);
}

void hep_send_event(struct hep_send *h, const struct event_record *ev)
{
	const struct dialog_record *d = ev->dialog;
	hep_send_log(h, event_kind_name(ev->kind), ev->finding, d, d ? d->call_id : NULL, ev->ts_us);
}

void hep_send_get_stats(const struct hep_send *h, struct hep_send_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!h)
		return;
	out->sent = atomic_load_explicit(&h->sent, memory_order_relaxed);
	out->dropped = atomic_load_explicit(&h->dropped, memory_order_relaxed);
	out->errors = atomic_load_explicit(&h->errors, memory_order_relaxed);
	out->connects = atomic_load_explicit(&h->connects, memory_order_relaxed);
}
