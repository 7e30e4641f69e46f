/* session_clock: the RFC 4028 timer of one dialog as plain arithmetic — the
 * state a dialog keeps (struct session_timer) and the moments it implies (the
 * deadline, the teardown point, the tolerances for classifying a BYE).
 *
 * A leaf: nothing here emits, allocates or calls another module; the rules that
 * move these times (session_timer, session_refresh, session_risk) include it.
 * Every figure is session-timers.md "Timing model". */
#ifndef SIPWATCH_SESSION_CLOCK_H
#define SIPWATCH_SESSION_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/records.h"
#include "capture/packet.h"

/* RFC 4028 §4, §5: Min-SE absent means 90 s; no interval may be below 90 s. */
#define SESSION_TIMER_FLOOR 90u
#define SESSION_CLOCK_SEC(s) ((int64_t)(s) * USEC_PER_SEC)
/* RFC 4028 §10: the non-refresher sends BYE min(32, SE/3) before the deadline */
#define SESSION_CLOCK_TEARDOWN_MARGIN SESSION_CLOCK_SEC(32)

/* RFC 4028 timer state of a dialog, relative to the refresher's leg (fields by
 * size, the enum in a byte, flags in bits: 40 bytes). */
struct session_timer {
	int64_t t_ref;                   /* last successful refresh (or the 2xx that set it) */
	int64_t expired_at;
	int64_t fatal_at;                /* 408/481/timeout of a refresh since t_ref */
	int64_t relay_us;                /* longest relay of a response a proxy did relay; -1 = none */
	uint32_t se;                     /* seconds */
	uint8_t refresher;               /* enum dialog_refresher, relative to the initial INVITE */
	bool active : 1;
	bool overdue_done : 1;           /* teardown point handled for this t_ref */
	bool overdue_deferred : 1;       /* ... while a refresh was in flight */
	bool expired : 1;                /* SESSION_EXPIRED reported for this t_ref */
	bool doom_since_ref : 1;         /* a doom finding since t_ref explains a missing refresh */
};

/* deadline D = t_ref + SE */
static inline int64_t session_clock_deadline(const struct session_timer *st)
{
	return st->t_ref + SESSION_CLOCK_SEC(st->se);
}

/* teardown point = t_ref + SE - min(32 s, SE/3) (RFC 4028 §10) */
static inline int64_t session_clock_teardown(const struct session_timer *st)
{
	int64_t se = SESSION_CLOCK_SEC(st->se);
	int64_t margin = se / 3 < SESSION_CLOCK_TEARDOWN_MARGIN ? se / 3
								: SESSION_CLOCK_TEARDOWN_MARGIN;

	return st->t_ref + se - margin;
}

/* tolerance for classifying a BYE: max(2 s, 1% of SE) */
static inline int64_t session_clock_tolerance(uint32_t se)
{
	int64_t pct = SESSION_CLOCK_SEC(se) / 100;

	return pct > SESSION_CLOCK_SEC(2) ? pct : SESSION_CLOCK_SEC(2);
}

/* session-timers.md: after the deadline the tolerance reaches 0.1 x SE
 * (JsSIP, the non-refresher, sends its BYE at 1.1 x SE counted from when it
 * got the 2xx, so its BYE may come just after SESSION_EXPIRED: its Reason
 * still makes it a TIMER_TEARDOWN). */
static inline int64_t session_clock_late_tolerance(uint32_t se)
{
	int64_t tenth = SESSION_CLOCK_SEC(se) / 10, tol = session_clock_tolerance(se);

	return tenth > tol ? tenth : tol;
}

/* The earlier of two times, TS_NONE being "never". */
static inline int64_t session_clock_min(int64_t a, int64_t b)
{
	if (a == TS_NONE)
		return b;
	if (b == TS_NONE)
		return a;
	return a < b ? a : b;
}

#endif
