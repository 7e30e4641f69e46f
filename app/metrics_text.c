/* metrics_text: the metric table and the text exposition format.
 *
 * Prometheus text format 0.0.4: per family one "# HELP", one "# TYPE" line,
 * then one sample line per label value ("name{label="value"} 12").  Label
 * values come from the code's own name tables (finding codes, event kinds),
 * never from the wire, so they need no escaping beyond what the names are.
 * Every label value is always present (0 until it happens): a rate() over a
 * series that appears late misses its first increase. */
#include "app/metrics_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE };

struct metrics_def {
	const char *name;
	enum metrics_type type;
	const char *help;
	size_t offset;       /* of the first uint64_t in struct metrics_snapshot */
	size_t n;            /* values: 1 = no label */
	const char *label;   /* the label's name when n > 1 */
	const char *(*label_value)(size_t i);
	double scale;        /* value = field * scale (0 = 1) */
};

static const char *metrics_drop_where_name(size_t i)
{
	return i == METRICS_DROP_KERNEL ? "kernel" : "queue";
}

static const char *metrics_parse_stage_name(size_t i)
{
	return i == METRICS_PARSE_DECODE ? "decode" : "sip";
}

static const char *metrics_code_name(size_t i)
{
	return finding_code_name((enum finding_code)i);
}

static const char *metrics_event_name(size_t i)
{
	return event_kind_name((enum event_kind)i);
}

#define METRICS_FIELD(f) offsetof(struct metrics_snapshot, f), 1, NULL, NULL
#define METRICS_ARRAY(f, label, fn) \
	offsetof(struct metrics_snapshot, f), sizeof(((struct metrics_snapshot *)0)->f) / sizeof(uint64_t), label, fn

