/* prune: the --db-max-size order of deletion (prune.h).
 *
 * Each step walks from its own cursor (message steps: messages by id, 2000
 * of a dialog of the step's class per chunk; dialog steps: dialogs by id,
 * 256 per chunk), so a step never scans what it has already done; once every
 * step has run dry the cursors start over. */
#include "db/prune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xalloc.h"
#include "db/dbutil.h"

#define PRUNE_CHUNK_DIALOGS 256
/* A chunk's deletions go through the WAL first: on a full disk a whole
 * chunk may not fit the room a reserve gave back, so it is halved (down to
 * a 2^PRUNE_SHRINK_MAX-th) until one does (prune_shrink). */
#define PRUNE_SHRINK_MAX 7
#define PRUNE_CHUNK_LOOSE "2000" /* messages of no dialog per chunk */

/* Classes of ended dialogs, least valuable first. */
#define PRUNE_HEALTHY                                                                   \
	"ended IS NOT NULL AND doomed = 0 AND finding_codes IS NULL"                    \
	" AND coalesce(end_class, '') <> 'TIMER_TEARDOWN'"
#define PRUNE_WARNED                                                                    \
	"ended IS NOT NULL AND doomed = 0 AND finding_codes IS NOT NULL"                \
	" AND coalesce(end_class, '') <> 'TIMER_TEARDOWN'"
/* In progress and not doomed: under a tight cap, a busy wire's calls in
 * progress hold more messages than the cap (7,800 concurrent calls of the
 * benchmark mix hold ~30 MB of messages). */
/* A call at risk (a defective refresh answer, session-timers.md "Risk and
 * proof") is kept like evidence: the next seconds tell whether it is doomed. */
#define PRUNE_ACTIVE "ended IS NULL AND doomed = 0 AND at_risk = 0"
/* ... of those, the ones set up more than a minute before the newest dialog
 * first: a young call may still turn out doomed (its first refresh is due
 * after half its Session-Expires), and its setup is the evidence then. */
#define PRUNE_ACTIVE_OLD                                                                \
	PRUNE_ACTIVE " AND created < (SELECT max(created) FROM dialogs) - 60"
#define PRUNE_EVIDENCE "ended IS NOT NULL AND (doomed = 1 OR end_class = 'TIMER_TEARDOWN')"
#define PRUNE_ENDED "ended IS NOT NULL"

enum prune_kind { PRUNE_RAW, PRUNE_LOOSE, PRUNE_MESSAGES, PRUNE_DIALOGS };

struct prune_step_def {
	enum prune_kind kind;
	const char *cls; /* which ended dialogs (a WHERE condition on dialogs) */
};

static const struct prune_step_def prune_steps[] = {
	{PRUNE_RAW, PRUNE_HEALTHY},       {PRUNE_LOOSE, NULL},
	{PRUNE_MESSAGES, PRUNE_HEALTHY},  {PRUNE_RAW, PRUNE_WARNED},
	{PRUNE_MESSAGES, PRUNE_WARNED},   {PRUNE_RAW, PRUNE_ACTIVE_OLD},
	{PRUNE_MESSAGES, PRUNE_ACTIVE_OLD}, {PRUNE_RAW, PRUNE_ACTIVE},
	{PRUNE_MESSAGES, PRUNE_ACTIVE},   {PRUNE_DIALOGS, PRUNE_HEALTHY},
	{PRUNE_RAW, PRUNE_EVIDENCE},      {PRUNE_MESSAGES, PRUNE_EVIDENCE},
	{PRUNE_DIALOGS, PRUNE_ENDED},
};

#define PRUNE_N_STEPS (sizeof prune_steps / sizeof prune_steps[0])
#define PRUNE_MAX_SQL 3 /* statements per chunk */

/* The ids deleted must never be handed out again (schema.c, migration 2). */
static const char prune_high_water_sql[] =
	"INSERT INTO id_high_water (name, id)"
	" SELECT 'dialogs', coalesce(max(id), 0) FROM dialogs"
	" UNION ALL SELECT 'messages', coalesce(max(id), 0) FROM messages"
	" UNION ALL SELECT 'findings', coalesce(max(id), 0) FROM findings"
	" WHERE true ON CONFLICT (name) DO UPDATE SET id = max(id, excluded.id)";

