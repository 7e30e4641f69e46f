/* writer_room: room on disk for the writer (writer_room.h, issue 17).
 *
 * A full disk is met in steps: the <db>-reserve file kept next to the db is
 * given up, the WAL is checkpointed and truncated, and once messages are no
 * longer stored the bodies and messages of healthy ended dialogs are pruned
 * (db/prune.h).  Storing steps back up once commits succeed with room again.
 * --db-max-size keeps the db and its WAL under a cap by the same pruning
 * after each commit; a nearly full file system makes transactions short. */
#include "db/writer_room.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "analyzer/records.h"
#include "common/xalloc.h"
#include "db/checkpoint.h"
#include "db/prune.h"
#include "db/writer_fail.h"
#include "db/writer_int.h"

/* Below this much free space, transactions are short (writer_room_check_space). */
#define WRITER_LOW_SPACE_BYTES (UINT64_C(256) << 20)
#define WRITER_SPACE_CHECK_ROWS 4096
/* After a full disk, storing steps back up only with this much free (or a
 * quarter of the file system, if smaller). */
#define WRITER_ROOM_BYTES (UINT64_C(24) << 20)

/* <db>-reserve: a file of a few MB (a share of the free space, at most
 * 8 MiB) kept next to the db while it is open, given up when the disk is
 * full (writer_room_make) and made again once everything is stored again. */
void writer_room_reserve(struct writer *w, unsigned share)
{
	char name[4096];
	struct statvfs vfs;

	if (w->reserve || statvfs(w->path, &vfs) != 0)
		return;
	uint64_t size = (uint64_t)vfs.f_bavail * vfs.f_frsize / share;
	if (size > (8u << 20))
		size = 8u << 20;
	if (size < (256u << 10))
		return;
	snprintf(name, sizeof name, "%s-reserve", w->path);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (posix_fallocate(fd, 0, (off_t)size) != 0) {
		close(fd);
		unlink(name);
		return;
	}
	close(fd);
	w->reserve = xstrdup(name);
}

/* The disk was full: the WAL's space back (a checkpoint that truncates it),
 * and once messages are no longer stored, room inside the db for the
 * dialogs and findings: the bodies and messages of healthy ended dialogs go
 * (never a dialog or a finding: the report is made of them); of this run's
 * capture only, unless --db-max-size allows any. */
void writer_room_make(struct writer *w)
{
	/* The WAL's committed pages may need the db to grow, which a full disk
	 * refuses, and then the WAL can never restart: the reserve's room
	 * lets that checkpoint through. */
	if (w->reserve) {
		unlink(w->reserve);
		free(w->reserve);
		w->reserve = NULL;
	}
	sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	/* Without --db-max-size, only this run's own messages go: what earlier
	 * runs stored is not deleted unasked. */
	if (w->level < STORE_NO_MESSAGES || !w->pruner || (!w->opt.max_bytes && !w->capture_id))
		return;
	int64_t freed = 0;
	prune_rewind(w->pruner);
	for (int i = 0; i < 64; i++) {
		int rc;
		int64_t n = prune_step(w->pruner, true, w->opt.max_bytes ? 0 : w->capture_id, &rc);
		/* No room for the chunk's own WAL frames: the committed chunks'
		 * frames go into the db (the WAL starts over) and smaller chunks
		 * are tried.  Without this, a reserve smaller than one chunk left
		 * the disk full for good and the log's findings were lost. */
		if (n < 0 && (rc & 0xff) == SQLITE_FULL && prune_shrink(w->pruner)) {
			sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
			continue;
		}
		if (n <= 0)
			break;
		freed += n;
		if (freed >= 50000)
			break;
	}
	if (freed) {
		pthread_mutex_lock(&w->lock);
		w->health.pruned += (uint64_t)freed;
		pthread_mutex_unlock(&w->lock);
		/* The pages freed inside the db are no room for the WAL: give them
		 * back to the file system (the file shrinks at the checkpoint). */
		sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		prune_release(w->pruner, 0);
		sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		/* A reserve again, out of what was freed: without one, the next
		 * full disk leaves no room for the deletions that make room (each
		 * writes its pages to the WAL first), and what the log keeps
		 * (dialogs, findings) could never be written. */
		writer_room_reserve(w, 4);
	}
}