static const struct metrics_def metrics_text_defs[] = {
	{"sipwatch_packets_total", METRICS_COUNTER, "Packets captured (read from the file or the interface).",
	 METRICS_FIELD(packets), 0},
	{"sipwatch_sip_messages_total", METRICS_COUNTER, "SIP messages decoded and analysed.",
	 METRICS_FIELD(sip_messages), 0},
	{"sipwatch_parse_errors_total", METRICS_COUNTER,
	 "Packets that did not decode (stage=decode: link/IP/UDP/TCP) or were not usable SIP (stage=sip).",
	 METRICS_ARRAY(parse_errors, "stage", metrics_parse_stage_name), 0},
	{"sipwatch_duplicates_total", METRICS_COUNTER, "Mirror duplicates dropped.",
	 METRICS_FIELD(duplicates), 0},
	{"sipwatch_retransmissions_total", METRICS_COUNTER, "SIP retransmissions seen.",
	 METRICS_FIELD(retransmissions), 0},
	{"sipwatch_dropped_packets_total", METRICS_COUNTER,
	 "Packets lost live: by the kernel (where=kernel) or because the analyzer was behind (where=queue).",
	 METRICS_ARRAY(dropped, "where", metrics_drop_where_name), 0},
	{"sipwatch_encrypted_packets_total", METRICS_COUNTER, "Packets on SIP ports that were encrypted (TLS).",
	 METRICS_FIELD(encrypted), 0},
	{"sipwatch_tls_sessions_total", METRICS_COUNTER, "TLS connections decrypted, or seen on SIP/TLS ports.",
	 METRICS_FIELD(tls_sessions), 0},
	{"sipwatch_tls_decrypted_total", METRICS_COUNTER, "TLS connections opened with a key.",
	 METRICS_FIELD(tls_decrypted), 0},
	{"sipwatch_tls_undecrypted_total", METRICS_COUNTER,
	 "TLS connections with protected records sipwatch had no (right) key for.",
	 METRICS_FIELD(tls_no_keys), 0},
	{"sipwatch_dialogs_total", METRICS_COUNTER, "INVITE dialogs seen.", METRICS_FIELD(dialogs_total), 0},
	{"sipwatch_dialogs_active", METRICS_GAUGE, "INVITE dialogs in memory now.",
	 METRICS_FIELD(dialogs_active), 0},
	{"sipwatch_dialogs_doomed", METRICS_GAUGE, "Dialogs in memory that are doomed now.",
	 METRICS_FIELD(dialogs_doomed), 0},
	{"sipwatch_dialogs_evicted_total", METRICS_COUNTER, "Dialogs written out early (--max-dialogs).",
	 METRICS_FIELD(dialogs_evicted), 0},
	{"sipwatch_findings_total", METRICS_COUNTER, "Findings, by finding code.",
	 METRICS_ARRAY(findings, "code", metrics_code_name), 0},
	{"sipwatch_doomed_total", METRICS_COUNTER, "Dialogs doomed, by the code of the finding that doomed them.",
	 METRICS_ARRAY(doomed, "code", metrics_code_name), 0},
	{"sipwatch_events_total", METRICS_COUNTER, "Events (as in --events), by kind.",
	 METRICS_ARRAY(events, "event", metrics_event_name), 0},
	{"sipwatch_timer_teardowns_total", METRICS_COUNTER, "Calls torn down by their session timer.",
	 offsetof(struct metrics_snapshot, events) + EVENT_TEARDOWN * sizeof(uint64_t), 1, NULL, NULL, 0},
	{"sipwatch_db_write_lag_seconds", METRICS_GAUGE,
	 "Seconds since the database's last commit while records wait for the next one (0: none wait).",
	 METRICS_FIELD(db_write_lag_us), 1e-6},
	{"sipwatch_db_pending_records", METRICS_GAUGE, "Records queued for the database, not yet committed.",
	 METRICS_FIELD(db_pending_records), 0},
	{"sipwatch_db_commits_total", METRICS_COUNTER, "Database transactions committed.",
	 METRICS_FIELD(db_commits), 0},
	{"sipwatch_db_write_failures_total", METRICS_COUNTER,
	 "Database write failures (sticky: after one, nothing more is written).",
	 METRICS_FIELD(db_write_failures), 0},
	{"sipwatch_hep_sent_total", METRICS_COUNTER, "HEP packets sent to the collector (--hep-send).",
	 METRICS_FIELD(hep_sent), 0},
	{"sipwatch_hep_dropped_total", METRICS_COUNTER,
	 "HEP packets dropped: the send queue was full or the collector unreachable.",
	 METRICS_FIELD(hep_dropped), 0},
	{"sipwatch_hep_send_errors_total", METRICS_COUNTER, "HEP send or connect errors.",
	 METRICS_FIELD(hep_send_errors), 0},
	{"sipwatch_hep_connects_total", METRICS_COUNTER, "HEP TCP connections established.",
	 METRICS_FIELD(hep_connects), 0},
	{"sipwatch_start_time_seconds", METRICS_GAUGE, "When this sipwatch started (seconds since the epoch).",
	 METRICS_FIELD(start_time_us), 1e-6},
};

struct metrics_buf {
	char *p;
	size_t len, cap;
};

static void metrics_put(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;

	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap *= 2;
		b->p = xrealloc(b->p, b->cap);
	}
}

static void metrics_value(struct metrics_buf *b, const struct metrics_def *d, uint64_t v)
{
	if (d->scale != 0)
		metrics_put(b, " %.6f\n", (double)v * d->scale);
	else
		metrics_put(b, " %llu\n", (unsigned long long)v);
}

char *metrics_text_render(const struct metrics_snapshot *s, size_t *len)
{
	struct metrics_buf b = {xmalloc(8192), 0, 8192};
	const unsigned char *base = (const unsigned char *)s;

	b.p[0] = '\0';
	for (size_t i = 0; i < sizeof metrics_text_defs / sizeof metrics_text_defs[0]; i++) {
		const struct metrics_def *d = &metrics_text_defs[i];
		const uint64_t *v = (const uint64_t *)(const void *)(base + d->offset);
		metrics_put(&b, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name,
			    d->type == METRICS_COUNTER ? "counter" : "gauge");
		for (size_t k = 0; k < d->n; k++) {
			if (d->n == 1)
				metrics_put(&b, "%s", d->name);
			else
				metrics_put(&b, "%s{%s=\"%s\"}", d->name, d->label, d->label_value(k));
			metrics_value(&b, d, v[k]);
		}
	}
	*len = b.len;
	return b.p;
}
