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

static uint64_t hash_rotl(uint64_t v, int r)
{
	return (v << r) | (v >> (64 - r));
}

/* MurmurHash3's 64-bit block step: the multiplies work on each word alone,
 * so successive words overlap in the pipeline, and only the short rotate and
 * add chain runs through h (the fmix64 per word this replaced serialised two
 * multiplies a word: 4 % of the analyzer's cycles on whole packets, issue 20). */
uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);

	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		v *= 0x87c37b91114253d5ULL;
		v = hash_rotl(v, 31);
		v *= 0x4cf5ad432745937fULL;
		h ^= v;
		h = hash_rotl(h, 27) * 5 + 0x52dce729;
		p += 8;
		n -= 8;
	}
	uint64_t tail = 0;
	if (n)	/* n == 0 may come with p == NULL */
		memcpy(&tail, p, n);
	return hash_mix(h ^ tail ^ ((uint64_t)n << 56));
}
