/* writer_map: the dialog coalescing map (writer_map.h): open addressing on
 * the dialog id, linear probing, entries in first-seen order. */
#include "db/writer_map.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static uint32_t writer_map_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= UINT64_C(0xff51afd7ed558ccd);
	id ^= id >> 33;
	return (uint32_t)id;
}

void writer_map_init(struct writer_map *m)
{
	m->slot = xcalloc(WRITER_MAP_SLOTS, sizeof *m->slot);
	m->e = xcalloc(WRITER_MAP_MAX, sizeof *m->e);
}

void writer_map_free(struct writer_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].buf);
	free(m->e);
	free(m->slot);
	memset(m, 0, sizeof *m);
}

void writer_map_clear(struct writer_map *m)
{
	if (m->n == 0)
		return;
	/* Not kept for the next transaction: the map's memory is what it holds. */
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].buf);
		m->e[i].buf = NULL;
		m->e[i].cap = 0;
	}
	memset(m->slot, 0, WRITER_MAP_SLOTS * sizeof *m->slot);
	m->n = 0;
	m->bytes = 0;
}

bool writer_map_put(struct writer_map *m, const struct storerec_dialog *d, bool force)
{
	size_t size = d->h.size;
	uint32_t i = writer_map_hash(d->id) & (WRITER_MAP_SLOTS - 1);

	while (m->slot[i] && m->e[m->slot[i] - 1].id != d->id)
		i = (i + 1) & (WRITER_MAP_SLOTS - 1);
	if (!m->slot[i]) {
		if (!force && (m->n == WRITER_MAP_MAX || m->bytes + size > WRITER_MAP_MAX_BYTES))
			return false;
		m->e[m->n].id = d->id;
		m->slot[i] = (uint32_t)++m->n;
	}
	struct writer_entry *e = &m->e[m->slot[i] - 1];
	if (e->cap < size) {
		m->bytes -= e->cap;
		free(e->buf);
		e->cap = (size + 63) & ~(size_t)63; /* room for an update that grows a little */
		e->buf = xmalloc(e->cap);
		m->bytes += e->cap;
	}
	memcpy(e->buf, d, size);
	return true;
}
