/* run: set up the pipeline, run it (headless or under the dashboard), report. */
#include "app/run.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/analyzer.h"
#include "analyzer/sip_parse.h"
#include "app/config.h"
#include "app/counters.h"
#include "app/dbfiles.h"
#include "app/events.h"
#include "app/hep_send.h"
#include "app/metrics.h"
#include "app/syslog_out.h"
#include "app/pipeline.h"
#include "app/privdrop.h"
#include "app/service_notify.h"
#include "app/tls_setup.h"
#include "capture/source.h"
#include "capture/tls_keylog.h"
#include "common/numparse.h"
#include "db/capture_file.h"
#include "db/query.h"
#include "db/store.h"
#include "ui/dashboard.h"
#include "ui/dashboard_feed.h"
#include "ui/report.h"
#include "common/thread_role.h"

/* The capture → analyzer ring, in bytes (issue 20).  A record is a 64-byte
 * struct sip_packet, the payload and up to 15 bytes of header and padding:
 * about 560 bytes at the bench capture's 484 bytes a message.  Live, 32 MiB
 * hold about 60k such messages, 1.2 s at 50k/s (the pointer queue held 65536
 * packets); reading a file, 2 MiB hold about 3700 (the queue held 4096), and
 * the capture thread only waits there.  Either is raised to twice the
 * largest record the decoder can make (capture_max_record). */
#define RUN_RING_OFFLINE (2u << 20)
#define RUN_RING_LIVE (32u << 20)
#define RUN_FILE_BATCH_ROWS 250000
#define RUN_FILE_BATCH_US (2 * USEC_PER_SEC)
/* Dialog rows the dashboard may lag behind: about two seconds at 50k packets/s */
#define RUN_FEED_ROWS 65536

/* Set by SIGINT/SIGTERM, the dashboard's quit or --duration; read by the
 * pipeline and the dashboard threads.  A lock-free C11 atomic: both safe in a
 * signal handler (C11 7.14.1.1) and ordered between threads, which a volatile
 * sig_atomic_t is not. */
static atomic_int run_stop;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "run_stop is set in a signal handler");

static void run_on_signal(int sig)
{
	(void)sig;
	atomic_store(&run_stop, 1);
}

static void run_on_hup(int sig)
{
	(void)sig;
	events_request_reopen();
}

static void run_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = run_on_hup; /* logrotate: reopen the --events file */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The analyzer's results go to the store and the event outputs. */
struct run_sink {
	struct store *store;
	struct events *events;
	/* ---- monitoring outputs (issue 19) ---- */
	struct counters counters;
	struct hep_send *hep;
	bool syslog;
	struct dashboard_feed *feed; /* the dashboard's, while one is open */
};

static void run_sink_message(void *ctx, const struct message_record *m)
{
	struct run_sink *k = ctx;

	store_message(k->store, m);
	if (k->hep)
		hep_send_message(k->hep, m);
}

static void run_sink_dialog(void *ctx, const struct dialog_record *d)
{
	struct run_sink *k = ctx;

	store_dialog(k->store, d);
	/* the dashboard lists INVITE dialogs and the entries outside them
	 * (REGISTER, OPTIONS ...: analyzer/method_track.c), like the db */
	if (k->feed)
		dashboard_feed_push(k->feed, d); /* never blocks: a full ring resyncs from the db */
}

static void run_sink_finding(void *ctx, const struct finding_record *f)
{
	struct run_sink *k = ctx;

	store_finding(k->store, f);
	counters_finding(&k->counters, f);
	if (k->hep)
		hep_send_finding(k->hep, f);
}

static void run_sink_endpoint(void *ctx, const struct endpoint_record *e)
{
	store_endpoint(((struct run_sink *)ctx)->store, e);
}

static void run_sink_event(void *ctx, const struct event_record *ev)
{
	struct run_sink *k = ctx;

	events_emit(k->events, ev);
	counters_event(&k->counters, ev);
	if (k->hep)
		hep_send_event(k->hep, ev);
	if (k->syslog)
		syslog_out_event(ev);
}

