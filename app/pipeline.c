/* pipeline: the analyzer thread — ring → analyzer → store, with the clock. */
#include "app/pipeline.h"

#include <time.h>

#include "capture/packet.h"
#include "common/heap_trim.h"

#define PIPELINE_POP_TIMEOUT_MS 100
#define PIPELINE_PUBLISH_EVERY 256 /* packets between stats snapshots */
#define PIPELINE_RETENTION_PERIOD_US (3600 * USEC_PER_SEC)
#define PIPELINE_PROGRESS_PERIOD_US USEC_PER_SEC
/* Live: how often the heaps' free pages go back to the kernel (heap_trim.h). */
#define PIPELINE_TRIM_PERIOD_US (10 * USEC_PER_SEC)

int64_t pipeline_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

void pipeline_init(struct pipeline *p)
{
	pthread_mutex_init(&p->lock, NULL);
	p->clock_us = TS_NONE;
	p->done = false;
	p->pressed = false;
}

static void pipeline_publish(struct pipeline *p, int64_t clock_us, bool done)
{
	struct analyzer_stats st;

	analyzer_get_stats(p->analyzer, &st);
	pthread_mutex_lock(&p->lock);
	p->stats = st;
	p->clock_us = clock_us;
	p->done = done;
	pthread_mutex_unlock(&p->lock);
}

void pipeline_snapshot(struct pipeline *p, struct analyzer_stats *stats, int64_t *clock_us,
		       bool *done)
{
	pthread_mutex_lock(&p->lock);
	*stats = p->stats;
	*clock_us = p->clock_us;
	*done = p->done;
	pthread_mutex_unlock(&p->lock);
}

/* The clock at the end: the last packet for a file, the wall clock live. */
static int64_t pipeline_end_clock(struct pipeline *p, int64_t clock_us)
{
	struct capture_stats cs;

	if (p->live)
		return pipeline_wall_us();
	capture_get_stats(p->source, &cs);
	if (cs.last_ts_us != TS_NONE && (clock_us == TS_NONE || cs.last_ts_us > clock_us))
		return cs.last_ts_us;
	return clock_us == TS_NONE ? 0 : clock_us;
}

/* Live only: --duration, checked on every turn so that a busy wire (the
 * queue never empty) stops on time too. */
static void pipeline_check_duration(struct pipeline *p)
{
	if (p->stop_at_us && pipeline_wall_us() >= p->stop_at_us)
		atomic_store(p->stop, 1);
}

/* Live only: the wall clock moves timers while the wire is quiet (the queue
 * is empty, so every packet captured so far has been fed). */
static int64_t pipeline_quiet(struct pipeline *p, int64_t clock_us)
{
	int64_t now = pipeline_wall_us();

	if (clock_us == TS_NONE || now > clock_us) {
		analyzer_tick(p->analyzer, now);
		clock_us = now;
	}
	return clock_us;
}

/* Retention's clock: the wall clock, or for a test one that runs
 * retention_clock_scale times faster from the start of the run. */
static int64_t pipeline_retention_clock(struct pipeline *p, int64_t start, int64_t wall)
{
	if (p->retention_clock_scale <= 1)
		return wall;
	return start + (wall - start) * p->retention_clock_scale;
}

/* systemd's watchdog: due every half period; the capture's beat read then only. */
/* Live, a db that cannot keep up must cost rows, not packets: a packet lost
 * is a message the analysis never sees (a refresh answer missed is a false
 * doom), a message row lost is only text the db lacks.  While the capture
 * queue is over half full the store stops waiting for room for message rows;
 * below a quarter it waits again (the gap keeps it from flapping). */
static void pipeline_pressure(struct pipeline *p)
{
	size_t len = pkt_ring_used(p->ring), cap = pkt_ring_capacity(p->ring);
	bool pressed = p->pressed ? len > cap / 4 : len > cap / 2;

	if (pressed != p->pressed) {
		p->pressed = pressed;
		store_set_pressed(p->store, pressed);
	}
}

static void pipeline_watchdog(struct pipeline *p)
{
	struct capture_stats cs;

	if (!p->notify || p->notify->watchdog_us <= 0)
		return;
	int64_t now = pipeline_wall_us();
	if (now < p->notify->next_ping_us)
		return;
	int64_t beat = TS_NONE;
	if (p->live) {
		capture_get_stats(p->source, &cs);
		beat = cs.finished ? TS_NONE : cs.beat_us; /* an ended capture: draining */
	}
	service_notify_tick(p->notify, now, beat);
}

void pipeline_run(struct pipeline *p)
{
	const int64_t started = pipeline_wall_us();
	int64_t clock_us = TS_NONE;
	int64_t next_retention = TS_NONE;
	int64_t next_progress = 0;
	int64_t next_trim = started + PIPELINE_TRIM_PERIOD_US;
	uint64_t n = 0;
	bool stopping = false;

	for (;;) {
		pipeline_watchdog(p);
		if (p->live)
			pipeline_check_duration(p);
		if (atomic_load(p->stop) && !stopping) {
			stopping = true;
			if (p->notify)
				service_notify_stopping();
			capture_stop(p->source); /* the ring drains, then closes */
		}
		if (store_failed(p->store) && !stopping) {
			stopping = true;
			capture_stop(p->source);
			pkt_ring_cancel(p->ring);
		}
		/* In place: the analyzer copies what it keeps, so the record's room
		 * is released as soon as it has been fed (FIFO, issue 20). */
		struct sip_packet *pkt = pkt_ring_peek(p->ring, PIPELINE_POP_TIMEOUT_MS, NULL);
		if (pkt && p->live)
			pipeline_pressure(p);
		if (pkt) {
			if (!store_failed(p->store))
				analyzer_feed(p->analyzer, pkt);
			if (clock_us == TS_NONE || pkt->ts_us > clock_us)
				clock_us = pkt->ts_us;
			pkt_ring_release(p->ring);
			if (++n % PIPELINE_PUBLISH_EVERY == 0)
				pipeline_publish(p, clock_us, false);
		} else if (pkt_ring_is_drained(p->ring)) {
			break;
		} else {
			if (p->live)
				clock_us = pipeline_quiet(p, clock_us);
			pipeline_publish(p, clock_us, false);
		}
		if (clock_us != TS_NONE) {
			int64_t wall = pipeline_wall_us();
			/* Batches age on the wall clock, live or not: readers see progress
			 * within a second, and a sparse capture file is not committed a few
			 * messages at a time (packet time would race ahead of the rows). */
			store_maybe_flush(p->store, wall);
			if (p->live && p->progress && wall >= next_progress) {
				p->progress(p->progress_ctx);
				next_progress = wall + PIPELINE_PROGRESS_PERIOD_US;
			}
			if (p->live && wall >= next_trim) {
				heap_trim_pages();
				next_trim = wall + PIPELINE_TRIM_PERIOD_US;
			}
			/* Retention is about the db's age, so it runs on the wall clock. */
			int64_t rwall = pipeline_retention_clock(p, started, wall);
			if (p->retention_days && (next_retention == TS_NONE || rwall >= next_retention)) {
				store_apply_retention(p->store, rwall);
				next_retention = rwall + PIPELINE_RETENTION_PERIOD_US;
			}
		}
	}
	clock_us = pipeline_end_clock(p, clock_us);
	if (!store_failed(p->store))
		analyzer_finish(p->analyzer, clock_us);
	store_flush(p->store);
	pipeline_publish(p, clock_us, true);
}

void *pipeline_thread(void *arg)
{
	pipeline_run(arg);
	return NULL;
}