/* The chunk: dialogs of the class with ?1 < id <= ?2 (the cursor query
 * found ?2, the 256th such dialog past ?1). */
#define PRUNE_IN "(SELECT id FROM dialogs WHERE id > ?1 AND id <= ?2 AND %s)"

/* Message steps walk messages (oldest first) from a cursor on their id: the
 * chunk is the next PRUNE_CHUNK_MESSAGES messages of a dialog of the class. */
#define PRUNE_CHUNK_MESSAGES 2000
#define PRUNE_OF "EXISTS (SELECT 1 FROM dialogs d WHERE d.id = messages.dialog_id AND %s)"

/* The query that finds the chunk's last id past ?1 (NULL: the step is dry). */
static void prune_cursor_sql(const struct prune_step_def *d, char *buf, size_t n)
{
	if (d->kind == PRUNE_DIALOGS)
		snprintf(buf, n, "SELECT max(id) FROM (SELECT id FROM dialogs WHERE"
			 " id > ?1 AND %s ORDER BY id LIMIT :chunk)", d->cls);
	else
		/* CROSS JOIN: messages outside, in id order, so LIMIT stops the scan. */
		snprintf(buf, n, "SELECT max(mid) FROM (SELECT m.id AS mid FROM messages m"
			 " CROSS JOIN dialogs d ON d.id = m.dialog_id WHERE m.id > ?1"
			 " AND (?2 = 0 OR m.capture_id = ?2)%s AND %s"
			 " ORDER BY m.id LIMIT :chunk)",
			 d->kind == PRUNE_RAW ? " AND m.raw IS NOT NULL" : "", d->cls);
}

/* Writes step's statements' SQL into sql[] (NULL past the last). */
static void prune_sql(const struct prune_step_def *d, char sql[PRUNE_MAX_SQL][600])
{
	for (int i = 0; i < PRUNE_MAX_SQL; i++)
		sql[i][0] = '\0';
	switch (d->kind) {
	case PRUNE_LOOSE:
		snprintf(sql[0], sizeof sql[0], "DELETE FROM messages WHERE id IN (SELECT id FROM"
			 " messages WHERE dialog_id IS NULL AND (?1 = 0 OR capture_id = ?1)"
			 " ORDER BY id LIMIT " PRUNE_CHUNK_LOOSE ")");
		break;
	case PRUNE_RAW:
		snprintf(sql[0], sizeof sql[0],
			 "UPDATE messages SET raw = NULL WHERE id > ?1 AND id <= ?2 AND raw IS NOT NULL"
			 " AND (?3 = 0 OR capture_id = ?3) AND " PRUNE_OF, d->cls);
		break;
	case PRUNE_MESSAGES:
		snprintf(sql[0], sizeof sql[0],
			 "DELETE FROM messages WHERE id > ?1 AND id <= ?2 AND (?3 = 0 OR capture_id = ?3)"
			 " AND " PRUNE_OF, d->cls);
		break;
	case PRUNE_DIALOGS:
		snprintf(sql[0], sizeof sql[0], "DELETE FROM messages WHERE dialog_id IN " PRUNE_IN,
			 d->cls);
		snprintf(sql[1], sizeof sql[1], "DELETE FROM findings WHERE dialog_id IN " PRUNE_IN,
			 d->cls);
		snprintf(sql[2], sizeof sql[2],
			 "DELETE FROM dialogs WHERE id > ?1 AND id <= ?2 AND %s", d->cls);
		break;
	}
}

struct pruner {
	sqlite3 *db;
	sqlite3_stmt *cursor[PRUNE_N_STEPS], *change[PRUNE_N_STEPS][PRUNE_MAX_SQL];
	sqlite3_stmt *high_water, *sizes;
	int64_t pos[PRUNE_N_STEPS];
	size_t step;
	bool dry;   /* the last round found nothing more to remove */
	bool swept; /* this round's message steps ran from their start */
	int64_t capture; /* messages_only: of this capture only (0 = any) */
	int shrink; /* chunks are 2^shrink times smaller than their full size */
};

