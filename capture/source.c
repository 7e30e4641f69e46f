/* source: opening pcap sources and the capture thread.
 *
 * The thread reads frames with pcap_next_ex, runs them through the decoder
 * and queues the candidates.  From a file it waits for room in the queue, so
 * every run over the same file gives the same records; live it never waits: a
 * full queue costs the record, counted in dropped_queue.  A live handle is
 * non-blocking: when the ring has nothing ready the thread waits in poll() for
 * at most CAPTURE_TIMEOUT_MS, so capture_stop (an atomic flag plus
 * pcap_breakloop, both safe in a signal handler) is honoured within that time
 * even on a quiet wire, and the once-a-second expiry runs there too.
 *
 * Counters are C11 atomics written only by the capture thread with relaxed
 * stores; the error text is written before `failed` is released. */
#include "capture/source.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/source_open.h"
#include "common/xalloc.h"

#define CAPTURE_STATS_INTERVAL_US USEC_PER_SEC
#define CAPTURE_PUSH_RETRY_NS 200000L /* 0.2 ms between tries on a full queue */

struct capture_source {
	pcap_t *pcap;
	int fd; /* live: what poll() waits on; -1 = none */
	pcap_dumper_t *dumper;
	struct decoder *decoder;
	char *name;
	bool live;
	int linktype;
	uint64_t max_packets;
	struct queue *q;
	pthread_t thread;
	bool started, joined;
	atomic_bool stop;
	_Atomic uint64_t packets, sip_candidates, decode_errors, encrypted;
	_Atomic uint64_t tls_sessions, tls_decrypted, tls_no_keys;
	_Atomic uint64_t dropped_kernel, dropped_queue;
	_Atomic uint64_t encap[DECODER_ENCAP_N], why[DECODER_WHY_N];
	_Atomic uint64_t truncated, invalid, nesting, non_sip, keepalives;
	_Atomic int64_t first_ts_us, last_ts_us;
	atomic_bool finished, failed;
	char error[256];
};

#define STORE(field, v) atomic_store_explicit(&(field), (v), memory_order_relaxed)
#define LOAD(field) atomic_load_explicit(&(field), memory_order_relaxed)

void capture_config_defaults(struct capture_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	decoder_config_defaults(&cfg->decoder);
	cfg->snaplen = CAPTURE_SNAPLEN;
	cfg->buffer_bytes = CAPTURE_BUFFER_BYTES;
}

static void capture_sleep_ns(long ns)
{
	struct timespec ts = {0, ns};

	nanosleep(&ts, NULL);
}

/* Decoder callback: hands one record to the queue (see the banner for the policy). */
static void capture_emit(void *ctx, struct sip_packet *p)
{
	struct capture_source *s = ctx;

	if (s->live) {
		if (!queue_try_push(s->q, p)) {
			sip_packet_free(p);
			STORE(s->dropped_queue, LOAD(s->dropped_queue) + 1);
		}
		return;
	}
	/* Not queue_push: a stop request must not wait for the consumer. */
	while (!queue_try_push(s->q, p)) {
		if (atomic_load(&s->stop)) {
			sip_packet_free(p);
			return;
		}
		capture_sleep_ns(CAPTURE_PUSH_RETRY_NS);
	}
}

struct capture_source *capture_source_new(pcap_t *p, const char *name, bool live,
					  const struct capture_config *cfg)
{
	struct capture_source *s = xcalloc(1, sizeof *s);

	s->pcap = p;
	s->name = xstrdup(name);
	s->live = live;
	s->fd = live ? pcap_get_selectable_fd(p) : -1;
	s->linktype = pcap_datalink(p);
	s->max_packets = cfg->max_packets;
	s->decoder = decoder_new(&cfg->decoder, capture_emit, s);
	atomic_init(&s->stop, false);
	atomic_init(&s->finished, false);
	atomic_init(&s->failed, false);
	atomic_init(&s->first_ts_us, TS_NONE);
	atomic_init(&s->last_ts_us, TS_NONE);
	return s;
}

void capture_source_set_dumper(struct capture_source *s, pcap_dumper_t *dumper)
{
	s->dumper = dumper;
}

bool capture_is_live(const struct capture_source *s)
{
	return s->live;
}

const char *capture_name(const struct capture_source *s)
{
	return s->name;
}

static int64_t capture_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Copies the decoder's counters where other threads can read them. */
static void capture_publish(struct capture_source *s)
{
	const struct decoder_stats *ds = decoder_stats(s->decoder);

	STORE(s->sip_candidates, ds->sip_candidates);
	STORE(s->decode_errors, ds->truncated + ds->invalid);
	STORE(s->encrypted, ds->encrypted);
	for (int i = 0; i < DECODER_ENCAP_N; i++)
		STORE(s->encap[i], ds->encap[i]);
	for (int i = 0; i < DECODER_WHY_N; i++)
		STORE(s->why[i], ds->why[i]);
	STORE(s->truncated, ds->truncated);
	STORE(s->invalid, ds->invalid);
	STORE(s->nesting, ds->nesting);
	STORE(s->non_sip, ds->non_sip);
	STORE(s->keepalives, ds->keepalives);
	STORE(s->tls_sessions, ds->tls_sessions);
	STORE(s->tls_decrypted, ds->tls_decrypted);
	STORE(s->tls_no_keys, ds->tls_no_keys);
}

static void capture_kernel_stats(struct capture_source *s)
{
	struct pcap_stat ps;

	if (s->live && pcap_stats(s->pcap, &ps) == 0)
		STORE(s->dropped_kernel, (uint64_t)ps.ps_drop + ps.ps_ifdrop);
}

