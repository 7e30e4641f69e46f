/* fuzz_tls: libFuzzer target for the TLS record layer and session — record
 * framing, handshake reassembly and parsing, key derivation, record opening
 * (AEAD, CBC with MAC-then-encrypt or encrypt-then-MAC, TLS 1.3 inner types,
 * KeyUpdate) — with the key logs of tests/captures/tls/ loaded, so inputs
 * grown from those captures' streams reach the decryption paths.
 * Input: chunks of [direction byte][length, 2 bytes LE][bytes]; the bytes of
 * each direction are offered as a TCP stream would offer them. */
#include <glob.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/tls_keylog.h"
#include "capture/tls_session.h"

#define FUZZ_TLS_MAX (96u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tls_keys *fuzz_keys;
static struct decoder_stats fuzz_stats;

static void fuzz_tls_load(void)
{
	glob_t g;

	fuzz_keys = tls_keys_new();
	if (glob("tests/captures/tls/*.keys", 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char buf[16384];
		size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
		if (f)
			fclose(f);
		tls_keys_parse(fuzz_keys, buf, n);
	}
	globfree(&g);
}

static void fuzz_sink(void *ctx, const uint8_t *p, size_t n)
{
	volatile uint8_t x = 0;

	for (size_t i = 0; i < n; i++) /* every byte: ASan sees a bad length */
		x ^= p[i];
	(void)x;
	(*(size_t *)ctx) += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[2][FUZZ_TLS_MAX];
	size_t len[2] = {0, 0}, out = 0;
	struct net_addr addr[2] = {{.family = 4, .ip = {10, 0, 0, 1}, .port = 40000},
				   {.family = 4, .ip = {10, 0, 0, 2}, .port = 5061}};
	int64_t ts = 1700000000LL * 1000000;

	if (!fuzz_keys)
		fuzz_tls_load();
	struct tls_session *s = tls_session_new(fuzz_keys, &fuzz_stats, true);
	size_t at = 0;
	while (size - at >= 3) {
		int d = data[at] & 1;
		size_t n = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
		at += 3;
		if (n > size - at)
			n = size - at;
		if (n > FUZZ_TLS_MAX - len[d])
			break;
		memcpy(buf[d] + len[d], data + at, n);
		len[d] += n;
		at += n;
		ts += 1000;
		size_t used = tls_session_feed(s, &addr[d], ts, buf[d], len[d], fuzz_sink, &out);
		if (used == SIZE_MAX)
			used = len[d]; /* not TLS: the layer would drop the rest */
		memmove(buf[d], buf[d] + used, len[d] - used);
		len[d] -= used;
	}
	tls_session_unref(s);
	return 0;
}
