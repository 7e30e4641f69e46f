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
 * control character as \u00XX, so the output is valid JSON whatever the wire
 * carried.  NUL and each ill-formed UTF-8 byte become the text \xHH (JSON
 * "\\xHH"), the rule of the db's text columns (common/utf8.h): the string a
 * JSON parser returns is the one sqlite3 shows, whether it came from the db
 * (the report) or straight from the analyzer (--events).  C1 controls, bidi overrides and
 * U+2028/2029 are escaped too: legal raw in JSON, but a terminal showing the
 * report would act on them (and JavaScript chokes on the last two). */
#include "ui/report.h"

#include <string.h>

#include "common/utf8.h"

/* Output goes through a buffer of our own, handed to stdio one fwrite at a
 * time: the report writes tens of fields a dialog, and a stdio call (with its
 * lock) or a printf per field was most of its cost. */
#define JBUF_SIZE 8192

struct jbuf {
	FILE *out;
	size_t n;
	char b[JBUF_SIZE];
};

#define REPORT_JSON_METHODS 32

struct report_json {
	struct jbuf jb;
	struct db_reader *r;
	uint64_t end_classes[END_REPLACED + 1];
	uint64_t codes[FINDING_CODE_COUNT];
	size_t n; /* items written in the current array */
	bool failed;
	/* entries outside INVITE dialogs per method (REGISTER, OPTIONS ...) */
	struct {
		char name[24];
		uint64_t count;
	} other[REPORT_JSON_METHODS];
	size_t n_other;
	uint64_t other_total;
};

static void jb_init(struct jbuf *j, FILE *out)
{
	j->out = out;
	j->n = 0;
}

static void jb_flush(struct jbuf *j)
{
	if (j->n)
		fwrite(j->b, 1, j->n, j->out);
	j->n = 0;
}

static void jb_put(struct jbuf *j, const char *s, size_t n)
{
	if (n > JBUF_SIZE - j->n) {
		jb_flush(j);
		if (n > JBUF_SIZE) {
			fwrite(s, 1, n, j->out);
			return;
		}
	}
	memcpy(j->b + j->n, s, n);
	j->n += n;
}

static void jb_putc(struct jbuf *j, char c)
{
	if (j->n == JBUF_SIZE)
		jb_flush(j);
	j->b[j->n++] = c;
}

static void jb_puts(struct jbuf *j, const char *s)
{
	jb_put(j, s, strlen(s));
}

/* v in decimal, as "%" PRIu64 prints it. */
static void jb_u64(struct jbuf *j, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_put(j, tmp + i, sizeof tmp - i);
}

/* v in decimal, as "%" PRId64 prints it. */
static void jb_i64(struct jbuf *j, int64_t v)
{
	if (v < 0) {
		jb_putc(j, '-');
		jb_u64(j, (uint64_t)-(v + 1) + 1); /* INT64_MIN too */
	} else {
		jb_u64(j, (uint64_t)v);
	}
}

