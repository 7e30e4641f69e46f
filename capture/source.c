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

#include "capture/pcapng.h"
#include "capture/source_open.h"
#include "common/xalloc.h"
#include "common/thread_role.h"

#define CAPTURE_STATS_INTERVAL_US USEC_PER_SEC
#define CAPTURE_PUSH_WAIT_MS 10 /* a file on a full ring: stop is checked this often */

#define CAPTURE_MAX_LINKTYPES 8

struct capture_bpf {
	int linktype;
	bool ok; /* compiled: false = the filter cannot apply to this link type */
	struct bpf_program prog;
};

struct capture_source {
	pcap_t *pcap;
	int fd; /* live: what poll() waits on; -1 = none */
	pcap_dumper_t *dumper;
	struct decoder *decoder;
	char *name;
	bool live;
	int linktype;
	uint64_t max_packets;
	struct pkt_ring *ring;
	struct hep_listener *hep; /* --hep-listen; NULL = none */
	const char *hep_password;
	bool pcap_done;           /* the file ended; the listener is still served */
	struct pcapng_reader *ng; /* a pcapng file: read here, not by libpcap */
	char *ng_filter;          /* -f, compiled per link type as they come */
	struct capture_bpf bpf[CAPTURE_MAX_LINKTYPES];
	size_t n_bpf;
	char ng_why[200];
	bool ng_truncated;
	pthread_t thread;
	bool started, joined;
	atomic_bool stop;
	_Atomic uint64_t packets, sip_candidates, decode_errors, encrypted;
	_Atomic uint64_t tls_sessions, tls_decrypted, tls_no_keys;
	_Atomic uint64_t dropped_kernel, dropped_queue;
	_Atomic uint64_t hep_packets, hep_messages, hep_errors, hep_auth_failed, hep_not_sip;
	_Atomic uint64_t hep_tcp_closed;
	_Atomic uint64_t encap[DECODER_ENCAP_N], why[DECODER_WHY_N];
	_Atomic uint64_t truncated, invalid, nesting, non_sip, keepalives;
	_Atomic uint64_t bad_content_length;
	_Atomic int64_t first_ts_us, last_ts_us, beat_us;
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

/* Copies one record into the ring (see the banner for the policy): live a
 * full ring costs it, from a file the thread waits, a stop request aside. */
static void capture_put(struct capture_source *s, bool wait, const struct sip_packet *hdr,
			const uint8_t *data)
{
	size_t n = sip_packet_size(hdr->len);
	enum pkt_ring_status why;
	void *p;

	if (!wait)
		p = pkt_ring_try_reserve(s->ring, n, &why);
	else
		while (!(p = pkt_ring_reserve(s->ring, n, CAPTURE_PUSH_WAIT_MS, &why)) &&
		       why == PKT_RING_FULL && !atomic_load(&s->stop))
			;
	if (!p) {
		/* A file stopped or cancelled is not a drop; a record larger than the
		 * ring cannot happen with the sizes of app/run.c but would count. */
		if (!wait || why == PKT_RING_TOO_BIG)
			STORE(s->dropped_queue, LOAD(s->dropped_queue) + 1);
		return;
	}
	sip_packet_copy(p, hdr, data);
	pkt_ring_commit(s->ring);
}

/* Decoder callback. */
static void capture_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct capture_source *s = ctx;

	capture_put(s, !s->live, hdr, data);
}

struct capture_source *capture_source_new(pcap_t *p, const char *name, bool live,
					  const struct capture_config *cfg)
{
	struct capture_source *s = xcalloc(1, sizeof *s);

	s->pcap = p;
	s->name = xstrdup(name);
	s->live = live;
	s->fd = live && p ? pcap_get_selectable_fd(p) : -1;
	s->linktype = p ? pcap_datalink(p) : 0;
	s->hep_password = cfg->decoder.hep_password;
	s->max_packets = cfg->max_packets;
	s->decoder = decoder_new(&cfg->decoder, capture_emit, s);
	atomic_init(&s->stop, false);
	atomic_init(&s->finished, false);
	atomic_init(&s->failed, false);
	atomic_init(&s->first_ts_us, TS_NONE);
	atomic_init(&s->last_ts_us, TS_NONE);
	atomic_init(&s->beat_us, TS_NONE);
	return s;
}

void capture_source_set_pcapng(struct capture_source *s, struct pcapng_reader *ng,
			       const char *filter)
{
	s->ng = ng;
	s->ng_filter = filter ? xstrdup(filter) : NULL;
}

/* -f on a pcapng packet: compiled once per link type (a filter that does not
 * compile for a link type, e.g. "ether host" on raw IP, matches nothing). */
