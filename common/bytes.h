/* bytes: the one bounds-checked reader for packet bytes.
 *
 * Every read past the end sets a sticky `truncated` flag and returns 0, so a
 * decoder can read a whole header and check once at the end (tcpdump's GET_*
 * macros, without longjmp). */
#ifndef SIPWATCH_BYTES_H
#define SIPWATCH_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reader {
	const uint8_t *data;
	size_t len;
	size_t off;
	bool truncated;
};

static inline void reader_init(struct reader *r, const uint8_t *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->off = 0;
	r->truncated = false;
}

static inline size_t reader_left(const struct reader *r)
{
	return r->truncated ? 0 : r->len - r->off;
}

static inline bool reader_has(struct reader *r, size_t n)
{
	if (r->truncated || n > r->len - r->off) {
		r->truncated = true;
		return false;
	}
	return true;
}

/* Pointer to the next n bytes and advance, or NULL (and truncated) if fewer remain. */
static inline const uint8_t *reader_take(struct reader *r, size_t n)
{
	if (!reader_has(r, n))
		return NULL;
	const uint8_t *p = r->data + r->off;
	r->off += n;
	return p;
}

static inline const uint8_t *reader_peek(struct reader *r, size_t n)
{
	if (r->truncated || n > r->len - r->off)
		return NULL;
	return r->data + r->off;
}

static inline void reader_skip(struct reader *r, size_t n)
{
	(void)reader_take(r, n);
}

static inline uint8_t reader_u8(struct reader *r)
{
	const uint8_t *p = reader_take(r, 1);
	return p ? p[0] : 0;
}

static inline uint16_t reader_be16(struct reader *r)
{
	const uint8_t *p = reader_take(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t reader_be32(struct reader *r)
{
	const uint8_t *p = reader_take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

static inline uint32_t reader_le32(struct reader *r)
{
	const uint8_t *p = reader_take(r, 4);
	return p ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
}

#endif
