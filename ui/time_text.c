/* time_text: countdowns, clock times and zone names (ui/time_text.h). */
#include "ui/time_text.h"

#include <stdio.h>
#include <time.h>

#include "capture/packet.h" /* TS_NONE, USEC_PER_SEC */

void time_text_countdown(int64_t delta_us, char *buf, size_t n)
{
	bool neg = delta_us < 0;
	uint64_t mag = neg ? (uint64_t)(-(delta_us + 1)) + 1 : (uint64_t)delta_us;
	unsigned long long s = neg ? (mag + USEC_PER_SEC - 1) / USEC_PER_SEC : mag / USEC_PER_SEC;
	const char *sign = neg ? "-" : "";

	if (s < 60)
		snprintf(buf, n, "%s%llus", sign, s);
	else if (s < 3600)
		snprintf(buf, n, "%s%llum%02llus", sign, s / 60, s % 60);
	else if (s < 100 * 3600ULL)
		snprintf(buf, n, "%s%lluh%02llum", sign, s / 3600, s / 60 % 60);
	else
		snprintf(buf, n, "%s%llud%02lluh", sign, s / 86400, s / 3600 % 24);
}

static bool time_text_tm(int64_t ts_us, bool utc, struct tm *tm)
{
	int64_t sec = ts_us / USEC_PER_SEC - (ts_us % USEC_PER_SEC < 0);
	time_t t = (time_t)sec;

	return utc ? gmtime_r(&t, tm) != NULL : localtime_r(&t, tm) != NULL;
}

void time_text_format(int64_t ts_us, bool utc, enum time_text_fmt fmt, char *buf, size_t n)
{
	struct tm tm;
	size_t len;

	if (n == 0)
		return;
	if (ts_us == TS_NONE || !time_text_tm(ts_us, utc, &tm)) {
		snprintf(buf, n, "-");
		return;
	}
	if (fmt == TIME_TEXT_FULL && utc)
		len = strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else if (fmt == TIME_TEXT_FULL)
		len = strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm);
	else if (fmt == TIME_TEXT_HMS_ZONE && utc)
		len = strftime(buf, n, "%H:%M:%S UTC", &tm);
	else if (fmt == TIME_TEXT_HMS_ZONE)
		len = strftime(buf, n, "%H:%M:%S %Z", &tm);
	else
		len = strftime(buf, n, "%H:%M:%S", &tm);
	if (len == 0) {
		buf[0] = '\0';
		return;
	}
	if (fmt == TIME_TEXT_HMS_MS) {
		long ms = (long)((ts_us % USEC_PER_SEC + USEC_PER_SEC) % USEC_PER_SEC / 1000);
		snprintf(buf + len, n - len, ".%03ld", ms);
	}
}

void time_text_zone(int64_t ts_us, bool utc, char *buf, size_t n)
{
	struct tm tm;

	if (n == 0)
		return;
	if (utc || !time_text_tm(ts_us == TS_NONE ? 0 : ts_us, false, &tm) ||
	    strftime(buf, n, "%Z", &tm) == 0)
		snprintf(buf, n, "%s", utc ? "UTC" : "local");
}