/* Bytes that go out as they are: printable ASCII but the quote and the backslash. */
static inline bool jb_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static bool report_json_escaped_cp(uint32_t cp)
{
	return cp < 0x20 || cp == '"' || cp == '\\' || (cp >= 0x7f && cp <= 0x9f) ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* s[0..n) as a JSON string; NULL → null.  Runs of plain ASCII are scanned a
 * byte at a time and copied in one go; only bytes above 0x7f are decoded as
 * UTF-8, and only what must be escaped breaks a run. */
static void jb_string(struct jbuf *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0; /* run: start of the bytes not yet copied */

	if (!s) {
		jb_put(j, "null", 4);
		return;
	}
	jb_putc(j, '"');
	while (i < n) {
		while (i < n && jb_plain(u[i]))
			i++;
		if (i == n)
			break;
		uint32_t cp = u[i];
		size_t used = 1;
		bool bad = cp == 0;
		if (cp >= 0x80) {
			int r = utf8_decode(s + i, n - i, &cp);
			bad = r < 0; /* one byte at a time: the rest are continuation bytes */
			used = bad ? 1 : (size_t)r;
			if (!bad && !report_json_escaped_cp(cp)) {
				i += used;
				continue;
			}
		}
		jb_put(j, s + run, i - run);
		if (bad) {
			char e[5] = {'\\', '\\', 'x', hex[u[i] >> 4], hex[u[i] & 0xf]};
			jb_put(j, e, 5);
		} else if (cp == '"' || cp == '\\') {
			char e[2] = {'\\', (char)cp};
			jb_put(j, e, 2);
		} else { /* every escaped code point is below 0x10000 */
			char e[6] = {'\\', 'u', hex[cp >> 12 & 0xf], hex[cp >> 8 & 0xf],
				     hex[cp >> 4 & 0xf], hex[cp & 0xf]};
			jb_put(j, e, 6);
		}
		i += used;
		run = i;
	}
	jb_put(j, s + run, n - run);
	jb_putc(j, '"');
}

static void jb_cstr(struct jbuf *j, const char *s)
{
	jb_string(j, s, s ? strlen(s) : 0);
}

/* Microseconds as seconds with exactly six decimals, in integers (no
 * rounding through a double); TS_NONE → null. */
static void jb_ts(struct jbuf *j, int64_t us)
{
	if (us == TS_NONE) {
		jb_put(j, "null", 4);
		return;
	}
	int64_t sec = us / USEC_PER_SEC, frac = us % USEC_PER_SEC;
	if (frac < 0) {
		frac += USEC_PER_SEC;
		sec -= 1;
	}
	char f[7] = {'.'};
	for (int k = 6; k >= 1; k--) {
		f[k] = (char)('0' + frac % 10);
		frac /= 10;
	}
	jb_i64(j, sec);
	jb_put(j, f, sizeof f);
}

void report_json_string(FILE *out, const char *s, size_t n)
{
	struct jbuf j;

	jb_init(&j, out);
	jb_string(&j, s, n);
	jb_flush(&j);
}

void report_json_cstr(FILE *out, const char *s)
{
	report_json_string(out, s, s ? strlen(s) : 0);
}

void report_json_ts(FILE *out, int64_t us)
{
	struct jbuf j;

	jb_init(&j, out);
	jb_ts(&j, us);
	jb_flush(&j);
}

static void report_json_key(struct jbuf *out, const char *key)
{
	jb_cstr(out, key);
	jb_put(out, ": ", 2);
}

static void report_json_u64(struct jbuf *out, const char *key, uint64_t v, const char *sep)
{
	report_json_key(out, key);
	jb_u64(out, v);
	jb_puts(out, sep);
}

static void report_json_str(struct jbuf *out, const char *key, const char *v, const char *sep)
{
	report_json_key(out, key);
	jb_cstr(out, v && *v ? v : NULL);
	jb_puts(out, sep);
}

static void report_json_time(struct jbuf *out, const char *key, int64_t ts, const char *sep)
{
	report_json_key(out, key);
	jb_ts(out, ts);
	jb_puts(out, sep);
}

/* Seconds that may be absent (-1). */
static void report_json_secs(struct jbuf *out, const char *key, int64_t v, const char *sep)
{
	report_json_key(out, key);
	if (v < 0)
		jb_put(out, "null", 4);
	else
		jb_i64(out, v);
	jb_puts(out, sep);
}

static void report_json_bool(struct jbuf *out, const char *key, bool v, const char *sep)
{
	report_json_key(out, key);
	jb_puts(out, v ? "true" : "false");
	jb_puts(out, sep);
}

/* "encapsulations": {"vxlan": 12, ...}: the capture's counters under prefix. */
static void report_json_counts(struct jbuf *out, const struct capture_info *c, const char *key,
			       const char *prefix)
{
	size_t plen = strlen(prefix);
	bool first = true;

	report_json_key(out, key);
	jb_puts(out, "{");
	for (size_t i = 0; i < c->n_counts; i++) {
		if (strncmp(c->counts[i].name, prefix, plen) != 0)
			continue;
		if (!first)
			jb_puts(out, ", ");
		first = false;
		report_json_u64(out, c->counts[i].name + plen, c->counts[i].value, "");
	}
	jb_puts(out, "}");
}

static void report_json_capture(struct jbuf *out, const struct capture_info *c)
{
	jb_puts(out, "  \"capture\": {");
	report_json_str(out, "source", c->source, ", ");
	report_json_str(out, "kind", c->kind, ", ");
	report_json_u64(out, "packets", c->packets, ", ");
	report_json_u64(out, "sip_messages", c->sip_messages, ", ");
	report_json_u64(out, "parse_errors", c->parse_errors, ", ");
	report_json_u64(out, "duplicates", c->duplicates, ", ");
	report_json_u64(out, "dropped", c->dropped, ", ");
	report_json_u64(out, "encrypted", c->encrypted, ", ");
	report_json_u64(out, "tls_sessions", c->tls_sessions, ", ");
	report_json_u64(out, "tls_decrypted", c->tls_decrypted, ", ");
	report_json_u64(out, "tls_no_keys", c->tls_no_keys, ", ");
	report_json_u64(out, "hep_packets", c->hep_packets, ", ");
	report_json_u64(out, "hep_errors", c->hep_errors, ", ");
	report_json_u64(out, "hep_auth_failed", c->hep_auth_failed, ", ");
	report_json_u64(out, "hep_tcp_closed", c->hep_tcp_closed, ", ");
	report_json_time(out, "first_ts", c->started, ", ");
	report_json_time(out, "last_ts", c->ended, ", ");
	report_json_counts(out, c, "encapsulations", CAPTURE_COUNT_ENCAP);
	jb_puts(out, ", ");
	report_json_counts(out, c, "not_decoded", CAPTURE_COUNT_NOT_DECODED);
	jb_puts(out, ", ");
	report_json_u64(out, "keepalives", capture_info_count(c, CAPTURE_COUNT_KEEPALIVES), ", ");
	report_json_u64(out, "bad_content_length", capture_info_count(c, CAPTURE_COUNT_BAD_CLEN),
			"},\n");
}

static void report_json_count_class(void *ctx, const char *name, uint64_t count)
{
	struct report_json *j = ctx;

	for (int e = END_NORMAL_BYE; e <= END_REPLACED; e++)
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

static void report_json_count_other(void *ctx, const char *name, uint64_t count)
{
	struct report_json *j = ctx;

	j->other_total += count;
	if (j->n_other < REPORT_JSON_METHODS) {
		snprintf(j->other[j->n_other].name, sizeof j->other[j->n_other].name, "%s", name);
		j->other[j->n_other++].count = count;
	}
}

static bool report_json_summary(struct report_json *j, uint64_t capture_id)
{
	uint64_t dialogs, doomed;
	struct jbuf *out = &j->jb;

	if (!db_count_dialogs(j->r, capture_id, &dialogs, &doomed) ||
	    db_count_end_classes(j->r, capture_id, report_json_count_class, j) < 0 ||
	    db_count_finding_codes(j->r, capture_id, report_json_count_code, j) < 0 ||
	    db_count_other_dialogs(j->r, capture_id, report_json_count_other, j) < 0)
		return false;
	jb_puts(out, "  \"summary\": {");
	report_json_u64(out, "dialogs", dialogs, ", ");
	report_json_u64(out, "doomed", doomed, ",\n    ");
	report_json_key(out, "by_end_class");
	jb_putc(out, '{');
	for (int e = END_NORMAL_BYE; e <= END_REPLACED; e++)
		report_json_u64(out, end_class_name((enum end_class)e), j->end_classes[e],
				e == END_REPLACED ? "}" : ", ");
	jb_puts(out, ",\n    ");
	report_json_key(out, "by_code");
	jb_putc(out, '{');
	for (int c = 0; c < FINDING_CODE_COUNT; c++)
		report_json_u64(out, finding_code_name((enum finding_code)c), j->codes[c],
				c == FINDING_CODE_COUNT - 1 ? "}" : ", ");
	/* added: the entries outside INVITE dialogs, apart from "dialogs" */
	jb_puts(out, ",\n    ");
	report_json_u64(out, "other_dialogs", j->other_total, ", ");
	report_json_key(out, "other_by_method");
	jb_putc(out, '{');
	for (size_t i = 0; i < j->n_other; i++)
		report_json_u64(out, j->other[i].name, j->other[i].count,
				i + 1 == j->n_other ? "" : ", ");
	jb_puts(out, "}},\n");
	return true;
}

static void report_json_endpoint(void *ctx, const struct endpoint_record *e)
{
	struct report_json *j = ctx;
	struct jbuf *out = &j->jb;

	jb_puts(out, j->n++ ? ",\n    {" : "\n    {");
	report_json_str(out, "endpoint", e->endpoint, ", ");
	report_json_str(out, "agent", e->agent, ", ");
	report_json_u64(out, "refresh_answers_ok", e->refresh_answers_ok, ", ");
	report_json_u64(out, "malformed", e->malformed, ", ");
	report_json_u64(out, "lost", e->lost, ", ");
	report_json_u64(out, "rejected", e->rejected, ", ");
	report_json_u64(out, "accepted", e->accepted, ", ");
	report_json_u64(out, "fatal", e->fatal, "}");
}

static void report_json_finding(void *ctx, const struct finding_record *f)
{
	struct report_json *j = ctx;
	struct jbuf *out = &j->jb;

	jb_puts(out, j->n++ ? ",\n        {" : "\n        {");
	report_json_str(out, "code", finding_code_name(f->code), ", ");
	report_json_str(out, "severity", severity_name(f->severity), ", ");
	report_json_time(out, "ts", f->ts_us, ", ");
	report_json_str(out, "endpoint", f->endpoint, ", ");
	report_json_str(out, "detail", f->detail, "}");
}

static void report_json_dialog(void *ctx, const struct dialog_record *d)
{
	struct report_json *j = ctx;
	struct jbuf *out = &j->jb;
	const char *end = end_class_name(d->end_class);
	size_t n_dialogs = j->n;

	jb_puts(out, n_dialogs ? ",\n    {" : "\n    {");
	report_json_str(out, "method", d->method ? d->method : "INVITE", ", ");
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
	report_json_bool(out, "at_risk", d->at_risk, ", ");
	report_json_time(out, "at_risk_at", d->at_risk_at, ", ");
	/* Not ended when the report was made (a live capture still running). */
	report_json_str(out, "end_class", end ? end : "ACTIVE", ",\n      ");
	report_json_key(out, "findings");
	jb_putc(out, '[');
	j->n = 0;
	if (db_each_finding(j->r, d->id, report_json_finding, j) < 0)
		j->failed = true;
	jb_puts(out, j->n ? "\n      ]}" : "]}");
	j->n = n_dialogs + 1;
}

/* An entry outside INVITE dialogs: what it is and how it ended. */
static void report_json_other(void *ctx, const struct dialog_record *d)
{
	struct report_json *j = ctx;
	struct jbuf *out = &j->jb;

	jb_puts(out, j->n++ ? ",\n    {" : "\n    {");
	report_json_str(out, "method", d->method, ", ");
	report_json_str(out, "call_id", d->call_id, ", ");
	report_json_str(out, "from", d->from_uri, ", ");
	report_json_str(out, "to", d->to_uri, ",\n      ");
	report_json_str(out, "from_tag", d->from_tag, ", ");
	report_json_str(out, "to_tag", d->to_tag, ", ");
	report_json_str(out, "caller_ua", d->caller_ua, ", ");
	report_json_str(out, "callee_ua", d->callee_ua, ",\n      ");
	report_json_str(out, "transport", transport_name(d->transport), ", ");
	report_json_time(out, "created", d->created, ", ");
	report_json_time(out, "established", d->established, ", ");
	report_json_time(out, "ended", d->ended, ",\n      ");
	report_json_str(out, "state", d->state, ", ");
	if (d->final_status > 0)
		report_json_u64(out, "final_status", (uint64_t)d->final_status, ", ");
	else
		jb_puts(out, "\"final_status\": null, ");
	report_json_u64(out, "messages", d->n_messages, "}");
}

int report_json(FILE *out, struct db_reader *r, uint64_t capture_id)
{
	struct report_json j = {.r = r};
	struct capture_info c;
	uint64_t id = 0;
	struct jbuf *jb = &j.jb;
	bool ok;

	jb_init(jb, out);
	ok = db_reader_begin(r) && db_read_capture(r, capture_id, &id, &c);
	if (ok) {
		jb_puts(jb, "{\n");
		report_json_capture(jb, &c);
		ok = report_json_summary(&j, id);
	}
	if (ok) {
		jb_puts(jb, "  \"endpoints\": [");
		j.n = 0;
		ok = db_each_endpoint(r, id, report_json_endpoint, &j) >= 0;
		jb_puts(jb, j.n ? "\n  ],\n" : "],\n");
	}
	if (ok) {
		jb_puts(jb, "  \"dialogs\": [");
		j.n = 0;
		ok = db_each_dialog(r, id, report_json_dialog, &j) >= 0 && !j.failed;
		jb_puts(jb, j.n ? "\n  ],\n" : "],\n");
	}
	if (ok) {
		/* added after "dialogs", which stays the INVITE dialogs */
		jb_puts(jb, "  \"other_dialogs\": [");
		j.n = 0;
		ok = db_each_dialog_of(r, id, DB_DIALOGS_OTHER, report_json_other, &j) >= 0;
		jb_puts(jb, j.n ? "\n  ]\n}\n" : "]\n}\n");
	}
	db_reader_end(r);
	jb_flush(jb);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return ok ? 0 : -1;
}