static int prune_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (!sql) {
		*st = NULL;
		return SQLITE_OK;
	}
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

struct pruner *prune_new(sqlite3 *db, int *rc)
{
	struct pruner *p = xcalloc(1, sizeof *p);

	p->db = db;
	*rc = SQLITE_OK;
	for (size_t i = 0; i < PRUNE_N_STEPS && *rc == SQLITE_OK; i++) {
		char sql[PRUNE_MAX_SQL][600], cur[600];
		const struct prune_step_def *d = &prune_steps[i];
		prune_sql(d, sql);
		if (d->cls) {
			prune_cursor_sql(d, cur, sizeof cur);
			*rc = prune_prepare(db, cur, &p->cursor[i]);
		}
		for (int k = 0; k < PRUNE_MAX_SQL && *rc == SQLITE_OK; k++)
			*rc = prune_prepare(db, sql[k][0] ? sql[k] : NULL, &p->change[i][k]);
	}
	if (*rc == SQLITE_OK)
		*rc = prune_prepare(db, prune_high_water_sql, &p->high_water);
	if (*rc == SQLITE_OK)
		*rc = prune_prepare(db, "SELECT (SELECT page_count FROM pragma_page_count),"
				    " (SELECT freelist_count FROM pragma_freelist_count),"
				    " (SELECT page_size FROM pragma_page_size)", &p->sizes);
	if (*rc != SQLITE_OK) {
		prune_free(p);
		return NULL;
	}
	return p;
}

void prune_free(struct pruner *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < PRUNE_N_STEPS; i++) {
		sqlite3_finalize(p->cursor[i]);
		for (int k = 0; k < PRUNE_MAX_SQL; k++)
			sqlite3_finalize(p->change[i][k]);
	}
	sqlite3_finalize(p->high_water);
	sqlite3_finalize(p->sizes);
	free(p);
}

static uint64_t prune_file_size(const char *path, const char *suffix)
{
	char name[4096];
	struct stat st;

	snprintf(name, sizeof name, "%s%s", path, suffix);
	return stat(name, &st) == 0 ? (uint64_t)st.st_size : 0;
}

bool prune_sizes(struct pruner *p, const char *path, uint64_t *used, uint64_t *files)
{
	int rc = sqlite3_step(p->sizes);
	bool ok = rc == SQLITE_ROW;

	if (ok) {
		int64_t pages = sqlite3_column_int64(p->sizes, 0);
		int64_t free_pages = sqlite3_column_int64(p->sizes, 1);
		int64_t size = sqlite3_column_int64(p->sizes, 2);
		*used = pages > free_pages ? (uint64_t)((pages - free_pages) * size) : 0;
	}
	sqlite3_reset(p->sizes);
	*files = prune_file_size(path, "") + prune_file_size(path, "-wal");
	return ok;
}

void prune_rewind(struct pruner *p)
{
	p->step = 0;
	p->swept = false;
	p->shrink = 0;
}

bool prune_shrink(struct pruner *p)
{
	if (p->shrink >= PRUNE_SHRINK_MAX)
		return false;
	p->shrink++;
	return true;
}

bool prune_dry(const struct pruner *p)
{
	return p->dry;
}

static int prune_exec(sqlite3 *db, const char *sql)
{
	return dbutil_exec(db, sql);
}

/* Runs step i's chunk from its cursor, adding the rows changed to *changed.
 * SQLITE_DONE once the step has run dry. */
