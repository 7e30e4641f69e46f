/* writer_int: the writer's state, shared by the files of the writer (not for
 * outside them; the rest of db/ sees writer.h).
 *
 * The writer is split by concern, calls going one way (each file only calls
 * the ones below it):
 *   writer_thread.c  the thread: takes records off the queue; open, close
 *   writer_commit.c  the transaction's end: coalesced dialogs, COMMIT, what
 *                    must commit first (a capture's start, ids, retention),
 *                    the retry after storage trouble
 *   writer_rows.c    the transaction's start and its rows: binding each
 *                    record to its statement, the replay of the log
 *   writer_room.c    room on disk: making room when full, the reserve file,
 *                    --db-max-size, stepping back up after trouble
 *   writer_fail.c    running a statement, what a failure does (sticky, or a
 *                    step down), the health any thread may read
 *   writer_map.c, writer_sql.c, wlog.c: leaves (the dialog map, the
 *                    statements, the log of essentials). */
#ifndef SIPWATCH_WRITER_INT_H
#define SIPWATCH_WRITER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/writer.h"
#include "db/writer_map.h"
#include "db/writer_sql.h"
#include "db/wlog.h"

struct checkpointer;
struct pruner;

/* While degraded, transactions are short: a failure loses less, and on a
 * nearly full disk a checkpoint can always make room for one (its pages
 * need the db file to grow before the WAL can restart).  A replay after
 * trouble commits in pieces this size too. */
#define WRITER_DEGRADED_TXN_ROWS 2000

struct writer {
	sqlite3 *db;
	struct checkpointer *ckpt; /* NULL: SQLite's own autocheckpoint */
	char *path;
	struct store_options opt;
	sqlite3_stmt *st[ST_COUNT];
	struct rowq *q;
	pthread_t thread;
	bool started;

	/* The writer thread's (the opening thread's before start). */
	uint64_t capture_id;
	uint64_t dialog_id_written; /* the highest dialog id written so far (writer_rows.c) */
	bool capture_is_file; /* retention keeps the capture being read */
	bool in_batch;
	bool dead;            /* failed, seen from this thread */
	int indexes_deferred; /* dropped by index_build_defer, not built yet */
	struct writer_map map;
	struct writer_stats stats;

	/* Degrading (issue 17), the writer thread's. */
	int level;               /* enum store_level */
	bool blocked;            /* a write failed: nothing is tried before retry_at */
	bool replay;             /* the log goes first into the next transaction */
	bool last_full;          /* the last failure was a full disk */
	bool said;               /* the trouble was said on stderr */
	bool said_behind;        /* writer_count_behind said so (under lock) */
	int64_t retry_at, retry_us;
	int64_t level_ok_since;  /* the current level's writes have succeeded since */
	size_t txn_rows;         /* rows in the open transaction */
	uint64_t txn_messages;   /* messages in it: lost if it fails */
	size_t txn_rows_max;     /* healthy: commit past this many rows (from max_bytes) */
	size_t space_check_at;   /* txn_rows at which to look at the free space again */
	bool low_space;          /* the file system is nearly full: short transactions */
	struct wlog log;
	uint8_t *pending_capture; /* a REC_CAPTURE_BEGIN not written yet */
	struct pruner *pruner;
	uint64_t prune_high, prune_low; /* bytes of pages in use: prune above, down to */
	int64_t wal_budget;      /* bytes (journal_size_limit) */
	uint64_t dry_used;       /* bytes in use when pruning last ran */
	uint64_t health_capture_id; /* under lock */
	uint64_t dbstate_sig;       /* of the health last written to the captures row */
	char *reserve;              /* the <db>-reserve file's name, NULL: none */
	atomic_int level_pub;
	atomic_bool failing_pub;
	struct store_health health; /* under lock */
	uint64_t given_up;          /* under lock: records left in the log and map when
				     * the final retries failed (counted as lost) */

	/* Shared: failed is raised after err is written and never lowered. */
	atomic_bool failed;
	/* Shared, for the metrics (writer_get_progress): records taken off the
	 * queue (the writer's own count, non-atomic) and, at each COMMIT, how
	 * many of them that commit covered, with its wall time and count. */
	uint64_t records_done;
	atomic_uint_fast64_t committed_records;
	atomic_int_fast64_t last_commit_us;
	atomic_uint_fast64_t commits;
	char err[320];
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	uint64_t done_ticket;       /* under lock */
	struct writer_reply reply;  /* under lock */
	struct writer_stats pub;    /* under lock */
};

#endif
