/* test_dedup: mirror duplicates against retransmissions by wire id (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/dedup.h"

#define MS 1000
static const char MSG[] = "SIP/2.0 200 OK\r\nCall-ID: d\r\nCSeq: 2 UPDATE\r\n\r\n";

static struct sip_packet *pkt(int64_t ts, uint8_t kind, uint32_t id)
{
	struct flow f = {.src = {.family = 4, .ip = {10, 0, 0, 1}, .port = 5060},
			 .dst = {.family = 4, .ip = {10, 0, 0, 2}, .port = 5060}};
	struct sip_packet *p = sip_packet_new(ts, &f, (const uint8_t *)MSG, sizeof MSG - 1);

	p->wire = (struct sip_wire){.kind = kind, .id = id};
	return p;
}

static bool seen(struct seen_cache *d, int64_t ts, uint8_t kind, uint32_t id)
{
	struct sip_packet *p = pkt(ts, kind, id);
	bool dup = dedup_is_duplicate(d, p);

	sip_packet_free(p);
	return dup;
}

static void test_same_ip_id_is_a_mirror_duplicate(void **state)
{
	(void)state;
	struct seen_cache *d = dedup_new();

	assert_false(seen(d, 1000 * MS, SIP_WIRE_IPV4_ID, 0x773d));
	assert_true(seen(d, 1001 * MS, SIP_WIRE_IPV4_ID, 0x773d));
	seen_cache_free(d);
}

static void test_new_ip_id_is_a_retransmission(void **state)
{
	(void)state;
	struct seen_cache *d = dedup_new();

	assert_false(seen(d, 1000 * MS, SIP_WIRE_IPV4_ID, 0x8e0f));
	assert_false(seen(d, 1009 * MS, SIP_WIRE_IPV4_ID, 0x9130)); /* kept */
	assert_true(seen(d, 1010 * MS, SIP_WIRE_IPV4_ID, 0x9130));  /* its mirror copy */
	seen_cache_free(d);
}

static void test_without_ids_the_window_decides(void **state)
{
	(void)state;
	struct seen_cache *d = dedup_new();

	assert_false(seen(d, 1000 * MS, SIP_WIRE_NONE, 0));
	assert_true(seen(d, 1009 * MS, SIP_WIRE_NONE, 0));
	assert_false(seen(d, 1100 * MS, SIP_WIRE_NONE, 0)); /* past the 50 ms window */
	assert_false(seen(d, 2000 * MS, SIP_WIRE_TCP_SEQ, 100));
	assert_false(seen(d, 2001 * MS, SIP_WIRE_TCP_SEQ, 900)); /* sent again on the stream */
	seen_cache_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_ip_id_is_a_mirror_duplicate),
		cmocka_unit_test(test_new_ip_id_is_a_retransmission),
		cmocka_unit_test(test_without_ids_the_window_decides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