struct run_state {
	const struct options *opt;
	struct store *store;
	struct capture_source *source;
	struct analyzer *analyzer;
	struct events *events;
	struct pkt_ring *ring;
	size_t max_record; /* capture_max_record of the source's configuration */
	struct pipeline pipeline;
	struct run_sink sink;
	struct metrics *metrics;
	struct service_notify notify; /* systemd readiness and watchdog (issue 17) */
	uint64_t capture_id;
	int64_t wall_start;
	struct tls_keys *tls_keys; /* --tls-keylog, -k: outlives the capture */
	bool read_to_end; /* the pipeline ended with its input, not stopped */
};

static void run_capture_config(const struct options *o, struct capture_config *cc)
{
	capture_config_defaults(cc);
	memcpy(cc->decoder.sip_ports, o->ports, sizeof o->ports);
	cc->decoder.n_sip_ports = o->n_ports;
	memcpy(cc->decoder.vxlan_ports, o->vxlan_ports, sizeof o->vxlan_ports);
	cc->decoder.n_vxlan_ports = o->n_vxlan_ports;
	cc->filter = o->filter;
	cc->max_packets = o->count;
	cc->write_path = o->write_file;
	cc->decoder.hep_ports[0] = o->hep_port;
	cc->decoder.n_hep_ports = 1;
	cc->decoder.hep_password = o->hep_password;
	if (o->buffer_kib > 0)
		cc->buffer_bytes = o->buffer_kib * 1024;
}

/* Test hooks (not options: nobody needs them in the field), read once.
 * SIPWATCH_STORE_RETRY_MS: how often a failing store tries again (default
 * 5000 live, 250 for a file).  SIPWATCH_RETENTION_CLOCK_SCALE: retention's
 * clock runs this many times faster than the wall clock from the start of
 * the run, so a test sees hourly passes in seconds. */
static int64_t run_env_int(const char *name, int64_t dflt, int64_t max)
{
	const char *v = getenv(name);
	uint64_t n;

	if (!v || !parse_uint(v, strlen(v), (uint64_t)max, &n) || n == 0)
		return dflt;
	return (int64_t)n;
}

static bool run_wants_ui(const struct options *o)
{
	return !o->no_ui && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
}

/* A capture file, read faster than real time and watched by no one as it
 * goes.  Standard input is not one: it may be a live pipe
 * (tcpdump -w - | sipwatch -r -), whose readers expect live behaviour. */
static bool run_reads_file(const struct options *o)
{
	return !o->iface && !o->hep_listen && o->read_file && strcmp(o->read_file, "-") != 0;
}

/* ---- monitoring outputs (issue 19) ---- */

/* The metrics thread's view: every source read atomically or from the
 * pipeline's published snapshot (the analyzer holds that lock for a copy). */
static void run_metrics_snapshot(void *ctx, struct metrics_snapshot *m)
{
	struct run_state *s = ctx;
	struct capture_stats cs;
	struct analyzer_stats as;
	struct store_stats ss;
	struct hep_send_stats hs;
	int64_t clock_us;
	bool done;

	capture_get_stats(s->source, &cs);
	pipeline_snapshot(&s->pipeline, &as, &clock_us, &done);
	store_get_stats(s->store, pipeline_wall_us(), &ss);
	hep_send_get_stats(s->sink.hep, &hs);
	m->packets = cs.packets;
	m->sip_messages = as.sip_messages;
	m->parse_errors[METRICS_PARSE_DECODE] = cs.decode_errors;
	m->parse_errors[METRICS_PARSE_SIP] = as.parse_errors;
	m->duplicates = as.duplicates;
	m->retransmissions = as.retransmissions;
	m->dropped[METRICS_DROP_KERNEL] = cs.dropped_kernel;
	m->dropped[METRICS_DROP_QUEUE] = cs.dropped_queue;
	m->encrypted = cs.encrypted;
	m->tls_sessions = cs.tls_sessions;
	m->tls_decrypted = cs.tls_decrypted;
	m->tls_no_keys = cs.tls_no_keys;
	m->dialogs_total = as.dialogs_total;
	m->dialogs_active = as.dialogs_active;
	m->dialogs_doomed = as.dialogs_doomed;
	m->dialogs_evicted = as.dialogs_evicted;
	for (int i = 0; i < FINDING_CODE_COUNT; i++) {
		m->findings[i] = counters_get(&s->sink.counters.findings[i]);
		m->doomed[i] = counters_get(&s->sink.counters.doomed[i]);
	}
	for (int i = 0; i < COUNTERS_EVENT_KINDS; i++)
		m->events[i] = counters_get(&s->sink.counters.events[i]);
	m->db_write_lag_us = (uint64_t)ss.write_lag_us;
	m->db_pending_records = ss.pending_records;
	m->db_commits = ss.commits;
	m->db_write_failures = ss.failed;
	m->hep_sent = hs.sent;
	m->hep_dropped = hs.dropped;
	m->hep_send_errors = hs.errors;
	m->hep_connects = hs.connects;
	m->start_time_us = (uint64_t)s->wall_start;
}

