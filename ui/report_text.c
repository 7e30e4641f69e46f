/* report_text: the human report printed when a capture ends (contract.md).
 *
 *   header    the capture, its first and last packet times
 *   summary   packets, SIP messages, parse errors, duplicates, drops,
 *             encrypted packets, dialogs by end class, findings by code
 *   doomed    one block per dialog doomed at the end: Call-ID, from → to,
 *             cause (its doom findings' details), the endpoint to blame,
 *             when it was or will be torn down
 *   refresh   the per-endpoint table of refresh answers
 *
 * Every string from the db may have come off the wire: it goes out only
 * through report_text_put(), i.e. sanitize_text(), so no escape sequence
 * reaches the operator's terminal.  Times are local with the zone, or UTC. */
#include "ui/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"
#include "ui/sanitize.h"

struct report_text {
	FILE *out;
	struct db_reader *r;
	bool utc;
	bool failed;
	uint64_t n_doomed;
	/* the dialog being printed: its doom findings */
	size_t n_causes;
	char blame[ENDPOINT_STR_MAX];
	char *blame_agent;
};

/* Writes s sanitised, padded with spaces to width bytes (0 = no padding). */
static void report_text_put(FILE *out, const char *s, int width)
{
	char small[512];
	size_t n = s ? strlen(s) : 0;
	size_t need = sanitize_text_len(s, n);
	char *buf = need < sizeof small ? small : xmalloc(need + 1);

	sanitize_text(s, n, buf, need + 1);
	fprintf(out, "%-*s", width, s ? buf : "-");
	if (buf != small)
		free(buf);
}

/* "2024-05-01 14:32:05.123 CEST" (or "... UTC"); "-" when absent. */
static void report_text_time(char *buf, size_t n, int64_t us, bool utc)
{
	struct tm tm;
	char date[40], zone[16];
	time_t t;
	int64_t ms;

	if (us == TS_NONE) {
		snprintf(buf, n, "-");
		return;
	}
	t = (time_t)(us / USEC_PER_SEC);
	ms = (us % USEC_PER_SEC) / 1000;
	if (ms < 0) {
		ms += 1000;
		t -= 1;
	}
	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))) {
		snprintf(buf, n, "%" PRId64 ".%03" PRId64, (int64_t)t, ms);
		return;
	}
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
	if (utc || strftime(zone, sizeof zone, "%Z", &tm) == 0)
		snprintf(zone, sizeof zone, "%s", utc ? "UTC" : "");
	snprintf(buf, n, "%s.%03" PRId64 " %s", date, ms, zone);
}

static void report_text_header(struct report_text *x, uint64_t id, const struct capture_info *c)
{
	char first[80], last[80];

	report_text_time(first, sizeof first, c->started, x->utc);
	report_text_time(last, sizeof last, c->ended, x->utc);
	fprintf(x->out, "sipwatch report: capture %" PRIu64 " (", id);
	report_text_put(x->out, c->kind, 0);
	fputs(") ", x->out);
	report_text_put(x->out, c->source, 0);
	fprintf(x->out, "\n  from %s\n  to   %s\n\n", first, last);
}

static void report_text_count(void *ctx, const char *name, uint64_t count)
{
	struct report_text *x = ctx;

	fputs("    ", x->out);
	report_text_put(x->out, name, 32);
	fprintf(x->out, " %10" PRIu64 "\n", count);
}

/* What arrived inside tunnels and what was not read, by reason. */
static void report_text_counts(struct report_text *x, const struct capture_info *c)
{
	static const struct {
		const char *prefix, *title;
	} groups[] = {{CAPTURE_COUNT_ENCAP, "packets by encapsulation"},
		      {CAPTURE_COUNT_NOT_DECODED, "packets not decoded, by reason"}};

	fprintf(x->out, "  %-34s %10" PRIu64 "\n", "keepalives",
		capture_info_count(c, CAPTURE_COUNT_KEEPALIVES));
	uint64_t bad_clen = capture_info_count(c, CAPTURE_COUNT_BAD_CLEN);
	if (bad_clen) /* issue 17: said only when it happened */
		fprintf(x->out, "  %-34s %10" PRIu64 "\n", "malformed Content-Length", bad_clen);
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		size_t plen = strlen(groups[g].prefix);
		bool any = false;
		for (size_t i = 0; i < c->n_counts; i++) {
			if (strncmp(c->counts[i].name, groups[g].prefix, plen) != 0)
				continue;
			if (!any)
				fprintf(x->out, "  %s\n", groups[g].title);
			any = true;
			fputs("    ", x->out);
			report_text_put(x->out, c->counts[i].name + plen, 32);
			fprintf(x->out, " %10" PRIu64 "\n", c->counts[i].value);
		}
	}
}

