/* time_text: instants and durations as the dashboard and the text outputs
 * show them — countdowns ("14m12s", "-3s"), clock times in four formats,
 * the zone name.  Pure: no curses, no clock reads. */
#ifndef SIPWATCH_TIME_TEXT_H
#define SIPWATCH_TIME_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest countdown/duration text ("-123d04h") plus NUL. */
#define TIME_TEXT_DURATION_MAX 24
/* "2024-05-01 14:32:05.123 CEST" plus NUL, with room for long zone names. */
#define TIME_TEXT_MAX 48

enum time_text_fmt {
	TIME_TEXT_HMS = 0, /* 14:32:05 */
	TIME_TEXT_HMS_MS,  /* 14:32:05.011 */
	TIME_TEXT_FULL,    /* 2024-05-01 14:32:05 CEST */
	TIME_TEXT_HMS_ZONE, /* 14:32:05 CEST */
};

/* "42s", "14m12s", "1h02m", "3d04h"; negative with a leading '-' ("-3s").
 * Negative fractions round away from zero, so a passed instant never shows "0s". */
void time_text_countdown(int64_t delta_us, char *buf, size_t n);
/* Local time (or UTC) of ts_us; "-" for TS_NONE. */
void time_text_format(int64_t ts_us, bool utc, enum time_text_fmt fmt, char *buf, size_t n);
/* The zone name shown beside times: "UTC", "CEST" ... */
void time_text_zone(int64_t ts_us, bool utc, char *buf, size_t n);

#endif
