/* report_json: `--report json`, exactly the object of contract.md.
 *
 *   capture   the captures row
 *   summary   dialogs, doomed, by_end_class (every class, zeros included),
 *             by_code (every finding code, zeros included): stable keys for jq
 *   endpoints per-endpoint refresh answers, by endpoint
 *   dialogs   every dialog of the capture by created, each with its findings
 *             by ts
 *
 * Times are seconds with 6 decimals from the packets' timestamps, absent =
 * null.  Strings are escaped here (RFC 8259 §7): quote, backslash and every
 * control character as \u00XX, invalid UTF-8 as \ufffd, so the output is
 * valid JSON whatever the wire carried.  C1 controls, bidi overrides and
 * U+2028/2029 are escaped too: legal raw in JSON, but a terminal showing the
 * report would act on them (and JavaScript chokes on the last two). */
#include "ui/report.h"

#include <inttypes.h>
#include <string.h>

#include "ui/sanitize.h"

struct report_json {
	FILE *out;
	struct db_reader *r;
	uint64_t end_classes[END_EVICTED + 1];
	uint64_t codes[FINDING_CODE_COUNT];
	size_t n; /* items written in the current array */
	bool failed;
};

static bool report_json_escaped_cp(uint32_t cp)
{
	return cp < 0x20 || cp == '"' || cp == '\\' || (cp >= 0x7f && cp <= 0x9f) ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* s[0..n) as a JSON string; NULL → null.  Plain runs go out with one fwrite. */
void report_json_string(FILE *out, const char *s, size_t n)
{
	size_t run = 0;

	if (!s) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int r = sanitize_utf8_decode(s + i, n - i, &cp);
		size_t used = (size_t)(r < 0 ? -r : r);
		if (r > 0 && !report_json_escaped_cp(cp)) {
			run += used;
			i += used;
			continue;
		}
		fwrite(s + i - run, 1, run, out);
		run = 0;
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else
			fprintf(out, "\\u%04" PRIx32, cp);
		i += used;
	}
	fwrite(s + n - run, 1, run, out);
	putc('"', out);
}

void report_json_cstr(FILE *out, const char *s)
{
	report_json_string(out, s, s ? strlen(s) : 0);
}

/* Microseconds as seconds with exactly six decimals, in integers (no
 * rounding through a double); TS_NONE → null. */
void report_json_ts(FILE *out, int64_t us)
{
	if (us == TS_NONE) {
		fputs("null", out);
		return;
	}
	int64_t sec = us / USEC_PER_SEC, frac = us % USEC_PER_SEC;
	if (frac < 0) {
		frac += USEC_PER_SEC;
		sec -= 1;
	}
	fprintf(out, "%" PRId64 ".%06" PRId64, sec, frac);
}

static void report_json_key(FILE *out, const char *key)
{
	report_json_cstr(out, key);
	fputs(": ", out);
}

static void report_json_u64(FILE *out, const char *key, uint64_t v, const char *sep)
{
	report_json_key(out, key);
	fprintf(out, "%" PRIu64 "%s", v, sep);
}

static void report_json_str(FILE *out, const char *key, const char *v, const char *sep)
{
	report_json_key(out, key);
	report_json_cstr(out, v && *v ? v : NULL);
	fputs(sep, out);
}

static void report_json_time(FILE *out, const char *key, int64_t ts, const char *sep)
{
	report_json_key(out, key);
	report_json_ts(out, ts);
	fputs(sep, out);
}

/* Seconds that may be absent (-1). */
static void report_json_secs(FILE *out, const char *key, int64_t v, const char *sep)
{
	report_json_key(out, key);
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%" PRId64, v);
	fputs(sep, out);
}

static void report_json_bool(FILE *out, const char *key, bool v, const char *sep)
{
	report_json_key(out, key);
	fprintf(out, "%s%s", v ? "true" : "false", sep);
}

static void report_json_capture(FILE *out, const struct capture_info *c)
{
	fputs("  \"capture\": {", out);
	report_json_str(out, "source", c->source, ", ");
	report_json_str(out, "kind", c->kind, ", ");
	report_json_u64(out, "packets", c->packets, ", ");
	report_json_u64(out, "sip_messages", c->sip_messages, ", ");
	report_json_u64(out, "parse_errors", c->parse_errors, ", ");
	report_json_u64(out, "duplicates", c->duplicates, ", ");
	report_json_u64(out, "dropped", c->dropped, ", ");
	report_json_u64(out, "encrypted", c->encrypted, ", ");
	report_json_time(out, "first_ts", c->started, ", ");
	report_json_time(out, "last_ts", c->ended, "},\n");
}

static void report_json_count_class(void *ctx, const char *name, uint64_t count)
{
	struct report_json *j = ctx;

	for (int e = END_NORMAL_BYE; e <= END_EVICTED; e++)
		if (strcmp(name, end_class_name((enum end_class)e)) == 0)
			j->end_classes[e] += count;
}

static void report_json_count_code(void *ctx, const char *name, uint64_t count)
{
	struct report_json *j = ctx;
	enum finding_code c;

	if (finding_code_from_name(name, &c))
		j->codes[c] += count;
}

