/* storetypes: what the store (store.h) and its writer thread (writer.h)
 * both speak of: the options, the levels of storing less (issue 17), the
 * health, a capture's named counters.  A leaf of its own so that calls go one
 * way, store -> writer: the writer needs these words, never the store. */
#ifndef SIPWATCH_STORETYPES_H
#define SIPWATCH_STORETYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_options {
	bool store_bodies;      /* false = --headers-only */
	int retention_days;     /* 0 = keep everything */
	int busy_timeout_ms;    /* wait for another writer this long */
	size_t batch_rows;      /* commit after this many rows (messages, findings) ... */
	int64_t batch_interval_us; /* ... or this long after the batch began (packet or wall time) */
	size_t queue_bytes;     /* the writer's queue: records waiting, in bytes */
	int cache_kib;          /* SQLite page cache of the writer (0: the schema's default) */
	/* issue 17: always on */
	uint64_t max_bytes;         /* --db-max-size: db + WAL within this (0 = no cap) */
	int64_t retry_interval_us;  /* while storing fails: try again this often (wall clock) */
	bool say_on_stderr;         /* one line on stderr when storing degrades and resumes */
	bool defer_indexes;     /* a file import: secondary indexes built at the end (index_build.h) */
};

/* How much is being stored (issue 17), in the order storage trouble steps down. */
enum store_level {
	STORE_ALL = 0,
	STORE_NO_BODIES,   /* messages without their bodies */
	STORE_NO_MESSAGES, /* dialogs, findings, endpoints, captures */
	STORE_ESSENTIAL,   /* dialogs, findings and the captures row only */
};

/* "everything", "no message bodies", ...; "?" out of range. */
static inline const char *store_level_name(int level)
{
	static const char *const names[] = {"everything", "no message bodies",
					    "no messages", "only dialogs and findings"};
	return level >= 0 && level <= STORE_ESSENTIAL ? names[level] : "?";
}

struct store_health {
	int level;             /* enum store_level now */
	bool failing;          /* the last write failed; retrying */
	bool incomplete;       /* this run left something unstored */
	uint64_t errors;       /* storage errors met */
	uint64_t skipped;      /* messages, bodies cut and rows not stored */
	uint64_t lost;         /* dialog/finding records given up (the report lacks them) */
	uint64_t pruned;       /* rows and bodies removed to stay within max_bytes or make room */
	char reason[256];      /* the first error, "path: reason"; "" if none */
};

/* A named counter of a capture (table capture_counts): packets per
 * encapsulation ("encap.vxlan") and packets not decoded by reason
 * ("not_decoded.unknown_ethertype").  Only non-zero counts are kept. */
#define CAPTURE_COUNT_NAME_MAX 48
#define CAPTURE_COUNTS_MAX 40

struct capture_count {
	char name[CAPTURE_COUNT_NAME_MAX];
	uint64_t value;
};

#endif
