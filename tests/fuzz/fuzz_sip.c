/* fuzz_sip: libFuzzer target for the SIP/analyzer path — payload → parse →
 * dialogs and session-timer state.  Input: messages separated by FUZZ_SEP;
 * each is 1 byte choosing the leg (bit 7: TCP), 2 bytes of time step (ms),
 * then the payload.  The seeds are whole captures' conversations, so dialogs,
 * transactions and timers build up within one input. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer/analyzer.h"
#include "analyzer/sip_parse.h"
#include "capture/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SEP "\xff\xfe\xfd\xfc"

static void fuzz_message(void *ctx, const struct message_record *m)
{
	volatile size_t n = 0;
	(void)ctx;
	for (size_t i = 0; i < m->raw_len; i++)
		n += m->raw[i];
	if (m->call_id)
		n += strlen(m->call_id);
	(void)n;
}

static void fuzz_finding(void *ctx, const struct finding_record *f)
{
	volatile size_t n;
	(void)ctx;
	n = strlen(f->detail) + strlen(f->endpoint);
	(void)n;
}

static void fuzz_dialog(void *ctx, const struct dialog_record *d)
{
	volatile size_t n = 0;
	(void)ctx;
	if (d->call_id)
		n += strlen(d->call_id);
	if (d->from_uri)
		n += strlen(d->from_uri);
	(void)n;
}

static const uint8_t *fuzz_find(const uint8_t *h, size_t n, const uint8_t *x, size_t k)
{
	for (size_t i = 0; i + k <= n; i++) {
		const uint8_t *c = memchr(h + i, x[0], n - i - k + 1);
		if (c == NULL)
			return NULL;
		i = (size_t)(c - h);
		if (memcmp(c, x, k) == 0)
			return c;
	}
	return NULL;
}

/* One message: leg byte, 2 bytes of time step, payload. */
static void fuzz_feed(struct analyzer *a, int64_t *now, const uint8_t *data, size_t size)
{
	struct flow flow;

	if (size < 3)
		return;
	memset(&flow, 0, sizeof flow);
	flow.src.family = flow.dst.family = 4;
	flow.src.ip[0] = flow.dst.ip[0] = 127;
	flow.src.ip[3] = (uint8_t)(10 + (data[0] & 3));
	flow.dst.ip[3] = (uint8_t)(10 + ((data[0] >> 2) & 3));
	flow.src.port = flow.dst.port = 5060;
	flow.transport = (data[0] & 0x80) ? TRANSPORT_TCP : TRANSPORT_UDP;
	*now += (int64_t)(data[1] | data[2] << 8) * 1000;
	struct sip_packet *p = sip_packet_new(*now, &flow, data + 3, (uint32_t)(size - 3));
	analyzer_feed(a, p);
	sip_packet_free(p);
}

/* A fresh analyzer per input, so a crash reproduces from its input alone and
 * LeakSanitizer sees every leak; the input carries a whole conversation:
 * messages separated by FUZZ_SEP, each as fuzz_feed reads it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t sep[] = FUZZ_SEP;
	static bool initialised;
	int64_t now = 1700000000LL * 1000000;
	struct analyzer_config cfg;
	struct analyzer_sink sink = {.message = fuzz_message, .dialog = fuzz_dialog,
				     .finding = fuzz_finding};

	if (!initialised) {
		sip_parse_init();
		initialised = true;
	}
	analyzer_config_defaults(&cfg);
	cfg.max_dialogs = 4; /* small, so eviction runs too */
	struct analyzer *a = analyzer_new(&cfg, &sink);
	while (size > 0) {
		const uint8_t *end = fuzz_find(data, size, sep, sizeof sep - 1);
		size_t n = end ? (size_t)(end - data) : size;
		fuzz_feed(a, &now, data, n);
		if (!end)
			break;
		data += n + sizeof sep - 1;
		size -= n + sizeof sep - 1;
	}
	analyzer_finish(a, now + 3600 * 1000000LL);
	analyzer_free(a);
	return 0;
}