static bool report_text_summary(struct report_text *x, uint64_t id, const struct capture_info *c)
{
	FILE *out = x->out;
	uint64_t dialogs, doomed;

	if (!db_count_dialogs(x->r, id, &dialogs, &doomed))
		return false;
	fprintf(out, "Summary\n");
	fprintf(out, "  %-34s %10" PRIu64 "\n", "packets", c->packets);
	fprintf(out, "  %-34s %10" PRIu64 "\n", "SIP messages", c->sip_messages);
	fprintf(out, "  %-34s %10" PRIu64 "\n", "parse errors", c->parse_errors);
	fprintf(out, "  %-34s %10" PRIu64 "\n", "mirror duplicates", c->duplicates);
	fprintf(out, "  %-34s %10" PRIu64 "\n", "dropped", c->dropped);
	fprintf(out, "  %-34s %10" PRIu64 "%s\n", "encrypted (TLS)", c->encrypted,
		c->encrypted && (c->tls_no_keys || !c->tls_decrypted) ? "  not analysable without keys"
								       : "");
	if (c->tls_sessions) {
		fprintf(out, "  %-34s %10" PRIu64 "\n", "TLS sessions", c->tls_sessions);
		fprintf(out, "  %-34s %10" PRIu64 "\n", "  decrypted", c->tls_decrypted);
		fprintf(out, "  %-34s %10" PRIu64 "\n", "  without keys", c->tls_no_keys);
	}
	if (c->hep_packets) /* only when HEP came: other reports keep their shape */
		fprintf(out, "  %-34s %10" PRIu64 "  (%" PRIu64 " errors, %" PRIu64
			" wrong key, %" PRIu64 " connections closed)\n", "HEP packets", c->hep_packets,
			c->hep_errors, c->hep_auth_failed, c->hep_tcp_closed);
	report_text_counts(x, c);
	fprintf(out, "  %-34s %10" PRIu64 "\n", "dialogs", dialogs);
	fprintf(out, "  %-34s %10" PRIu64 "\n", "doomed at the end", doomed);
	fprintf(out, "  dialogs by end class\n");
	if (db_count_end_classes(x->r, id, report_text_count, x) < 0)
		return false;
	fprintf(out, "  findings by code\n");
	int n = db_count_finding_codes(x->r, id, report_text_count, x);
	if (n == 0)
		fprintf(out, "    (none)\n");
	if (n < 0)
		return false;
	/* REGISTER, OPTIONS, SUBSCRIBE ... entries (analyzer/method_track.c),
	 * counted apart so that "dialogs" above stays the INVITE dialogs */
	fprintf(out, "  entries outside INVITE dialogs, by method\n");
	n = db_count_other_dialogs(x->r, id, report_text_count, x);
	if (n == 0)
		fprintf(out, "    (none)\n");
	if (n < 0)
		return false;
	/* stored but in no dialog row: said here, so "dialogs 0" is not "nothing" */
	fprintf(out, "  requests outside INVITE dialogs, by method\n");
	n = db_count_methods_outside(x->r, id, report_text_count, x);
	if (n == 0)
		fprintf(out, "    (none)\n");
	char advice[512];
	report_tls_advice(c->tls_no_keys, advice, sizeof advice);
	if (advice[0])
		fprintf(out, "  %s\n", advice);
	fputs("\n", out);
	return n >= 0;
}

void report_tls_advice(uint64_t no_keys, char *buf, size_t len)
{
	if (no_keys == 0) {
		if (len)
			buf[0] = '\0';
		return;
	}
	snprintf(buf, len,
		 "encrypted SIP: %" PRIu64 " TLS session%s not decrypted; open %s with --tls-keylog"
		 " FILE (the endpoints' SSLKEYLOGFILE key log) or, for RSA key exchange, -k FILE"
		 " (the server's PEM RSA key)",
		 no_keys, no_keys == 1 ? "" : "s", no_keys == 1 ? "it" : "them");
}

/* Collects the doom findings of one dialog: the cause lines and the blame. */
static void report_text_cause(void *ctx, const struct finding_record *f)
{
	struct report_text *x = ctx;

	if (f->severity != SEVERITY_DOOM)
		return;
	if (x->n_causes++ == 0) {
		snprintf(x->blame, sizeof x->blame, "%s", f->endpoint);
		x->blame_agent = f->agent ? xstrdup(f->agent) : NULL;
	}
	fputs(x->n_causes == 1 ? "    cause     " : "              ", x->out);
	report_text_put(x->out, finding_code_name(f->code), 0);
	fputs(": ", x->out);
	report_text_put(x->out, f->detail, 0);
	fputs("\n", x->out);
}

