/* events: headless notifications — JSON lines (--events) and an alert command
 * (--alert-exec) run without a shell, bounded in rate and concurrency. */
#ifndef SIPWATCH_EVENTS_H
#define SIPWATCH_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analyzer/records.h"

#define ALERT_MAX_RUNNING 4
#define ALERT_MAX_PER_MINUTE 30

struct events;

/* path NULL = no event lines; "-" = stdout.  cmd NULL = no alerts. */
struct events *events_open(const char *path, const char *cmd, char *err, size_t errlen);
void events_emit(struct events *e, const struct event_record *ev);
/* Writes the event's JSON object (no newline). */
void events_write_json(FILE *out, const struct event_record *ev);
/* Async-signal-safe (SIGHUP): the events file is reopened before the next line. */
void events_request_reopen(void);
void events_close(struct events *e); /* waits (bounded) for running alert commands */
unsigned long events_alerts_suppressed(const struct events *e);

#endif
