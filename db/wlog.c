/* wlog: a growable byte buffer of records, aligned like the row queue's
 * (wlog.h).  The buffer keeps its capacity across resets: a transaction's
 * essentials are about the same size every time, so it is allocated once. */
#include "db/wlog.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "db/rowq.h"

void wlog_init(struct wlog *l, size_t max_bytes)
{
	memset(l, 0, sizeof *l);
	l->max_bytes = max_bytes;
}

void wlog_free(struct wlog *l)
{
	free(l->buf);
	memset(l, 0, sizeof *l);
}

bool wlog_append(struct wlog *l, const void *rec, size_t size)
{
	size_t step = (size + ROWQ_ALIGN - 1) & ~(size_t)(ROWQ_ALIGN - 1);

	if (l->len + step > l->max_bytes)
		return false;
	if (l->len + step > l->cap) {
		size_t cap = l->cap ? l->cap : 64 * 1024;
		while (cap < l->len + step)
			cap *= 2;
		if (cap > l->max_bytes)
			cap = l->max_bytes;
		l->buf = xrealloc(l->buf, cap);
		l->cap = cap;
	}
	memcpy(l->buf + l->len, rec, size);
	l->len += step;
	l->n++;
	return true;
}

void wlog_reset(struct wlog *l)
{
	/* A burst (a long outage) may have grown it far: give that back. */
	if (l->cap > 4 * 1024 * 1024) {
		free(l->buf);
		l->buf = NULL;
		l->cap = 0;
	}
	l->len = 0;
	l->n = 0;
}

void wlog_drop_front(struct wlog *l, size_t off)
{
	if (off >= l->len) {
		wlog_reset(l);
		return;
	}
	size_t gone = 0;
	for (size_t o = 0; o < off && wlog_next(l, &o);)
		gone++;
	memmove(l->buf, l->buf + off, l->len - off);
	l->len -= off;
	l->n -= gone;
}

const void *wlog_next(const struct wlog *l, size_t *off)
{
	if (*off >= l->len)
		return NULL;
	const uint8_t *rec = l->buf + *off;
	uint32_t size;
	memcpy(&size, rec + sizeof(uint32_t), sizeof size); /* storerec_hdr.size */
	*off += (size + ROWQ_ALIGN - 1) & ~(size_t)(ROWQ_ALIGN - 1);
	return rec;
}
