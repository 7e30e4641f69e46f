/* syslog_out: --syslog, one syslog(3) line per doomed, recovered, teardown and
 * expired event, with RFC 5424 structured data (an SD-ELEMENT
 * [sipwatch@32473 ...]) at the head of the message, so rsyslog's
 * mmpstructdata or journald readers can take the fields apart. */
#ifndef SIPWATCH_SYSLOG_OUT_H
#define SIPWATCH_SYSLOG_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/records.h"

/* "daemon", "user", "local0".."local7", ... → LOG_*; out may be NULL. */
bool syslog_out_facility(const char *name, int *out);

void syslog_out_open(int facility);
void syslog_out_event(const struct event_record *ev);
/* Formats the line that syslog_out_event logs (for tests). */
size_t syslog_out_format(char *buf, size_t n, const struct event_record *ev);
void syslog_out_close(void);

#endif