static void report_text_teardown(struct report_text *x, const struct dialog_record *d)
{
	char when[80];
	const char *end = end_class_name(d->end_class);

	if (d->ended != TS_NONE) {
		report_text_time(when, sizeof when, d->ended, x->utc);
		fprintf(x->out, "    teardown  %s (%s)\n", when, end ? end : "ended");
	} else if (d->teardown_expected != TS_NONE) {
		report_text_time(when, sizeof when, d->teardown_expected, x->utc);
		fprintf(x->out, "    teardown  expected at %s (%s)\n", when, end ? end : "ACTIVE");
	} else {
		fprintf(x->out, "    teardown  unknown (%s)\n", end ? end : "ACTIVE");
	}
}

static void report_text_doomed(void *ctx, const struct dialog_record *d)
{
	struct report_text *x = ctx;
	FILE *out = x->out;

	if (!d->doomed)
		return;
	x->n_doomed++;
	fputs("  DOOMED  Call-ID ", out);
	report_text_put(out, d->call_id, 0);
	if (d->transport >= TRANSPORT_TLS) /* decrypted or WebSocket: say so */
		fprintf(out, "  (over %s)", transport_name(d->transport));
	fputs("\n    from → to ", out);
	report_text_put(out, d->from_uri, 0);
	fputs(" → ", out);
	report_text_put(out, d->to_uri, 0);
	fputs("\n", out);

	x->n_causes = 0;
	x->blame[0] = '\0';
	x->blame_agent = NULL;
	if (db_each_finding(x->r, d->id, report_text_cause, x) < 0)
		x->failed = true;
	if (x->n_causes == 0)
		fputs("    cause     (no doom finding recorded)\n", out);
	fputs("    blame     ", out);
	report_text_put(out, x->blame[0] ? x->blame : NULL, 0);
	if (x->blame_agent) {
		fputs(" (", out);
		report_text_put(out, x->blame_agent, 0);
		fputs(")", out);
	}
	fputs("\n", out);
	free(x->blame_agent);
	x->blame_agent = NULL;
	report_text_teardown(x, d);
	fputs("\n", out);
}

static void report_text_endpoint(void *ctx, const struct endpoint_record *e)
{
	struct report_text *x = ctx;

	fputs("  ", x->out);
	report_text_put(x->out, e->endpoint, 46);
	fprintf(x->out, " %8" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %5" PRIu64 "  ",
		e->refresh_answers_ok, e->malformed, e->lost, e->rejected, e->accepted, e->fatal);
	report_text_put(x->out, e->agent, 0);
	fputs("\n", x->out);
}

static bool report_text_body(struct report_text *x, uint64_t capture_id)
{
	struct capture_info c;
	uint64_t id = 0;

	if (!db_read_capture(x->r, capture_id, &id, &c))
		return false;
	report_text_header(x, id, &c);
	if (!report_text_summary(x, id, &c))
		return false;

	fprintf(x->out, "Doomed dialogs\n");
	if (db_each_dialog(x->r, id, report_text_doomed, x) < 0 || x->failed)
		return false;
	if (x->n_doomed == 0)
		fprintf(x->out, "  (none)\n\n");

	fprintf(x->out, "Refresh answers by endpoint\n  %-46s %8s %9s %8s %8s %8s %5s  %s\n",
		"endpoint", "ok", "malformed", "lost", "rejected", "accepted", "fatal", "agent");
	int n = db_each_endpoint(x->r, id, report_text_endpoint, x);
	if (n == 0)
		fprintf(x->out, "  (no refresh answers seen)\n");
	return n >= 0;
}

int report_text(FILE *out, struct db_reader *r, uint64_t capture_id, bool utc)
{
	struct report_text x = {.out = out, .r = r, .utc = utc};
	bool ok = db_reader_begin(r) && report_text_body(&x, capture_id);

	db_reader_end(r);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return ok ? 0 : -1;
}

int report_count_doomed(struct db_reader *r, uint64_t capture_id)
{
	uint64_t dialogs, doomed;

	if (!db_count_dialogs(r, capture_id, &dialogs, &doomed))
		return -1;
	return doomed > INT32_MAX ? INT32_MAX : (int)doomed;
}