static bool report_json_summary(struct report_json *j, uint64_t capture_id)
{
	uint64_t dialogs, doomed;
	FILE *out = j->out;

	if (!db_count_dialogs(j->r, capture_id, &dialogs, &doomed) ||
	    db_count_end_classes(j->r, capture_id, report_json_count_class, j) < 0 ||
	    db_count_finding_codes(j->r, capture_id, report_json_count_code, j) < 0)
		return false;
	fputs("  \"summary\": {", out);
	report_json_u64(out, "dialogs", dialogs, ", ");
	report_json_u64(out, "doomed", doomed, ",\n    ");
	report_json_key(out, "by_end_class");
	putc('{', out);
	for (int e = END_NORMAL_BYE; e <= END_EVICTED; e++)
		report_json_u64(out, end_class_name((enum end_class)e), j->end_classes[e],
				e == END_EVICTED ? "}" : ", ");
	fputs(",\n    ", out);
	report_json_key(out, "by_code");
	putc('{', out);
	for (int c = 0; c < FINDING_CODE_COUNT; c++)
		report_json_u64(out, finding_code_name((enum finding_code)c), j->codes[c],
				c == FINDING_CODE_COUNT - 1 ? "}" : ", ");
	fputs("},\n", out);
	return true;
}

static void report_json_endpoint(void *ctx, const struct endpoint_record *e)
{
	struct report_json *j = ctx;
	FILE *out = j->out;

	fputs(j->n++ ? ",\n    {" : "\n    {", out);
	report_json_str(out, "endpoint", e->endpoint, ", ");
	report_json_str(out, "agent", e->agent, ", ");
	report_json_u64(out, "refresh_answers_ok", e->refresh_answers_ok, ", ");
	report_json_u64(out, "malformed", e->malformed, ", ");
	report_json_u64(out, "lost", e->lost, ", ");
	report_json_u64(out, "rejected", e->rejected, "}");
}

static void report_json_finding(void *ctx, const struct finding_record *f)
{
	struct report_json *j = ctx;
	FILE *out = j->out;

	fputs(j->n++ ? ",\n        {" : "\n        {", out);
	report_json_str(out, "code", finding_code_name(f->code), ", ");
	report_json_str(out, "severity", severity_name(f->severity), ", ");
	report_json_time(out, "ts", f->ts_us, ", ");
	report_json_str(out, "endpoint", f->endpoint, ", ");
	report_json_str(out, "detail", f->detail, "}");
}

static void report_json_dialog(void *ctx, const struct dialog_record *d)
{
	struct report_json *j = ctx;
	FILE *out = j->out;
	const char *end = end_class_name(d->end_class);
	size_t n_dialogs = j->n;

	fputs(n_dialogs ? ",\n    {" : "\n    {", out);
	report_json_str(out, "call_id", d->call_id, ", ");
	report_json_str(out, "from", d->from_uri, ", ");
	report_json_str(out, "to", d->to_uri, ", ");
	report_json_str(out, "from_tag", d->from_tag, ", ");
	report_json_str(out, "to_tag", d->to_tag, ",\n      ");
	report_json_str(out, "caller_ua", d->caller_ua, ", ");
	report_json_str(out, "callee_ua", d->callee_ua, ", ");
	report_json_str(out, "transport", transport_name(d->transport), ",\n      ");
	report_json_time(out, "created", d->created, ", ");
	report_json_time(out, "established", d->established, ", ");
	report_json_time(out, "ended", d->ended, ",\n      ");
	report_json_secs(out, "session_expires", d->session_expires, ", ");
	report_json_secs(out, "min_se", d->min_se, ", ");
	report_json_str(out, "refresher", dialog_refresher_name(d->refresher), ",\n      ");
	report_json_u64(out, "refreshes_ok", d->refreshes_ok, ", ");
	report_json_u64(out, "refreshes_failed", d->refreshes_failed, ", ");
	report_json_time(out, "last_refresh", d->last_refresh, ",\n      ");
	report_json_time(out, "deadline", d->deadline, ", ");
	report_json_time(out, "teardown_expected", d->teardown_expected, ",\n      ");
	report_json_bool(out, "doomed", d->doomed, ", ");
	report_json_time(out, "doomed_at", d->doomed_at, ", ");
	report_json_bool(out, "recovered", d->recovered, ", ");
	/* Not ended when the report was made (a live capture still running). */
	report_json_str(out, "end_class", end ? end : "ACTIVE", ",\n      ");
	report_json_key(out, "findings");
	putc('[', out);
	j->n = 0;
	if (db_each_finding(j->r, d->id, report_json_finding, j) < 0)
		j->failed = true;
	fputs(j->n ? "\n      ]}" : "]}", out);
	j->n = n_dialogs + 1;
}

int report_json(FILE *out, struct db_reader *r, uint64_t capture_id)
{
	struct report_json j = {.out = out, .r = r};
	struct capture_info c;
	uint64_t id = 0;
	bool ok = db_reader_begin(r) && db_read_capture(r, capture_id, &id, &c);

	if (ok) {
		fputs("{\n", out);
		report_json_capture(out, &c);
		ok = report_json_summary(&j, id);
	}
	if (ok) {
		fputs("  \"endpoints\": [", out);
		j.n = 0;
		ok = db_each_endpoint(r, id, report_json_endpoint, &j) >= 0;
		fputs(j.n ? "\n  ],\n" : "],\n", out);
	}
	if (ok) {
		fputs("  \"dialogs\": [", out);
		j.n = 0;
		ok = db_each_dialog(r, id, report_json_dialog, &j) >= 0 && !j.failed;
		fputs(j.n ? "\n  ]\n}\n" : "]\n}\n", out);
	}
	db_reader_end(r);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return ok ? 0 : -1;
}
