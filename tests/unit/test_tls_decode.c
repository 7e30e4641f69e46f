/* test_tls_decode: the decoder on a real TLS 1.2 capture (Python ssl, see
 * tests/captures/tls/record.sh) when the key log fills in late, as it does
 * live: the first encrypted SIP message arrives while the key log is still
 * empty, the keys are appended, and every message is still decrypted.  And
 * with no key store at all: nothing comes out, the sessions are counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/decode.h"
#include "capture/tls_keylog.h"
#include "tests/support/test_dir.h"

#define CAP "tests/captures/tls/outage_tls12.pcap"
#define KEYS "tests/captures/tls/outage_tls12.keys"

struct count {
	size_t n;
	size_t tls; /* of them with transport tls */
};

static void count_emit(void *ctx, const struct sip_packet *hdr, const uint8_t *data)
{
	struct sip_packet *p = sip_packet_dup(hdr, data); /* the sink lends them */
	struct count *c = ctx;

	c->n++;
	c->tls += p->flow.transport == TRANSPORT_TLS;
	sip_packet_free(p);
}

/* Feeds frames [from, to) of the capture; returns how many it has. */
static size_t feed(struct decoder *d, size_t from, size_t to)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(CAP, errbuf);
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t i = 0;

	if (!p)
		fail_msg("%s: %s", CAP, errbuf);
	while (pcap_next_ex(p, &h, &data) == 1) {
		if (i >= from && i < to)
			decoder_frame(d, pcap_datalink(p), (int64_t)h->ts.tv_sec * USEC_PER_SEC +
				      h->ts.tv_usec, data, h->caplen);
		i++;
	}
	pcap_close(p);
	return i;
}

static struct decoder *new_decoder(struct tls_keys *k, struct count *c)
{
	struct decoder_config cfg;

	decoder_config_defaults(&cfg);
	cfg.tls_keys = k;
	return decoder_new(&cfg, count_emit, c);
}

static void test_late_keys(void **state)
{
	(void)state;
	char dir[256], path[300], warn[256], err[256];
	struct count all = {0}, c = {0};

	/* With the keys from the start: every message, and the first one's frame. */
	struct tls_keys *k = tls_keys_new();
	assert_true(tls_keys_add_keylog(k, KEYS, warn, sizeof warn, err, sizeof err));
	struct decoder *d = new_decoder(k, &all);
	size_t frames = feed(d, 0, SIZE_MAX), first = 0;
	decoder_flush(d);
	assert_int_equal(all.n, 21);
	assert_int_equal(all.tls, 21);
	assert_int_equal(decoder_stats(d)->tls_decrypted, 2);
	decoder_free(d);
	struct count probe = {0};
	d = new_decoder(k, &probe);
	while (probe.n == 0 && first < frames)
		feed(d, first, first + 1), first++;
	decoder_free(d);
	tls_keys_free(k);

	/* The key log empty until just after that frame. */
	assert_int_equal(test_dir_make("sw16-tlsdec", dir, sizeof dir, path, sizeof path), 0);
	snprintf(path, sizeof path, "%s/keys.log", dir);
	FILE *f = fopen(path, "w");
	fclose(f);
	chmod(path, 0600);
	k = tls_keys_new();
	assert_true(tls_keys_add_keylog(k, path, warn, sizeof warn, err, sizeof err));
	d = new_decoder(k, &c);
	feed(d, 0, first);
	assert_int_equal(c.n, 0); /* waiting for the keys, not giving up */
	char cmd[700];
	snprintf(cmd, sizeof cmd, "cat %s >> %s", KEYS, path);
	assert_int_equal(system(cmd), 0);
	feed(d, first, SIZE_MAX);
	decoder_flush(d);
	assert_int_equal(c.n, all.n);
	assert_int_equal(decoder_stats(d)->tls_decrypted, 2);
	assert_int_equal(decoder_stats(d)->tls_no_keys, 0);
	decoder_free(d);
	tls_keys_free(k);
	assert_int_equal(test_dir_remove(dir), 0);
}

static void test_no_key_store(void **state)
{
	(void)state;
	struct count c = {0};
	struct decoder *d = new_decoder(NULL, &c);

	feed(d, 0, SIZE_MAX);
	decoder_flush(d);
	assert_int_equal(c.n, 0);
	assert_int_equal(decoder_stats(d)->tls_sessions, 2);
	assert_int_equal(decoder_stats(d)->tls_no_keys, 2);
	assert_int_equal(decoder_stats(d)->tls_decrypted, 0);
	assert_int_equal(decoder_stats(d)->invalid, 0);
	decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_keys),
		cmocka_unit_test(test_no_key_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