static bool capture_ng_match(struct capture_source *s, int linktype, const struct pcap_pkthdr *h,
			     const u_char *data)
{
	struct capture_bpf *b = NULL;

	if (!s->ng_filter)
		return true;
	for (size_t i = 0; i < s->n_bpf; i++)
		if (s->bpf[i].linktype == linktype)
			b = &s->bpf[i];
	if (!b) {
		if (s->n_bpf == CAPTURE_MAX_LINKTYPES)
			return false;
		b = &s->bpf[s->n_bpf++];
		b->linktype = linktype;
		pcap_t *dead = pcap_open_dead(linktype, CAPTURE_SNAPLEN);
		b->ok = dead && pcap_compile(dead, &b->prog, s->ng_filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
		if (dead)
			pcap_close(dead);
	}
	return b->ok && pcap_offline_filter(&b->prog, h, data) != 0;
}

void capture_source_set_dumper(struct capture_source *s, pcap_dumper_t *dumper)
{
	s->dumper = dumper;
}

bool capture_source_attach_hep(struct capture_source *s, const struct capture_config *cfg,
			       char *err, size_t errlen)
{
	if (!cfg->hep_listen)
		return true;
	s->hep = hep_listen_open(cfg->hep_listen, err, errlen);
	if (!s->hep)
		return false;
	if (!s->pcap) {
		free(s->name);
		s->name = xstrdup(hep_listen_name(s->hep));
	}
	return true;
}

struct capture_source *capture_open_hep(const struct capture_config *cfg, char *err,
					size_t errlen)
{
	struct capture_source *s = capture_source_new(NULL, "hep", false, cfg);

	if (!cfg->hep_listen || !capture_source_attach_hep(s, cfg, err, errlen)) {
		if (!cfg->hep_listen)
			snprintf(err, errlen, "no HEP listener configured");
		capture_close(s);
		return NULL;
	}
	return s;
}

bool capture_is_live(const struct capture_source *s)
{
	return s->live || s->hep;
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
	struct hep_counters h = ds->hep;

	if (s->hep) {
		const struct hep_listen_stats *ls = hep_listen_get_stats(s->hep);
		h.packets += ls->hep.packets;
		h.messages += ls->hep.messages;
		h.errors += ls->hep.errors;
		h.auth_failed += ls->hep.auth_failed;
		h.not_sip += ls->hep.not_sip;
		STORE(s->hep_tcp_closed,
		      ls->tcp_closed_idle + ls->tcp_closed_bad + ls->tcp_evicted);
		STORE(s->sip_candidates, ds->sip_candidates + ls->hep.messages);
	} else {
		STORE(s->sip_candidates, ds->sip_candidates);
	}
	STORE(s->decode_errors, ds->truncated + ds->invalid + h.errors);
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
	STORE(s->bad_content_length, ds->bad_content_length);
	STORE(s->tls_sessions, ds->tls_sessions);
	STORE(s->tls_decrypted, ds->tls_decrypted);
	STORE(s->tls_no_keys, ds->tls_no_keys);
	STORE(s->hep_packets, h.packets);
	STORE(s->hep_messages, h.messages);
	STORE(s->hep_errors, h.errors);
	STORE(s->hep_auth_failed, h.auth_failed);
	STORE(s->hep_not_sip, h.not_sip);
}

/* Listener callback: HEP arrives live, so a full ring drops and counts. */
static void capture_emit_hep(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	capture_put(ctx, false, hdr, data);
}

static void capture_kernel_stats(struct capture_source *s)
{
	struct pcap_stat ps;

	if (s->live && s->pcap && pcap_stats(s->pcap, &ps) == 0)
		STORE(s->dropped_kernel, (uint64_t)ps.ps_drop + ps.ps_ifdrop);
}

static void capture_packet(struct capture_source *s, int linktype, const struct pcap_pkthdr *h,
			   const u_char *data)
{
	int64_t ts = (int64_t)h->ts.tv_sec * USEC_PER_SEC + h->ts.tv_usec;

	STORE(s->packets, LOAD(s->packets) + 1);
	if (LOAD(s->first_ts_us) == TS_NONE)
		STORE(s->first_ts_us, ts);
	STORE(s->last_ts_us, ts);
	/* -w writes one link type: a pcapng's other interfaces are not written */
	if (s->dumper && linktype == s->linktype)
		pcap_dump((u_char *)s->dumper, h, data);
	decoder_frame(s->decoder, linktype, ts, data, h->caplen);
	capture_publish(s);
}

/* Live, nothing ready in the ring: wait until there is, for CAPTURE_TIMEOUT_MS
 * at most.  A packet's wait is bounded by the ring's block timeout, not by this. */
static void capture_wait(struct capture_source *s)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};

	if (s->hep)
		hep_listen_poll(s->hep, CAPTURE_TIMEOUT_MS, s->fd, capture_emit_hep, s);
	else if (s->fd < 0)
		capture_sleep_ns(1000000L);
	else
		poll(&pfd, 1, CAPTURE_TIMEOUT_MS);
}

/* The input ended early: say why, in one line. */
static void capture_fail(struct capture_source *s)
{
	const char *why = s->ng ? s->ng_why : pcap_geterr(s->pcap);
	unsigned long long at = (unsigned long long)LOAD(s->packets) + 1;

	if (!s->live && (s->ng ? s->ng_truncated : strstr(why, "truncated") != NULL))
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
	pkt_ring_close(s->ring);
}

