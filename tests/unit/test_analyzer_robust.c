/* analyzer robustness: RFC 4475 torture messages and randomly damaged calls
 * (flipped bytes, cuts, duplicated and reordered packets) never crash it, and
 * the records stay consistent: a message's dialog row exists before it, a
 * finding points at a message already emitted, every dialog ends with an end
 * class and leaves memory at analyzer_finish.  Run it under ASan. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/sipgen.h"

#define RFC4475_DIR "tests/data/rfc4475"

static void check_consistency(const struct sg_harness *h)
{
	for (size_t i = 0; i < h->n_msgs; i++) {
		if (!h->msgs[i].dialog_id)
			continue;
		bool seen = false;
		for (size_t k = 0; k < h->n_dialogs && !seen; k++)
			seen = h->dialogs[k].r.id == h->msgs[i].dialog_id;
		if (!seen)
			fail_msg("message %llu refers to dialog %llu never emitted",
				 (unsigned long long)h->msgs[i].id,
				 (unsigned long long)h->msgs[i].dialog_id);
	}
	for (size_t i = 0; i < h->n_findings; i++) {
		uint64_t mid = h->findings[i].message_id;
		if (mid && !sg_message(h, mid))
			fail_msg("finding %s points at unknown message %llu",
				 finding_code_name(h->findings[i].code), (unsigned long long)mid);
		assert_true(strlen(h->findings[i].detail) > 0);
	}
	/* every dialog's last row carries an end class */
	for (size_t i = 0; i < h->n_dialogs; i++) {
		const struct sg_dialog *d = sg_dialog(h, h->dialogs[i].r.id);
		/* REGISTER, OPTIONS ... entries have a state instead (method_track.c) */
		if (d->r.end_class == END_NONE && dialog_record_is_invite(&d->r))
			fail_msg("dialog %llu (%s) never ended", (unsigned long long)d->r.id,
				 d->call_id);
	}
}

static size_t in_memory(const struct sg_harness *h)
{
	struct analyzer_stats st;

	analyzer_get_stats(h->a, &st);
	return (size_t)st.dialogs_active;
}