void writer_room_bound(struct writer *w)
{
	uint64_t used, files;

	if (!w->opt.max_bytes || !w->pruner || !prune_sizes(w->pruner, w->path, &used, &files))
		return;
	if (used <= w->prune_high && files <= w->opt.max_bytes)
		return;
	/* Nothing was left to remove: wait until the db has grown by 1/16
	 * before trying again, not at every commit. */
	if (prune_dry(w->pruner) && used < w->dry_used + w->prune_high / 16)
		return;
	int64_t freed = 0;
	prune_rewind(w->pruner);
	for (int i = 0; i < 4096 && used > w->prune_low; i++) {
		int rc;
		int64_t n = prune_step(w->pruner, false, 0, &rc);
		if (n < 0)
			writer_fail(w, rc);
		if (n <= 0 || !prune_sizes(w->pruner, w->path, &used, &files))
			break;
		freed += n;
		/* The deletions' own WAL and free pages: given back as it goes. */
		if (i % 4 == 3) {
			prune_release(w->pruner, 16);
			sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		}
	}
	w->dry_used = used;
	if (!w->blocked && !w->dead) {
		prune_release(w->pruner, 16);
		/* The file shrinks and the WAL restarts once this is checkpointed;
		 * past the cap, one that truncates the WAL (it waits for readers). */
		prune_sizes(w->pruner, w->path, &used, &files);
		sqlite3_wal_checkpoint_v2(w->db, NULL, files > w->opt.max_bytes
				? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	pthread_mutex_lock(&w->lock);
	w->health.pruned += (uint64_t)freed;
	pthread_mutex_unlock(&w->lock);
}

/* A commit succeeded while storing less: step back up a level once the
 * current one has worked for a retry interval (and, after a full disk, only
 * with room again); at the top, the reserve again. */
void writer_room_step_up(struct writer *w)
{
	if (w->level <= STORE_ALL)
		return;
	int64_t now = writer_wall_us();
	int64_t base = w->opt.retry_interval_us > 0 ? w->opt.retry_interval_us : USEC_PER_SEC;
	struct statvfs vfs;
	/* After a full disk, only once there is room again (not just the
	 * reserve's, given up to get there). */
	bool room = !w->last_full;
	if (!room && statvfs(w->path, &vfs) == 0) {
		uint64_t want = (uint64_t)vfs.f_blocks * vfs.f_frsize / 4;
		if (want > WRITER_ROOM_BYTES)
			want = WRITER_ROOM_BYTES;
		room = (uint64_t)vfs.f_bavail * vfs.f_frsize >= want;
	}
	if (!w->level_ok_since || !room) {
		w->level_ok_since = now;
	} else if (now - w->level_ok_since >= base) {
		w->level--;
		w->level_ok_since = now;
		writer_publish_level(w);
		if (w->level == STORE_ALL) {
			w->retry_us = 0;
			writer_room_reserve(w, 8);
			struct store_health h;
			writer_get_health(w, &h);
			if (w->opt.say_on_stderr)
				fprintf(stderr, "sipwatch: %s: storing everything again (%llu records"
					" were not stored)\n", w->path,
					(unsigned long long)(h.skipped + h.lost));
		}
	}
}

/* Every few thousand rows of a transaction: is the file system nearly full? */
void writer_room_check_space(struct writer *w)
{
	/* Running out of disk: a big transaction would fail whole (its rows are
	 * all in the WAL until the COMMIT), so commit often and lose little. */
	if (w->txn_rows >= w->space_check_at) {
		struct statvfs vfs;
		w->low_space = statvfs(w->path, &vfs) == 0 &&
			       (uint64_t)vfs.f_bavail * vfs.f_frsize < WRITER_LOW_SPACE_BYTES;
		if (w->low_space && w->ckpt) {
			/* The checkpoint thread racing the writer never lets the WAL
			 * restart: on a filling disk the WAL would take the last of it
			 * and leave no room to checkpoint.  From now on SQLite's own
			 * checkpoint runs in the commit (it replaces the hook first). */
			sqlite3_wal_autocheckpoint(w->db, 256);
			checkpoint_stop(w->ckpt);
			w->ckpt = NULL;
		}
		w->space_check_at = w->txn_rows + WRITER_SPACE_CHECK_ROWS;
	}
}
