/* fuzz_sip: libFuzzer target for the SIP/analyzer path — payload → parse →
 * dialogs and session-timer state.  One analyzer lives across inputs, so state
 * built by earlier inputs (dialogs, transactions, timers) meets later ones.
 * Input: 1 byte choosing the leg, 2 bytes of time step (ms), then the payload. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer/analyzer.h"
#include "analyzer/sip_parse.h"
#include "capture/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct analyzer *a;
	static int64_t now = 1700000000LL * 1000000;
	static unsigned inputs;
	struct flow flow;

	if (!a) {
		struct analyzer_config cfg;
		struct analyzer_sink sink = {.message = fuzz_message, .dialog = fuzz_dialog,
					     .finding = fuzz_finding};
		sip_parse_init();
		analyzer_config_defaults(&cfg);
		cfg.max_dialogs = 256;
		a = analyzer_new(&cfg, &sink);
	}
	if (size < 3)
		return 0;
	memset(&flow, 0, sizeof flow);
	flow.src.family = flow.dst.family = 4;
	flow.src.ip[0] = flow.dst.ip[0] = 127;
	flow.src.ip[3] = (uint8_t)(10 + (data[0] & 3));
	flow.dst.ip[3] = (uint8_t)(10 + ((data[0] >> 2) & 3));
	flow.src.port = flow.dst.port = 5060;
	flow.transport = (data[0] & 0x80) ? TRANSPORT_TCP : TRANSPORT_UDP;
	now += (int64_t)(data[1] | data[2] << 8) * 1000;
	struct sip_packet *p = sip_packet_new(now, &flow, data + 3, (uint32_t)(size - 3));
	analyzer_feed(a, p);
	sip_packet_free(p);
	if (++inputs % 5000 == 0) {
		analyzer_finish(a, now);
		analyzer_free(a);
		a = NULL;
	}
	return 0;
}
