/* hash: the project's hash functions, one home for them.
 *
 * hash_bytes: a 64-bit mixing hash of a byte string (dedup keys, Call-IDs,
 * Via branches, endpoints); hash_fnv1a: FNV-1a over 32 bits, cheap and
 * incremental, to spread flows and fragment keys over buckets in capture/.
 * Neither is for anything an attacker must not collide on purpose: every
 * table that uses them also compares the keys. */
#ifndef SIPWATCH_HASH_H
#define SIPWATCH_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit hash of n bytes at data, chained through seed. */
uint64_t hash_bytes(const void *data, size_t n, uint64_t seed);

#define HASH_FNV1A_INIT 2166136261u

/* FNV-1a of n bytes at p continuing from h (HASH_FNV1A_INIT to start). */
static inline uint32_t hash_fnv1a(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

#endif