static int prune_chunk(struct pruner *p, size_t i, int64_t *changed)
{
	int64_t last = 0;
	int rc = SQLITE_OK;

	if (p->cursor[i]) {
		bool dialogs = prune_steps[i].kind == PRUNE_DIALOGS;
		int64_t full = dialogs ? PRUNE_CHUNK_DIALOGS : PRUNE_CHUNK_MESSAGES;
		sqlite3_bind_int64(p->cursor[i], 1, p->pos[i]);
		if (!dialogs)
			sqlite3_bind_int64(p->cursor[i], 2, p->capture);
		sqlite3_bind_int64(p->cursor[i],
				   sqlite3_bind_parameter_index(p->cursor[i], ":chunk"),
				   full >> p->shrink); /* PRUNE_SHRINK_MAX keeps it >= 1 */
		rc = sqlite3_step(p->cursor[i]);
		if (rc == SQLITE_ROW) {
			last = sqlite3_column_int64(p->cursor[i], 0);
			rc = SQLITE_OK;
		}
		sqlite3_reset(p->cursor[i]);
		if (rc != SQLITE_OK)
			return rc;
		if (last == 0) /* NULL: no dialog of this class past the cursor */
			return SQLITE_DONE;
	}
	int64_t before = *changed;
	for (int k = 0; k < PRUNE_MAX_SQL && p->change[i][k]; k++) {
		sqlite3_stmt *st = p->change[i][k];
		int np = sqlite3_bind_parameter_count(st);
		if (np >= 2) {
			sqlite3_bind_int64(st, 1, p->pos[i]);
			sqlite3_bind_int64(st, 2, last);
		}
		if (np == 1 || np >= 3)
			sqlite3_bind_int64(st, np, p->capture);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return rc;
		*changed += sqlite3_changes64(p->db);
	}
	if (!p->cursor[i])
		return *changed == before ? SQLITE_DONE : SQLITE_OK;
	p->pos[i] = last;
	return SQLITE_OK;
}

int64_t prune_step(struct pruner *p, bool messages_only, uint64_t capture, int *rc)
{
	if (p->capture != (int64_t)capture) /* another scope: other cursors */
		memset(p->pos, 0, sizeof p->pos);
	p->capture = (int64_t)capture;
	int64_t changed = 0;

	*rc = prune_exec(p->db, "BEGIN IMMEDIATE");
	if (*rc != SQLITE_OK)
		return -1;
	*rc = sqlite3_step(p->high_water);
	sqlite3_reset(p->high_water);
	if (*rc == SQLITE_DONE)
		*rc = SQLITE_OK;
	/* Bounded: a step whose chunk changed nothing moves its cursor on. */
	for (int tries = 0; *rc == SQLITE_OK && changed == 0 && tries < 64; tries++) {
		if (p->step >= PRUNE_N_STEPS)
			break;
		if (prune_steps[p->step].kind == PRUNE_DIALOGS && !p->swept) {
			/* Before any dialog goes: every message step once more from
			 * its start (a cursor passes over the messages of dialogs
			 * that changed class since, e.g. ended). */
			p->swept = true;
			for (size_t k = 0; k < p->step; k++)
				if (prune_steps[k].kind != PRUNE_DIALOGS)
					p->pos[k] = 0;
			p->step = 0;
			continue;
		}
		int r = messages_only && prune_steps[p->step].kind == PRUNE_DIALOGS
				? SQLITE_DONE : prune_chunk(p, p->step, &changed);
		if (r == SQLITE_DONE)
			p->step++;
		else
			*rc = r;
	}
	if (*rc == SQLITE_OK)
		*rc = prune_exec(p->db, "COMMIT");
	if (*rc != SQLITE_OK) {
		if (!sqlite3_get_autocommit(p->db))
			prune_exec(p->db, "ROLLBACK");
		return -1;
	}
	if (changed == 0 && p->step >= PRUNE_N_STEPS) {
		/* Everything ran dry: the next round starts over. */
		memset(p->pos, 0, sizeof p->pos);
		p->step = 0;
		p->dry = true;
	} else if (changed) {
		p->dry = false;
	}
	return changed;
}

int prune_release(struct pruner *p, int64_t keep_pages)
{
	int rc = sqlite3_step(p->sizes);
	int64_t free_pages = rc == SQLITE_ROW ? sqlite3_column_int64(p->sizes, 1) : 0;

	sqlite3_reset(p->sizes);
	if (free_pages <= keep_pages)
		return SQLITE_OK;
	/* A pragma takes no bound value: the count is ours, not the wire's. */
	char sql[64];
	sqlite3_stmt *st = NULL;
	snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%lld)", (long long)(free_pages - keep_pages));
	rc = sqlite3_prepare_v2(p->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	/* It returns a row per page freed: step to the end. */
	do
		rc = sqlite3_step(st);
	while (rc == SQLITE_ROW);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
