/* metrics: the --metrics HTTP endpoint (libmicrohttpd, only here).
 *
 * GET /metrics answers the registry (metrics_text.h) in the Prometheus text
 * format; anything else is 404.  The server runs on libmicrohttpd's own
 * thread: each scrape calls the snapshot callback there, which reads the
 * other threads' counters atomically (or their published snapshot), so a
 * scrape never waits for, nor makes wait, the capture or analyzer thread. */
#ifndef SIPWATCH_METRICS_H
#define SIPWATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "app/metrics_text.h"

struct metrics;

typedef void (*metrics_snapshot_fn)(void *ctx, struct metrics_snapshot *out);

/* Parses "[ADDR:]PORT" ("9464", "0.0.0.0:9464", "[::1]:9464"); no ADDR is
 * 127.0.0.1.  False if it is not one. */
bool metrics_parse_addr(const char *spec);
/* Listens on spec at once (so a busy port fails the start); NULL and err on failure. */
struct metrics *metrics_start(const char *spec, metrics_snapshot_fn fn, void *ctx, char *err,
			      size_t errlen);
void metrics_stop(struct metrics *m); /* NULL is a no-op */

#endif