/* The next packet of a pcapng file, as pcap_next_ex would say it; -f applied. */
static int capture_ng_next(struct capture_source *s)
{
	struct pcapng_packet pk;

	for (;;) {
		enum pcapng_result r = pcapng_next(s->ng, &pk, s->ng_why, sizeof s->ng_why);
		if (r == PCAPNG_EOF)
			return PCAP_ERROR_BREAK;
		if (r != PCAPNG_PACKET) {
			s->ng_truncated = r == PCAPNG_TRUNCATED;
			return PCAP_ERROR;
		}
		struct pcap_pkthdr h = {.caplen = pk.caplen, .len = pk.origlen};
		h.ts.tv_sec = (time_t)(pk.ts_us / USEC_PER_SEC);
		h.ts.tv_usec = (suseconds_t)(pk.ts_us % USEC_PER_SEC);
		if (!capture_ng_match(s, pk.linktype, &h, pk.data))
			continue;
		capture_packet(s, pk.linktype, &h, pk.data);
		return 1;
	}
}

static void *capture_thread(void *arg)
{
	struct capture_source *s = arg;
	thread_name_set("sw-capture");
	int64_t next_tick = capture_wall_us() + CAPTURE_STATS_INTERVAL_US;

	uint64_t turns = 0;

	STORE(s->beat_us, capture_wall_us());
	while (!atomic_load(&s->stop)) {
		if (s->max_packets && LOAD(s->packets) >= s->max_packets)
			break;
		if (!s->pcap || s->pcap_done) {
			/* --hep-listen alone, or after its file: only the listener. */
			hep_listen_poll(s->hep, CAPTURE_TIMEOUT_MS, -1, capture_emit_hep, s);
		} else {
			struct pcap_pkthdr *h;
			const u_char *data;
			/* capture_ng_next hands its packet to capture_packet itself */
			int rc = s->ng ? capture_ng_next(s) : pcap_next_ex(s->pcap, &h, &data);
			if (rc == 1) {
				if (!s->ng)
					capture_packet(s, s->linktype, h, data);
			} else if (rc == 0 && s->live)
				capture_wait(s);
			else if (rc == PCAP_ERROR_BREAK || rc < 0) {
				if (rc < 0 && rc != PCAP_ERROR_BREAK)
					capture_fail(s);
				if (!s->hep)
					break; /* end of file, or pcap_breakloop */
				s->pcap_done = true;
			}
			/* A busy pcap input still lets the listener in, every 64 packets. */
			if (s->hep && ++turns % 64 == 0)
				hep_listen_poll(s->hep, 0, -1, capture_emit_hep, s);
		}
		if (capture_is_live(s) && capture_wall_us() >= next_tick) {
			/* Quiet links: age state by the clock, since no packet time moves. */
			int64_t now = capture_wall_us();
			next_tick = now + CAPTURE_STATS_INTERVAL_US;
			STORE(s->beat_us, now);
			capture_kernel_stats(s);
			if (s->live || !s->pcap || s->pcap_done) /* a file ages by its own time */
				decoder_expire(s->decoder, now);
			capture_publish(s);
		}
	}
	capture_finish(s);
	return NULL;
}

bool capture_start(struct capture_source *s, struct pkt_ring *ring, char *err, size_t errlen)
{
	sigset_t all, old;

	if (s->started) {
		snprintf(err, errlen, "%s: capture already started", s->name);
		return false;
	}
	s->ring = ring;
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

size_t capture_max_record(const struct capture_config *cfg)
{
	size_t n = cfg->decoder.max_tcp_stream_bytes;

	return sip_packet_size((uint32_t)(n > UINT16_MAX ? n : UINT16_MAX));
}

void capture_stop(struct capture_source *s)
{
	atomic_store(&s->stop, true);
	if (s->pcap)
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
	out->beat_us = LOAD(s->beat_us);
	out->hep.packets = LOAD(s->hep_packets);
	out->hep.messages = LOAD(s->hep_messages);
	out->hep.errors = LOAD(s->hep_errors);
	out->hep.auth_failed = LOAD(s->hep_auth_failed);
	out->hep.not_sip = LOAD(s->hep_not_sip);
	out->hep_tcp_closed = LOAD(s->hep_tcp_closed);
	for (int i = 0; i < DECODER_ENCAP_N; i++)
		out->encap[i] = LOAD(s->encap[i]);
	for (int i = 0; i < DECODER_WHY_N; i++)
		out->why[i] = LOAD(s->why[i]);
	out->truncated = LOAD(s->truncated);
	out->invalid = LOAD(s->invalid);
	out->nesting = LOAD(s->nesting);
	out->non_sip = LOAD(s->non_sip);
	out->keepalives = LOAD(s->keepalives);
	out->bad_content_length = LOAD(s->bad_content_length);
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
	if (s->pcap)
		pcap_close(s->pcap);
	hep_listen_close(s->hep);
	pcapng_close(s->ng);
	for (size_t i = 0; i < s->n_bpf; i++)
		if (s->bpf[i].ok)
			pcap_freecode(&s->bpf[i].prog);
	free(s->ng_filter);
	decoder_free(s->decoder);
	free(s->name);
	free(s);
}
