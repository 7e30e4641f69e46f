/* service_notify: telling systemd (Type=notify) that sipwatch is ready, alive
 * and stopping, through libsystemd's sd_notify.  Without $NOTIFY_SOCKET (not
 * started by systemd) every call is a no-op. */
#ifndef SIPWATCH_SERVICE_NOTIFY_H
#define SIPWATCH_SERVICE_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* A capture thread's beat older than this (or than half the watchdog period,
 * the longer) means it is stuck: it beats about once a second. */
#define SERVICE_BEAT_STALE_MIN_US (3 * 1000000LL)

struct service_notify {
	int64_t watchdog_us; /* WATCHDOG_USEC meant for this process; 0 = no watchdog */
	int64_t next_ping_us;
	uint64_t pings;
};

/* Reads the watchdog period from the environment (sd_watchdog_enabled). */
void service_notify_init(struct service_notify *sn);
/* READY=1, with a STATUS= line (e.g. "capturing on eth1"). */
void service_notify_ready(const char *status);
/* STOPPING=1: the capture is ending, what was captured is being written. */
void service_notify_stopping(void);

/* Whether a WATCHDOG=1 is due at now_us: the period's half has passed since
 * the last ping and the capture thread is not stuck (beat_us recent enough;
 * TS_NONE = no capture thread to watch, e.g. a file).  Pure, for the tests. */
bool service_watchdog_due(const struct service_notify *sn, int64_t now_us, int64_t beat_us);
/* Called on every turn of the pipeline's loop: pings when due.  A pipeline
 * that stops turning stops pinging, and systemd restarts the service. */
void service_notify_tick(struct service_notify *sn, int64_t now_us, int64_t beat_us);

#endif
