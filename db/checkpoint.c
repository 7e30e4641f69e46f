/* checkpoint: a thread that checkpoints the WAL for the writer (checkpoint.h).
 *
 * The writer's wal hook runs after each commit with the WAL's size in pages.
 * Past wake_pages it signals this thread; the thread runs a PASSIVE
 * checkpoint on its own connection (copy WAL frames into the db, fsync).
 * When the checkpoint has caught up, the writer's next transaction restarts
 * the WAL from its beginning, so the file stops growing.  Errors here are
 * not the store's to report: a full disk shows up in the writer's own
 * writes; a busy checkpoint (a long reader) simply runs again later. */
#include "db/checkpoint.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "db/dbutil.h"
#include "common/thread_role.h"

struct checkpointer {
	sqlite3 *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool kicked;
	bool stop;
	unsigned long runs;
	int wake_pages;
	int sync_pages;
};

static void *checkpoint_main(void *arg)
{
	struct checkpointer *c = arg;

	thread_name_set("sw-checkpoint");
	thread_role_lower(THREAD_ROLE_STORAGE_NICE);
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->kicked && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		c->kicked = false;
		pthread_mutex_unlock(&c->lock);
		int log = 0, done = 0;
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		pthread_mutex_lock(&c->lock);
		c->runs++;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct checkpointer *checkpoint_start(const char *path, char *err, size_t n)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);

	/* The checkpoint's fsync policy is its connection's: same as the writer. */
	if (rc == SQLITE_OK)
		rc = dbutil_exec(db, "PRAGMA synchronous = NORMAL");
	if (rc == SQLITE_OK)
		rc = sqlite3_wal_autocheckpoint(db, 0);
	if (rc != SQLITE_OK) {
		dbutil_format_error(err, n, path, db, rc, 0);
		sqlite3_close(db);
		return NULL;
	}
	struct checkpointer *c = xcalloc(1, sizeof *c);
	c->db = db;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	int e = pthread_create(&c->thread, NULL, checkpoint_main, c);
	if (e != 0) {
		snprintf(err, n, "%s: cannot start the checkpoint thread (errno %d)", path, e);
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close(db);
		free(c);
		return NULL;
	}
	return c;
}

/* Runs on the writer's thread after every commit, with the WAL size in pages. */
static int checkpoint_hook(void *arg, sqlite3 *writer, const char *dbname, int pages)
{
	struct checkpointer *c = arg;

	if (pages >= c->sync_pages) {
		/* The thread cannot keep up (or a reader pins the WAL): bound it. */
		sqlite3_wal_checkpoint_v2(writer, dbname, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (pages >= c->wake_pages) {
		pthread_mutex_lock(&c->lock);
		if (!c->kicked) {
			c->kicked = true;
			pthread_cond_signal(&c->wake);
		}
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

void checkpoint_attach(struct checkpointer *c, sqlite3 *writer, int wake_pages, int sync_pages)
{
	c->wake_pages = wake_pages;
	c->sync_pages = sync_pages;
	/* Replaces SQLite's autocheckpoint hook on this connection. */
	sqlite3_wal_hook(writer, checkpoint_hook, c);
}

void checkpoint_stop(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

unsigned long checkpoint_count(struct checkpointer *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->lock);
	n = c->runs;
	pthread_mutex_unlock(&c->lock);
	return n;
}