/* Before -Z: a metrics port below 1024 and the syslog socket need root. */
static bool run_open_monitoring(struct run_state *s, char *err, size_t errlen)
{
	const struct options *o = s->opt;

	counters_init(&s->sink.counters);
	if (o->hep_send) {
		s->sink.hep = hep_send_open(o->hep_send, o->hep_id, o->hep_password, err, errlen);
		if (!s->sink.hep)
			return false;
	}
	if (o->syslog) {
		syslog_out_open(o->syslog_facility);
		s->sink.syslog = true;
	}
	if (o->metrics_addr) {
		s->metrics = metrics_start(o->metrics_addr, run_metrics_snapshot, s, err, errlen);
		if (!s->metrics)
			return false;
	}
	return true;
}

/* Opens everything that needs privileges or can fail because of the
 * environment, in the order that gives the most useful error first: the
 * capture (missing interface, no permission, bad filter, unwritable -w file)
 * before the db, so a failed start leaves no db behind; then the db (its
 * -wal/-shm files exist once it is open), the events file; and only then
 * drops root (-Z), handing the files it created to the user. */
/* Deferring the secondary indexes pays from files of this size on. */
#define RUN_DEFER_INDEXES_MIN_BYTES (32LL << 20)

/* The size of a capture file, 0 if unknown. */
static long long run_file_size(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static bool run_open(struct run_state *s, char *err, size_t errlen)
{
	const struct options *o = s->opt;
	struct store_options so;
	struct capture_config cc;
	struct hep_listen_config hl;

	run_capture_config(o, &cc);
	s->max_record = capture_max_record(&cc);
	/* Keys first: they are read while we may still read them (before -Z). */
	if (!tls_setup_open(o, &s->tls_keys, err, errlen))
		return false;
	cc.decoder.tls_keys = s->tls_keys;
	if (o->hep_listen) {
		hep_listen_config_defaults(&hl);
		hl.password = o->hep_password;
		if (!hep_listen_parse(o->hep_listen, &hl, err, errlen))
			return false;
		cc.hep_listen = &hl;
	}
	if (o->iface)
		s->source = capture_open_live(o->iface, &cc, err, errlen);
	else if (o->read_file)
		s->source = capture_open_file(o->read_file, &cc, err, errlen);
	else
		s->source = capture_open_hep(&cc, err, errlen);
	if (!s->source) {
		if (o->read_file && strcmp(o->read_file, "-") != 0)
			dbfiles_gzip_hint(o->read_file, err, errlen);
		return false;
	}
	if (!dbfiles_check_db_path(o->db_path, err, errlen))
		return false;
	store_options_defaults(&so);
	so.store_bodies = !o->headers_only;
	so.retention_days = o->retention_days;
	so.max_bytes = o->db_max_size;
	so.retry_interval_us = run_env_int("SIPWATCH_STORE_RETRY_MS",
					   run_reads_file(o) ? 250 : 5000, 3600000) * 1000;
	/* Under the dashboard, stderr is its screen: said at the end instead. */
	so.say_on_stderr = !run_wants_ui(o);
	if (run_reads_file(o)) {
		/* A file: fewer, larger commits (each rewrites the pages of the
		 * indexes it touched, scattered over the live dialogs); a reader
		 * still sees progress every RUN_FILE_BATCH_US. */
		so.batch_rows = RUN_FILE_BATCH_ROWS;
		so.batch_interval_us = RUN_FILE_BATCH_US;
		/* Without a dashboard reading along, into an empty db: the
		 * secondary indexes are built once at the end (db/index_build.h).
		 * Not with --db-max-size: pruning finds its rows by those indexes;
		 * not for a small file, where dropping and building them again only
		 * churns the WAL (a nearly full disk ran out of room for it). */
		so.defer_indexes = !run_wants_ui(o) && !o->db_max_size &&
				   run_file_size(o->read_file) >= RUN_DEFER_INDEXES_MIN_BYTES;
	}
	s->store = store_open(o->db_path, &so, err, errlen);
	if (!s->store)
		return false;
	s->events = events_open(o->events_path, o->alert_exec, err, errlen);
	if (!s->events)
		return false;
	if (!run_open_monitoring(s, err, errlen))
		return false;
	const char *const others[] = {o->write_file, o->events_path};
	return !o->user || privdrop_to(o->user, o->db_path, others, 2, err, errlen);
}

/* Packets per encapsulation and packets not decoded, by reason (issue 15). */
static void run_capture_counts(struct capture_info *ci, const struct capture_stats *cs)
{
	char name[CAPTURE_COUNT_NAME_MAX];
	const struct {
		const char *name;
		uint64_t value;
	} nd[] = {
		{"truncated", cs->truncated}, {"invalid", cs->invalid},
		{"nesting_too_deep", cs->nesting}, {"not_sip", cs->non_sip},
		{"encrypted", cs->encrypted},
	};

	for (int e = 0; e < DECODER_ENCAP_N; e++) {
		snprintf(name, sizeof name, CAPTURE_COUNT_ENCAP "%s",
			 decoder_encap_name((enum decoder_encap)e));
		capture_info_add_count(ci, name, cs->encap[e]);
	}
	for (size_t i = 0; i < sizeof nd / sizeof nd[0]; i++) {
		snprintf(name, sizeof name, CAPTURE_COUNT_NOT_DECODED "%s", nd[i].name);
		capture_info_add_count(ci, name, nd[i].value);
	}
	for (int w = 0; w < DECODER_WHY_N; w++) {
		snprintf(name, sizeof name, CAPTURE_COUNT_NOT_DECODED "%s",
			 decoder_why_name((enum decoder_why)w));
		capture_info_add_count(ci, name, cs->why[w]);
	}
	capture_info_add_count(ci, CAPTURE_COUNT_KEEPALIVES, cs->keepalives);
}

static void run_capture_info(struct run_state *s, struct capture_info *ci)
{
	struct capture_stats cs;
	struct analyzer_stats as;

	capture_get_stats(s->source, &cs);
	analyzer_get_stats(s->analyzer, &as);
	memset(ci, 0, sizeof *ci);
	ci->source = capture_name(s->source);
	ci->kind = capture_is_live(s->source) ? "live" : "file";
	if (capture_is_live(s->source)) {
		ci->started = s->wall_start;
		ci->ended = pipeline_wall_us();
	} else {
		ci->started = cs.first_ts_us;
		ci->ended = cs.last_ts_us;
	}
	ci->packets = cs.packets;
	ci->sip_messages = as.sip_messages;
	ci->parse_errors = as.parse_errors + cs.decode_errors;
	ci->duplicates = as.duplicates;
	ci->dropped = cs.dropped_kernel + cs.dropped_queue;
	ci->encrypted = cs.encrypted;
	run_capture_counts(ci, &cs);
	capture_info_add_count(ci, CAPTURE_COUNT_BAD_CLEN, as.bad_content_length + cs.bad_content_length);
	ci->tls_sessions = cs.tls_sessions;
	ci->tls_decrypted = cs.tls_decrypted;
	ci->tls_no_keys = cs.tls_no_keys;
	ci->hep_packets = cs.hep.packets;
	ci->hep_errors = cs.hep.errors;
	ci->hep_auth_failed = cs.hep.auth_failed;
	ci->hep_tcp_closed = cs.hep_tcp_closed;
}

/* Live, about once a second on the pipeline thread: the captures row's
 * counters (packets, dropped, ...) follow the capture; ended stays empty. */
static void run_progress(void *ctx)
{
	struct run_state *s = ctx;
	struct capture_info ci;

	run_capture_info(s, &ci);
	ci.ended = INT64_MIN;
	store_update_capture(s->store, &ci);
}

static void run_new_analyzer(struct run_state *s)
{
	struct analyzer_config ac;
	struct analyzer_sink sink = {
		.message = run_sink_message,
		.dialog = run_sink_dialog,
		.finding = run_sink_finding,
		.endpoint = run_sink_endpoint,
		.event = run_sink_event,
		.ctx = &s->sink,
	};

	analyzer_config_defaults(&ac);
	store_next_ids(s->store, &ac.first_dialog_id, &ac.first_message_id, &ac.first_finding_id);
	if (s->opt->max_dialogs)
		ac.max_dialogs = s->opt->max_dialogs;
	ac.store_bodies = !s->opt->headers_only;
	ac.utc = s->opt->utc;
	ac.strict_peers = s->opt->strict_peers;
	/* Reading a file, a dialog's row waits for its doom or its end (half
	 * the writer's work was rewriting rows of dialogs still in progress). */
	ac.defer_dialog_rows = run_reads_file(s->opt);
	s->sink.store = s->store;
	s->sink.events = s->events;
	s->analyzer = analyzer_new(&ac, &sink);
}

static void run_dashboard_counters(void *ctx, struct dashboard_counters *out)
{
	struct run_state *s = ctx;
	struct capture_stats cs;
	struct analyzer_stats as;
	bool done;

	capture_get_stats(s->source, &cs);
	pipeline_snapshot(&s->pipeline, &as, &out->clock_us, &done);
	out->packets = cs.packets;
	out->sip_messages = as.sip_messages;
	out->parse_errors = as.parse_errors + cs.decode_errors;
	out->duplicates = as.duplicates;
	out->dropped = cs.dropped_kernel + cs.dropped_queue;
	out->encrypted = cs.encrypted;
	out->tls_sessions = cs.tls_sessions;
	out->tls_decrypted = cs.tls_decrypted;
	out->dialogs_active = as.dialogs_active;
	out->dialogs_total = as.dialogs_total;
	out->dialogs_doomed = as.dialogs_doomed;
	out->input_finished = done;
	out->input_failed = cs.failed;
	snprintf(out->input_error, sizeof out->input_error, "%s", cs.error);
	/* issue 17: storage trouble on the status line. */
	struct store_health h;
	store_get_health(s->store, &h);
	if (h.failing || h.level != STORE_ALL)
		snprintf(out->store_status, sizeof out->store_status, "db: storing %s (%s)",
			 store_level_name(h.level), h.reason);
	else if (h.incomplete)
		snprintf(out->store_status, sizeof out->store_status,
			 "db: incomplete (%llu not stored), storing everything again",
			 (unsigned long long)(h.skipped + h.lost));
	else
		out->store_status[0] = '\0';
}

/* The pipeline under the dashboard.  A file read to its end leaves the
 * dashboard browsing: the WAL is folded into the db then, so that a long
 * browse does not hold it (hundreds of MB after a big capture). */
static void *run_pipeline_thread(void *arg)
{
	struct run_state *s = arg;

	thread_name_set("sw-analyzer"); /* the main thread is the dashboard's */
	pipeline_run(&s->pipeline);
	s->read_to_end = !atomic_load(&run_stop);
	if (s->read_to_end && !capture_is_live(s->source))
		capture_file_truncate_wal(s->opt->db_path, 1000);
	return NULL;
}

static int run_with_dashboard(struct run_state *s, char *err, size_t errlen)
{
	pthread_t tid;
	struct dashboard_config dc = {
		.db_path = s->opt->db_path,
		.capture_id = s->capture_id,
		.source = capture_name(s->source),
		.live = capture_is_live(s->source),
		.utc = s->opt->utc,
		.strict_peers = s->opt->strict_peers,
		.columns = s->opt->columns, /* issue 18 */
		.save_option = config_save_option,
		.counters = run_dashboard_counters,
		.ctx = s,
		.stop_flag = &run_stop,
	};

	dc.feed = dashboard_feed_new(RUN_FEED_ROWS);
	s->sink.feed = dc.feed;
	pthread_create(&tid, NULL, run_pipeline_thread, s);
	int rc = dashboard_run(&dc, err, errlen);
	atomic_store(&run_stop, 1); /* leaving the dashboard ends the capture */
	pthread_join(tid, NULL);
	s->sink.feed = NULL;
	dashboard_feed_free(dc.feed);
	return rc;
}

static int run_report(struct run_state *s, bool headless)
{
	char err[512];
	enum report_format fmt = s->opt->report;
	int doomed = 0;

	if (fmt == REPORT_NONE && !headless && !s->opt->fail_on_doomed)
		return 0;
	struct db_reader *r = db_reader_open(s->opt->db_path, err, sizeof err);
	if (!r) {
		fprintf(stderr, "sipwatch: %s\n", err);
		return -1;
	}
	if (fmt == REPORT_JSON)
		report_json(stdout, r, s->capture_id);
	else if (fmt == REPORT_TEXT || headless)
		report_text(stdout, r, s->capture_id, s->opt->utc);
	fflush(stdout);
	doomed = report_count_doomed(r, s->capture_id);
	db_reader_close(r);
	return doomed;
}

static void run_close(struct run_state *s)
{
	/* The metrics thread reads the source, store and sender: it goes first. */
	metrics_stop(s->metrics);
	s->metrics = NULL;
	hep_send_close(s->sink.hep);
	s->sink.hep = NULL;
	if (s->sink.syslog)
		syslog_out_close();
	if (s->source)
		capture_close(s->source);
	tls_keys_free(s->tls_keys);
	if (s->analyzer)
		analyzer_free(s->analyzer);
	if (s->store)
		store_close(s->store);
	if (s->events) {
		unsigned long n = events_alerts_suppressed(s->events);
		if (n)
			fprintf(stderr, "sipwatch: %lu alert command(s) not run (rate or concurrency limit)\n", n);
		events_close(s->events);
	}
	pkt_ring_free(s->ring);
}

static int run_pipeline(struct run_state *s, char *err, size_t errlen)
{
	const struct options *o = s->opt;
	bool live = capture_is_live(s->source);
	bool ui = run_wants_ui(o);
	int rc = 0;

	size_t ring_bytes = live ? RUN_RING_LIVE : RUN_RING_OFFLINE;
	if (ring_bytes < 2 * s->max_record + 16)
		ring_bytes = 2 * s->max_record + 16;
	s->ring = pkt_ring_new(ring_bytes);
	/* Live, the ring is sized for bursts and mostly near empty: its pages
	 * go back as they are read (a file's small ring stays full anyway). */
	if (live)
		(void)pkt_ring_give_back(s->ring, s->max_record);
	s->pipeline.ring = s->ring;
	s->pipeline.analyzer = s->analyzer;
	s->pipeline.store = s->store;
	s->pipeline.source = s->source;
	s->pipeline.live = live;
	s->pipeline.stop = &run_stop;
	s->pipeline.retention_days = o->retention_days;
	s->pipeline.retention_clock_scale = run_env_int("SIPWATCH_RETENTION_CLOCK_SCALE", 1, 1000000);
	s->pipeline.progress = run_progress;
	s->pipeline.progress_ctx = s;
	if (live && o->duration)
		s->pipeline.stop_at_us = s->wall_start + (int64_t)o->duration * USEC_PER_SEC;
	if (!capture_start(s->source, s->ring, err, errlen))
		return -1;
	/* issue 17: systemd (Type=notify) counts the service started from here */
	char status[300];
	snprintf(status, sizeof status, "%s %s, db %s", live ? "capturing on" : "reading",
		 capture_name(s->source), o->db_path);
	service_notify_init(&s->notify);
	s->pipeline.notify = &s->notify;
	service_notify_ready(status);
	if (ui)
		rc = run_with_dashboard(s, err, errlen);
	else {
		pipeline_run(&s->pipeline);
		s->read_to_end = !atomic_load(&run_stop);
	}
	capture_join(s->source);
	return rc ? -1 : (ui ? 1 : 0);
}

static int run_capture(const struct options *o, const char *digest, int64_t file_size)
{
	struct run_state s;
	struct capture_info ci;
	struct capture_stats cs;
	char err[512] = "";
	int status = EXIT_DONE;

	memset(&s, 0, sizeof s);
	s.opt = o;
	s.wall_start = pipeline_wall_us();
	pipeline_init(&s.pipeline); /* the metrics thread may read it from the start */
	/* From the start: a SIGTERM while the capture and db open still ends cleanly. */
	run_signals();
	sip_parse_init();
	if (!run_open(&s, err, sizeof err)) {
		fprintf(stderr, "sipwatch: %s\n", err);
		run_close(&s);
		return EXIT_RUNTIME;
	}
	memset(&ci, 0, sizeof ci);
	ci.source = capture_name(s.source);
	ci.kind = capture_is_live(s.source) ? "live" : "file";
	ci.started = capture_is_live(s.source) ? s.wall_start : INT64_MIN;
	ci.ended = INT64_MIN;
	s.capture_id = store_begin_capture(s.store, &ci);
	run_new_analyzer(&s);

	int prc = run_pipeline(&s, err, sizeof err);
	run_capture_info(&s, &ci);
	store_update_capture(s.store, &ci);
	store_flush(s.store);
	/* issue 20: only the indexes the report reads now; the two big ones on
	 * messages are built while it is written (run_report_and_indexes). */
	store_build_report_indexes(s.store);
	if (prc < 0) {
		fprintf(stderr, "sipwatch: %s\n", err);
		status = EXIT_RUNTIME;
	}
	if (store_failed(s.store)) {
		fprintf(stderr, "sipwatch: %s\n", store_error(s.store));
		run_close(&s);
		return EXIT_RUNTIME;
	}
	char advice[512];
	report_tls_advice(ci.tls_no_keys, advice, sizeof advice);
	if (advice[0])
		fprintf(stderr, "sipwatch: %s\n", advice);
	/* issue 17: the captures row may have been written late (storage trouble). */
	struct store_health health;
	store_get_health(s.store, &health);
	s.capture_id = store_capture_id(s.store);
	if (!s.capture_id) {
		fprintf(stderr, "sipwatch: %s: nothing could be stored, no report\n",
			health.reason[0] ? health.reason : o->db_path);
		run_close(&s);
		return EXIT_RUNTIME;
	}
	/* issue 20: the report (its own read-only connection, one read
	 * transaction: WAL lets it read while the writer works) runs while the
	 * writer builds the last deferred indexes, on the other core; then the
	 * run waits for them and looks at the store again, so a build that fails
	 * or fills the disk ends the run as before (the report is printed first).
	 * A store already in trouble keeps the old order: build, then report. */
	bool overlap = !health.incomplete;
	int doomed = 0;
	if (overlap) {
		store_start_indexes(s.store);
		doomed = run_report(&s, prc == 0);
	}
	store_build_indexes(s.store);
	if (store_failed(s.store)) {
		fprintf(stderr, "sipwatch: %s\n", store_error(s.store));
		run_close(&s);
		return EXIT_RUNTIME;
	}
	store_get_health(s.store, &health);
	if (health.incomplete && (prc == 1 || health.lost))
		/* Under the dashboard it could not be said as it happened. */
		fprintf(stderr, "sipwatch: %s: db incomplete: %llu records not stored%s\n",
			health.reason[0] ? health.reason : o->db_path,
			(unsigned long long)(health.skipped + health.lost),
			health.lost ? ", the report lacks some dialogs or findings" : "");
	capture_get_stats(s.source, &cs);
	/* a file read whole and stored whole: the next run with the same file finds
	 * it (an incomplete import is not marked: reading it again may fill the gaps) */
	if (digest && s.read_to_end && !cs.failed && !o->count && !health.incomplete &&
	    !capture_file_mark(o->db_path, s.capture_id, file_size, digest, err, sizeof err))
		fprintf(stderr, "sipwatch: %s (the file is not marked as read)\n", err);
	if (!overlap)
		doomed = run_report(&s, prc == 0);
	if (doomed < 0)
		status = EXIT_RUNTIME;
	capture_get_stats(s.source, &cs);
	if (cs.failed) {
		fprintf(stderr, "sipwatch: %s\n", cs.error);
		status = EXIT_RUNTIME;
	}
	if (status == EXIT_DONE && o->fail_on_doomed && doomed > 0)
		status = EXIT_DOOMED;
	if (status == EXIT_DONE && health.incomplete)
		status = EXIT_DB_INCOMPLETE;
	run_close(&s);
	return status;
}

/* Browses a db written before: the dashboard on a terminal, else the report
 * (--report json, or text).  capture_id 0 = the newest capture. */
static int run_browse(const struct options *o, uint64_t capture_id, bool ui)
{
	char err[512] = "";
	int doomed;

	if (ui) {
		struct dashboard_config dc = {
			.db_path = o->db_path,
			.capture_id = capture_id,
			.utc = o->utc,
			.columns = o->columns, /* issue 18 */
			.save_option = config_save_option,
			.stop_flag = &run_stop,
		};

		if (dashboard_run(&dc, err, sizeof err) != 0) {
			fprintf(stderr, "sipwatch: %s\n", err);
			return EXIT_RUNTIME;
		}
		return EXIT_DONE;
	}
	struct db_reader *r = db_reader_open(o->db_path, err, sizeof err);
	if (!r) {
		fprintf(stderr, "sipwatch: %s\n", err);
		return EXIT_RUNTIME;
	}
	if (o->report == REPORT_JSON)
		report_json(stdout, r, capture_id);
	else
		report_text(stdout, r, capture_id, o->utc);
	fflush(stdout);
	doomed = report_count_doomed(r, capture_id);
	db_reader_close(r);
	if (doomed < 0)
		return EXIT_RUNTIME;
	return o->fail_on_doomed && doomed > 0 ? EXIT_DOOMED : EXIT_DONE;
}

int run(const struct options *given)
{
	struct options o = *given;
	struct dbfiles_temp tmp;
	char err[512] = "", digest[DBFILES_DIGEST_MAX] = "", source[256];
	int64_t size = 0;
	uint64_t id = 0;
	bool ui = !o.no_ui && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	bool have_digest = false;
	int status;

	memset(&tmp, 0, sizeof tmp);
	run_signals();
	if (o.open_db)
		return run_browse(&o, 0, ui);
	if (ui && run_reads_file(&o) && !o.db_given) {
		/* browsing a file: nothing left behind (contract.md's sipwatch.db
		 * stays the default of headless runs, which scripts query after) */
		if (!dbfiles_temp_make(&tmp, err, sizeof err)) {
			fprintf(stderr, "sipwatch: %s\n", err);
			return EXIT_RUNTIME;
		}
		o.db_path = tmp.db;
	} else if (run_reads_file(&o)) {
		have_digest = dbfiles_digest(o.read_file, &size, digest, sizeof digest);
	}
	if (have_digest && !o.again && dbfiles_check_db_path(o.db_path, err, sizeof err)) {
		int found = capture_file_find(o.db_path, size, digest, &id, source, sizeof source, err,
					      sizeof err);

		if (found < 0) {
			fprintf(stderr, "sipwatch: %s\n", err);
			return EXIT_RUNTIME;
		}
		if (found > 0) {
			fprintf(stderr,
				"sipwatch: %s is already in %s (capture %llu, read from %s): not read again "
				"(--again reads it once more)\n",
				o.read_file, o.db_path, (unsigned long long)id, source);
			return run_browse(&o, id, ui);
		}
	}
	status = run_capture(&o, have_digest ? digest : NULL, size);
	dbfiles_temp_remove(&tmp);
	return status;
}
