/* hash: a 64-bit mixing hash of byte strings (see hash.h). */
#include "common/hash.h"

#include <string.h>

/* The finaliser of MurmurHash3 (fmix64): every input bit reaches every output bit. */
static uint64_t hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);

	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = hash_mix(h ^ v) + 0x9e3779b97f4a7c15ULL;
		p += 8;
		n -= 8;
	}
	uint64_t tail = 0;
	if (n)	/* n == 0 may come with p == NULL */
		memcpy(&tail, p, n);
	return hash_mix(h ^ tail ^ ((uint64_t)n << 56));
}
