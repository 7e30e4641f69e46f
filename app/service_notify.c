/* service_notify: systemd readiness and watchdog (sd_notify, libsystemd).
 *
 * The unit (contrib/sipwatch.service) is Type=notify with WatchdogSec=: systemd
 * counts the service started only once READY=1 arrives (the interface and the
 * db are open, the capture runs), and kills and restarts it (Restart=on-failure)
 * when no WATCHDOG=1 came for a whole WatchdogSec.  The pings come from the
 * pipeline's loop itself, every half period, and only while the capture thread
 * beats too: a wedged analyzer, store or capture stops them.  A thread that
 * merely pinged on a timer would keep a stuck monitor "healthy" for ever.
 *
 * libsystemd is used here only (tests/lint.sh). */
#include "app/service_notify.h"

#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "capture/packet.h"

void service_notify_init(struct service_notify *sn)
{
	uint64_t usec = 0;

	sn->watchdog_us = 0;
	sn->next_ping_us = 0;
	sn->pings = 0;
	/* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is ours */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0 && usec < (uint64_t)INT64_MAX)
		sn->watchdog_us = (int64_t)usec;
}

void service_notify_ready(const char *status)
{
	char msg[300];

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status ? status : "running");
	(void)sd_notify(0, msg);
}

void service_notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1\nSTATUS=stopping: writing what was captured");
}

bool service_watchdog_due(const struct service_notify *sn, int64_t now_us, int64_t beat_us)
{
	if (sn->watchdog_us <= 0 || now_us < sn->next_ping_us)
		return false;
	if (beat_us == TS_NONE)
		return true;
	int64_t stale = sn->watchdog_us / 2;

	if (stale < SERVICE_BEAT_STALE_MIN_US)
		stale = SERVICE_BEAT_STALE_MIN_US;
	return now_us - beat_us <= stale;
}

void service_notify_tick(struct service_notify *sn, int64_t now_us, int64_t beat_us)
{
	if (!service_watchdog_due(sn, now_us, beat_us))
		return;
	(void)sd_notify(0, "WATCHDOG=1");
	sn->pings++;
	sn->next_ping_us = now_us + sn->watchdog_us / 2;
}
