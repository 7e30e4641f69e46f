/* syslog_out: events as syslog lines with RFC 5424 structured data.
 *
 * syslog(3) writes to /dev/log (rsyslog, syslog-ng or journald take it from
 * there); LOG_NDELAY opens the socket at once, before -Z drops root, and
 * glibc reconnects by itself when the daemon restarts.  A line looks like
 *
 *   [sipwatch@32473 event="doomed" call_id="a84b4c76e66710" code="REFRESH_2XX_NO_CONTACT"
 *    severity="doom" endpoint="192.0.2.4:5060" teardown_expected="2026-12-03T06:00:00.000000Z"]
 *    REFRESH_2XX_NO_CONTACT: ...detail...
 *
 * 32473 is the enterprise number RFC 5612 sets aside for examples: sipwatch
 * has none of its own, and an SD-ID with '@' needs one. */
#include "app/syslog_out.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#define SYSLOG_OUT_LINE_MAX 2048

static const struct {
	const char *name;
	int value;
} syslog_out_facilities[] = {
	{"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},     {"daemon", LOG_DAEMON},
	{"ftp", LOG_FTP},       {"kern", LOG_KERN},         {"lpr", LOG_LPR},       {"mail", LOG_MAIL},
	{"news", LOG_NEWS},     {"syslog", LOG_SYSLOG},     {"user", LOG_USER},     {"uucp", LOG_UUCP},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
	{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},     {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

bool syslog_out_facility(const char *name, int *out)
{
	for (size_t i = 0; i < sizeof syslog_out_facilities / sizeof syslog_out_facilities[0]; i++) {
		if (strcasecmp(name, syslog_out_facilities[i].name) == 0) {
			if (out)
				*out = syslog_out_facilities[i].value;
			return true;
		}
	}
	return false;
}

void syslog_out_open(int facility)
{
	openlog("sipwatch", LOG_PID | LOG_NDELAY, facility);
}

void syslog_out_close(void)
{
	closelog();
}

struct syslog_out_buf {
	char *p;
	size_t n, len;
};

static void syslog_out_putc(struct syslog_out_buf *b, char c)
{
	if (b->len + 1 < b->n)
		b->p[b->len++] = c;
}

static void syslog_out_puts(struct syslog_out_buf *b, const char *s)
{
	while (*s)
		syslog_out_putc(b, *s++);
}

/* RFC 5424 6.3.3: in a PARAM-VALUE, '"', '\' and ']' are escaped with '\'.
 * The value may come from the wire (Call-ID, detail quoting headers): control
 * bytes and non-ASCII become '?', so a line stays one line a terminal shows
 * as it is.  sd = false: the free-text MSG part, where nothing is escaped. */
static void syslog_out_text(struct syslog_out_buf *b, const char *s, bool sd)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (sd && (c == '"' || c == '\\' || c == ']'))
			syslog_out_putc(b, '\\');
		syslog_out_putc(b, c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
}

static void syslog_out_param(struct syslog_out_buf *b, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	syslog_out_putc(b, ' ');
	syslog_out_puts(b, name);
	syslog_out_puts(b, "=\"");
	syslog_out_text(b, value, true);
	syslog_out_putc(b, '"');
}

/* RFC 3339 in UTC with microseconds, as RFC 5424's TIMESTAMP. */
static void syslog_out_time(char *out, size_t n, int64_t ts_us)
{
	time_t sec = (time_t)(ts_us / 1000000);
	long usec = (long)(ts_us % 1000000);
	struct tm tm;
	char day[32];

	if (usec < 0) {
		sec--;
		usec += 1000000;
	}
	gmtime_r(&sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%06ldZ", day, usec);
}

size_t syslog_out_format(char *buf, size_t n, const struct event_record *ev)
{
	struct syslog_out_buf b = {buf, n, 0};
	const struct dialog_record *d = ev->dialog;
	const struct finding_record *f = ev->finding;
	char t[48];

	syslog_out_puts(&b, "[sipwatch@32473");
	syslog_out_param(&b, "event", event_kind_name(ev->kind));
	if (ev->ts_us != TS_NONE) {
		syslog_out_time(t, sizeof t, ev->ts_us);
		syslog_out_param(&b, "ts", t);
	}
	syslog_out_param(&b, "call_id", d ? d->call_id : NULL);
	if (f) {
		syslog_out_param(&b, "code", finding_code_name(f->code));
		syslog_out_param(&b, "severity", severity_name(f->severity));
		syslog_out_param(&b, "endpoint", f->endpoint);
		syslog_out_param(&b, "agent", f->agent);
	}
	if (d && d->teardown_expected != TS_NONE) {
		syslog_out_time(t, sizeof t, d->teardown_expected);
		syslog_out_param(&b, "teardown_expected", t);
	}
	syslog_out_putc(&b, ']');
	if (f && f->detail) {
		syslog_out_putc(&b, ' ');
		syslog_out_text(&b, f->detail, false);
	}
	if (n)
		buf[b.len] = '\0';
	return b.len;
}

static int syslog_out_priority(enum event_kind k)
{
	switch (k) {
	case EVENT_RECOVERED:
		return LOG_NOTICE;
	case EVENT_TEARDOWN:
		return LOG_ERR;
	default:
		return LOG_WARNING;
	}
}

void syslog_out_event(const struct event_record *ev)
{
	char line[SYSLOG_OUT_LINE_MAX];

	syslog_out_format(line, sizeof line, ev);
	syslog(syslog_out_priority(ev->kind), "%s", line);
}