static void capture_packet(struct capture_source *s, const struct pcap_pkthdr *h,
			   const u_char *data)
{
	int64_t ts = (int64_t)h->ts.tv_sec * USEC_PER_SEC + h->ts.tv_usec;

	STORE(s->packets, LOAD(s->packets) + 1);
	if (LOAD(s->first_ts_us) == TS_NONE)
		STORE(s->first_ts_us, ts);
	STORE(s->last_ts_us, ts);
	if (s->dumper)
		pcap_dump((u_char *)s->dumper, h, data);
	decoder_frame(s->decoder, s->linktype, ts, data, h->caplen);
	capture_publish(s);
}

/* Live, nothing ready in the ring: wait until there is, for CAPTURE_TIMEOUT_MS
 * at most.  A packet's wait is bounded by the ring's block timeout, not by this. */
static void capture_wait(struct capture_source *s)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};

	if (s->fd < 0)
		capture_sleep_ns(1000000L);
	else
		poll(&pfd, 1, CAPTURE_TIMEOUT_MS);
}

/* The input ended early: say why, in one line. */
static void capture_fail(struct capture_source *s)
{
	const char *why = pcap_geterr(s->pcap);
	unsigned long long at = (unsigned long long)LOAD(s->packets) + 1;

	if (!s->live && strstr(why, "truncated"))
		snprintf(s->error, sizeof s->error, "%s: truncated record at packet %llu (%s)",
			 s->name, at, why);
	else if (!s->live)
		snprintf(s->error, sizeof s->error, "%s: read error at packet %llu: %s", s->name,
			 at, why);
	else
		snprintf(s->error, sizeof s->error, "%s: capture failed: %s", s->name, why);
	atomic_store_explicit(&s->failed, true, memory_order_release);
}

static void capture_finish(struct capture_source *s)
{
	decoder_flush(s->decoder);
	capture_publish(s);
	capture_kernel_stats(s);
	if (s->dumper)
		pcap_dump_flush(s->dumper);
	atomic_store_explicit(&s->finished, true, memory_order_release);
	queue_close(s->q);
}

static void *capture_thread(void *arg)
{
	struct capture_source *s = arg;
	int64_t next_tick = capture_wall_us() + CAPTURE_STATS_INTERVAL_US;

	while (!atomic_load(&s->stop)) {
		if (s->max_packets && LOAD(s->packets) >= s->max_packets)
			break;
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(s->pcap, &h, &data);
		if (rc == 1)
			capture_packet(s, h, data);
		else if (rc == 0 && s->live)
			capture_wait(s);
		else if (rc == PCAP_ERROR_BREAK)
			break; /* end of file, or pcap_breakloop */
		else if (rc < 0) {
			capture_fail(s);
			break;
		}
		if (s->live && capture_wall_us() >= next_tick) {
			/* Quiet links: age state by the clock, since no packet time moves. */
			int64_t now = capture_wall_us();
			next_tick = now + CAPTURE_STATS_INTERVAL_US;
			capture_kernel_stats(s);
			decoder_expire(s->decoder, now);
			capture_publish(s);
		}
	}
	capture_finish(s);
	return NULL;
}

bool capture_start(struct capture_source *s, struct queue *q, char *err, size_t errlen)
{
	sigset_t all, old;

	if (s->started) {
		snprintf(err, errlen, "%s: capture already started", s->name);
		return false;
	}
	s->q = q;
	/* The capture thread takes no signals: they go to the thread that handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&s->thread, NULL, capture_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot start capture thread: %s", s->name, strerror(rc));
		return false;
	}
	s->started = true;
	return true;
}

void capture_stop(struct capture_source *s)
{
	atomic_store(&s->stop, true);
	pcap_breakloop(s->pcap);
}

void capture_join(struct capture_source *s)
{
	if (s->started && !s->joined) {
		pthread_join(s->thread, NULL);
		s->joined = true;
	}
}

void capture_get_stats(struct capture_source *s, struct capture_stats *out)
{
	memset(out, 0, sizeof *out);
	out->packets = LOAD(s->packets);
	out->sip_candidates = LOAD(s->sip_candidates);
	out->decode_errors = LOAD(s->decode_errors);
	out->encrypted = LOAD(s->encrypted);
	out->tls_sessions = LOAD(s->tls_sessions);
	out->tls_decrypted = LOAD(s->tls_decrypted);
	out->tls_no_keys = LOAD(s->tls_no_keys);
	out->dropped_kernel = LOAD(s->dropped_kernel);
	out->dropped_queue = LOAD(s->dropped_queue);
	for (int i = 0; i < DECODER_ENCAP_N; i++)
		out->encap[i] = LOAD(s->encap[i]);
	for (int i = 0; i < DECODER_WHY_N; i++)
		out->why[i] = LOAD(s->why[i]);
	out->truncated = LOAD(s->truncated);
	out->invalid = LOAD(s->invalid);
	out->nesting = LOAD(s->nesting);
	out->non_sip = LOAD(s->non_sip);
	out->keepalives = LOAD(s->keepalives);
	out->first_ts_us = LOAD(s->first_ts_us);
	out->last_ts_us = LOAD(s->last_ts_us);
	out->finished = atomic_load_explicit(&s->finished, memory_order_acquire);
	out->failed = atomic_load_explicit(&s->failed, memory_order_acquire);
	if (out->failed)
		snprintf(out->error, sizeof out->error, "%s", s->error);
}

void capture_close(struct capture_source *s)
{
	if (!s)
		return;
	if (s->started && !s->joined) {
		capture_stop(s);
		capture_join(s);
	}
	if (s->dumper)
		pcap_dump_close(s->dumper);
	pcap_close(s->pcap);
	decoder_free(s->decoder);
	free(s->name);
	free(s);
}
