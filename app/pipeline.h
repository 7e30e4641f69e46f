/* pipeline: the analyzer thread's loop.  Reads SIP candidates in place from
 * the capture ring (releasing each once analysed), feeds the analyzer, drives its clock (packet time, or the wall clock
 * while a live wire is quiet), and lets the store commit its batches. */
#ifndef SIPWATCH_PIPELINE_H
#define SIPWATCH_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "app/service_notify.h"
#include "capture/source.h"
#include "common/pkt_ring.h"
#include "db/store.h"

struct pipeline {
	struct pkt_ring *ring;
	struct analyzer *analyzer;
	struct store *store;
	struct capture_source *source;
	bool live;
	int64_t stop_at_us;            /* live --duration: wall time to stop; 0 = none */
	atomic_int *stop;              /* set by SIGINT/SIGTERM or the dashboard */
	int retention_days;
	int64_t retention_clock_scale; /* tests: retention's clock runs this much faster (1 = real) */
	/* Live: called on the pipeline thread about once a second (it may write
	 * to the store), e.g. to bring the captures row's counters up to date. */
	void (*progress)(void *ctx);
	void *progress_ctx;
	/* systemd's watchdog (issue 17): pinged from this loop while it turns
	 * and the capture thread beats; NULL = none. */
	struct service_notify *notify;

	/* Published for other threads (the dashboard) under lock. */
	pthread_mutex_t lock;
	struct analyzer_stats stats;
	int64_t clock_us;
	bool done;
	bool pressed; /* live: the queue is filling, message rows do not wait (store_set_pressed) */
};

void pipeline_init(struct pipeline *p);
/* Runs until the ring is drained (input ended or stopped); then finishes the analyzer. */
void pipeline_run(struct pipeline *p);
void *pipeline_thread(void *arg);
void pipeline_snapshot(struct pipeline *p, struct analyzer_stats *stats, int64_t *clock_us,
		       bool *done);
int64_t pipeline_wall_us(void);

#endif
