/* run: set up the pipeline, run it (headless or under the dashboard), report. */
#include "app/run.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/analyzer.h"
#include "analyzer/sip_parse.h"
#include "app/counters.h"
#include "app/events.h"
#include "app/hep_send.h"
#include "app/metrics.h"
#include "app/syslog_out.h"
#include "app/pipeline.h"
#include "app/privdrop.h"
#include "app/tls_setup.h"
#include "capture/source.h"
#include "capture/tls_keylog.h"
#include "db/query.h"
#include "db/store.h"
#include "ui/dashboard.h"
#include "ui/report.h"

#define RUN_QUEUE_OFFLINE 4096
#define RUN_QUEUE_LIVE 65536
#define RUN_FILE_BATCH_ROWS 250000
#define RUN_FILE_BATCH_US (2 * USEC_PER_SEC)

static volatile sig_atomic_t run_stop;

static void run_on_signal(int sig)
{
	(void)sig;
	run_stop = 1;
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
	store_dialog(((struct run_sink *)ctx)->store, d);
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
	struct queue *queue;
	struct pipeline pipeline;
	struct run_sink sink;
	struct metrics *metrics;
	uint64_t capture_id;
	int64_t wall_start;
	struct tls_keys *tls_keys; /* --tls-keylog, -k: outlives the capture */
};

static void run_capture_config(const struct options *o, struct capture_config *cc)
{
	capture_config_defaults(cc);
	memcpy(cc->decoder.sip_ports, o->ports, sizeof o->ports);
	cc->decoder.n_sip_ports = o->n_ports;
	cc->filter = o->filter;
	cc->max_packets = o->count;
	cc->write_path = o->write_file;
	cc->decoder.hep_ports[0] = o->hep_port;
	cc->decoder.n_hep_ports = 1;
	cc->decoder.hep_password = o->hep_password;
}

/* The dashboard runs (it reads the db while the capture is read). */
static bool run_has_ui(const struct options *o)
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
static bool run_open(struct run_state *s, char *err, size_t errlen)
{
	const struct options *o = s->opt;
	struct store_options so;
	struct capture_config cc;
	struct hep_listen_config hl;

	run_capture_config(o, &cc);
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
	if (!s->source)
		return false;
	store_options_defaults(&so);
	so.store_bodies = !o->headers_only;
	so.retention_days = o->retention_days;
	if (run_reads_file(o)) {
		/* A file: fewer, larger commits (each rewrites the pages of the
		 * indexes it touched, scattered over the live dialogs); a reader
		 * still sees progress every RUN_FILE_BATCH_US. */
		so.batch_rows = RUN_FILE_BATCH_ROWS;
		so.batch_interval_us = RUN_FILE_BATCH_US;
		/* Without a dashboard reading along, into an empty db: the
		 * secondary indexes are built once at the end (db/index_build.h). */
		so.defer_indexes = !run_has_ui(o);
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
		.counters = run_dashboard_counters,
		.ctx = s,
		.stop_flag = (volatile int *)&run_stop,
	};

	pthread_create(&tid, NULL, pipeline_thread, &s->pipeline);
	int rc = dashboard_run(&dc, err, errlen);
	run_stop = 1; /* leaving the dashboard ends the capture */
	pthread_join(tid, NULL);
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
	if (s->queue)
		queue_free(s->queue);
}

static int run_pipeline(struct run_state *s, char *err, size_t errlen)
{
	const struct options *o = s->opt;
	bool live = capture_is_live(s->source);
	bool ui = run_has_ui(o);
	int rc = 0;

	s->queue = queue_new(live ? RUN_QUEUE_LIVE : RUN_QUEUE_OFFLINE);
	s->pipeline.queue = s->queue;
	s->pipeline.analyzer = s->analyzer;
	s->pipeline.store = s->store;
	s->pipeline.source = s->source;
	s->pipeline.live = live;
	s->pipeline.stop = &run_stop;
	s->pipeline.retention_days = o->retention_days;
	s->pipeline.progress = run_progress;
	s->pipeline.progress_ctx = s;
	if (live && o->duration)
		s->pipeline.stop_at_us = s->wall_start + (int64_t)o->duration * USEC_PER_SEC;
	if (!capture_start(s->source, s->queue, err, errlen))
		return -1;
	if (ui)
		rc = run_with_dashboard(s, err, errlen);
	else
		pipeline_run(&s->pipeline);
	capture_join(s->source);
	return rc ? -1 : (ui ? 1 : 0);
}

int run(const struct options *o)
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
	store_build_indexes(s.store);
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
	int doomed = run_report(&s, prc == 0);
	if (doomed < 0)
		status = EXIT_RUNTIME;
	capture_get_stats(s.source, &cs);
	if (cs.failed) {
		fprintf(stderr, "sipwatch: %s\n", cs.error);
		status = EXIT_RUNTIME;
	}
	if (status == EXIT_DONE && o->fail_on_doomed && doomed > 0)
		status = EXIT_DOOMED;
	run_close(&s);
	return status;
}