static void test_rfc4475_messages(void **state)
{
	(void)state;
	struct sg_harness h;
	DIR *dir = opendir(RFC4475_DIR);
	struct dirent *e;
	double t = 0;
	size_t n = 0;

	if (!dir)
		skip();
	sg_init(&h, NULL);
	while ((e = readdir(dir)) != NULL) {
		char path[512], buf[70000];
		if (!strstr(e->d_name, ".dat"))
			continue;
		snprintf(path, sizeof path, "%s/%s", RFC4475_DIR, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		/* each twice (a retransmission), on two legs */
		sg_feed(&h, t, "10.0.0.1:5060", "10.0.0.2:5060", false, buf, len);
		sg_feed(&h, t + 0.001, "10.0.0.2:5060", "10.0.0.3:5060", false, buf, len);
		sg_feed(&h, t + 0.6, "10.0.0.1:5060", "10.0.0.2:5060", false, buf, len);
		t += 1;
		n++;
	}
	closedir(dir);
	assert_true(n >= 40);
	sg_finish(&h, t + 100);
	assert_int_equal(in_memory(&h), 0);
	check_consistency(&h);
	sg_fini(&h);
}

/* xorshift64*: deterministic damage */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

struct wire {
	char text[2048];
	size_t len;
	double t;
	bool request;
	enum sg_side from;
	bool far;
};

/* A whole call through the proxy, as the packets it is made of. */
static size_t build_call(struct sg_call *c, struct wire *w, size_t max)
{
	static const struct {
		bool request;
		enum sg_side from;
		const char *method;
		int status;
		uint32_t cseq;
		double t;
	} script[] = {
		{true, SG_CALLER, "INVITE", 0, 1, 0},   {false, SG_CALLER, "INVITE", 180, 1, 0.01},
		{false, SG_CALLER, "INVITE", 200, 1, 0.02}, {true, SG_CALLER, "ACK", 0, 1, 0.03},
		{true, SG_CALLER, "UPDATE", 0, 2, 45},  {false, SG_CALLER, "UPDATE", 200, 2, 45.01},
		{true, SG_CALLEE, "INVITE", 0, 1, 60},  {false, SG_CALLEE, "INVITE", 491, 1, 60.01},
		{true, SG_CALLER, "INVITE", 0, 3, 70},  {false, SG_CALLER, "INVITE", 200, 3, 70.01},
		{true, SG_CALLER, "ACK", 0, 3, 70.02},  {true, SG_CALLER, "BYE", 0, 4, 100},
		{false, SG_CALLER, "BYE", 200, 4, 100.01},
	};
	struct sg_opts timer = {.se = 90, .refresher = "uac", .min_se = 90, .supported_timer = true,
				.require_timer = true};
	size_t n = 0;

	for (size_t i = 0; i < sizeof script / sizeof script[0] && n + 2 <= max; i++) {
		for (int hop = 0; hop < 2; hop++) {
			struct wire *x = &w[n++];
			if (!script[i].request && script[i].status > 100 && script[i].from == SG_CALLER)
				c->tagged = true;
			x->request = script[i].request;
			x->from = script[i].from;
			x->far = script[i].request ? hop == 1 : hop == 0;
			x->t = script[i].t + hop * 0.001;
			x->len = sg_build(c, x->text, sizeof x->text, script[i].request, script[i].from,
					  script[i].method, script[i].status, script[i].cseq, &timer,
					  x->far);
		}
	}
	return n;
}

static void wire_endpoints(const struct sg_call *c, const struct wire *w, const char **src,
			   const char **dst)
{
	const char *sender = w->from == SG_CALLER ? c->caller : c->callee;
	const char *receiver = w->from == SG_CALLER ? c->callee : c->caller;

	if (w->request) {
		*src = w->far ? c->proxy : sender;
		*dst = w->far ? receiver : c->proxy;
	} else {
		*src = w->far ? receiver : c->proxy;
		*dst = w->far ? c->proxy : sender;
	}
}

static void test_damaged_calls(void **state)
{
	(void)state;
	uint64_t seed = 0x5eed5eed1234ULL;
	struct sg_harness h;

	sg_init(&h, NULL);
	for (int round = 0; round < 300; round++) {
		struct sg_call c;
		struct wire w[32];
		char cid[64];
		snprintf(cid, sizeof cid, "damaged-%d", round % 7); /* Call-IDs reused */
		sg_call_init(&c, &h, cid, true);
		size_t n = build_call(&c, w, 32);
		double base = round * 200.0;
		for (size_t i = 0; i < n; i++) {
			struct wire *x = &w[i];
			uint64_t r = rng_next(&seed);
			switch (r % 8) {
			case 0: /* flip a few bytes */
				for (int k = 0; k < 4; k++)
					x->text[rng_next(&seed) % x->len] ^= (char)(1 + rng_next(&seed) % 255);
				break;
			case 1: /* cut */
				x->len = rng_next(&seed) % (x->len + 1);
				break;
			case 2: /* drop */
				continue;
			default:
				break;
			}
			const char *src, *dst;
			wire_endpoints(&c, x, &src, &dst);
			double jitter = (double)(rng_next(&seed) % 3000) / 1e6;
			sg_feed(&h, base + x->t + jitter, src, dst, false, x->text, x->len);
			if (r % 16 == 5) /* mirror duplicate or retransmission */
				sg_feed(&h, base + x->t + jitter + (r % 2 ? 0.00001 : 0.5), src, dst,
					false, x->text, x->len);
		}
		if (round % 50 == 49)
			sg_tick(&h, base + 190);
	}
	sg_finish(&h, 300 * 200.0 + 100);
	assert_int_equal(in_memory(&h), 0);
	check_consistency(&h);
	print_message("# %zu messages, %zu dialog rows, %zu findings\n", h.n_msgs, h.n_dialogs,
		      h.n_findings);
	assert_true(h.n_findings > 50); /* the damage was seen, not just survived */
	sg_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4475_messages),
		cmocka_unit_test(test_damaged_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
