/* analyzer on real captures: every pcap of tests/captures/corpus (SIPp +
 * Kamailio, copied from the shared corpus) goes capture_open_file → queue →
 * analyzer, and each dialog's verdict must be exactly expected.json's:
 * doomed, end_class, every expected finding present, and no code among the
 * judged ones (contract.finding_codes) outside expected + optional. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/analyzer.h"
#include "analyzer/sip_parse.h"
#include "capture/source.h"
#include "common/pkt_ring.h"
#include "tests/support/packet_sink.h"
#include "common/xalloc.h"

/* ---- a minimal JSON reader (objects, arrays, strings, numbers, literals) ---- */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	bool b;
	double num;
	char *str;
	struct jv **items; /* array items or object values */
	char **keys;       /* object keys */
	size_t n;
};

struct jp {
	const char *s;
	bool bad;
};

static void jp_ws(struct jp *p)
{
	while (*p->s == ' ' || *p->s == '\n' || *p->s == '\r' || *p->s == '\t')
		p->s++;
}

static char *jp_string(struct jp *p)
{
	size_t cap = 16, n = 0;
	char *out = xmalloc(cap);

	if (*p->s != '"') {
		p->bad = true;
		free(out);
		return NULL;
	}
	p->s++;
	while (*p->s && *p->s != '"') {
		char ch = *p->s++;
		if (ch == '\\' && *p->s) {
			ch = *p->s++;
			if (ch == 'n')
				ch = '\n';
			else if (ch == 't')
				ch = '\t';
			else if (ch == 'u') { /* the corpus is ASCII: keep a placeholder */
				for (int i = 0; i < 4 && *p->s; i++)
					p->s++;
				ch = '?';
			}
		}
		if (n + 2 > cap)
			out = xrealloc(out, cap *= 2);
		out[n++] = ch;
	}
	if (*p->s != '"')
		p->bad = true;
	else
		p->s++;
	out[n] = '\0';
	return out;
}

static struct jv *jp_value(struct jp *p, int depth);

static void jv_push(struct jv *v, char *key, struct jv *item)
{
	v->items = xrealloc(v->items, (v->n + 1) * sizeof *v->items);
	v->keys = xrealloc(v->keys, (v->n + 1) * sizeof *v->keys);
	v->items[v->n] = item;
	v->keys[v->n] = key;
	v->n++;
}

static struct jv *jp_container(struct jp *p, int depth, bool object)
{
	struct jv *v = xcalloc(1, sizeof *v);
	char close = object ? '}' : ']';

	v->type = object ? JV_OBJ : JV_ARR;
	p->s++;
	jp_ws(p);
	if (*p->s == close) {
		p->s++;
		return v;
	}
	while (!p->bad) {
		char *key = NULL;
		jp_ws(p);
		if (object) {
			key = jp_string(p);
			jp_ws(p);
			if (*p->s != ':')
				p->bad = true;
			else
				p->s++;
		}
		jv_push(v, key, jp_value(p, depth + 1));
		jp_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s == close)
			p->s++;
		else
			p->bad = true;
		break;
	}
	return v;
}

static struct jv *jp_value(struct jp *p, int depth)
{
	struct jv *v;

	jp_ws(p);
	if (depth > 64 || p->bad) {
		p->bad = true;
		return xcalloc(1, sizeof(struct jv));
	}
	if (*p->s == '{' || *p->s == '[')
		return jp_container(p, depth, *p->s == '{');
	v = xcalloc(1, sizeof *v);
	if (*p->s == '"') {
		v->type = JV_STR;
		v->str = jp_string(p);
	} else if (strncmp(p->s, "true", 4) == 0 || strncmp(p->s, "false", 5) == 0) {
		v->type = JV_BOOL;
		v->b = *p->s == 't';
		p->s += v->b ? 4 : 5;
	} else if (strncmp(p->s, "null", 4) == 0) {
		p->s += 4;
	} else {
		char *end;
		v->type = JV_NUM;
		v->num = strtod(p->s, &end);
		if (end == p->s)
			p->bad = true;
		p->s = end;
	}
	return v;
}

static void jv_free(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jv_free(v->items[i]);
		free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static const struct jv *jv_get(const struct jv *v, const char *key)
{
	if (!v || v->type != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

static bool jv_has_str(const struct jv *arr, const char *s)
{
	for (size_t i = 0; arr && i < arr->n; i++)
		if (arr->items[i]->type == JV_STR && strcmp(arr->items[i]->str, s) == 0)
			return true;
	return false;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 8192);
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* ---- running a capture ---- */

struct verdict {
	uint64_t id;
	char call_id[256];
	bool doomed;
	enum end_class end;
	uint32_t codes;
};

struct run {
	struct verdict v[64];
	size_t n;
};

static struct verdict *run_dialog(struct run *r, uint64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].id == id)
			return &r->v[i];
	if (r->n == sizeof r->v / sizeof r->v[0])
		return NULL;
	memset(&r->v[r->n], 0, sizeof r->v[0]);
	r->v[r->n].id = id;
	return &r->v[r->n++];
}

static void on_dialog(void *ctx, const struct dialog_record *d)
{
	struct verdict *v = run_dialog(ctx, d->id);

	if (!v)
		return;
	snprintf(v->call_id, sizeof v->call_id, "%s", d->call_id ? d->call_id : "");
	v->doomed = d->doomed;
	v->end = d->end_class;
}

static void on_finding(void *ctx, const struct finding_record *f)
{
	struct verdict *v = run_dialog(ctx, f->dialog_id);

	if (v)
		v->codes |= 1u << f->code;
	print_message("#   %s at %.6f: %s\n", finding_code_name(f->code), (double)f->ts_us / 1e6,
		      f->detail);
}

static const char *corpus_dir(void)
{
	const char *d = getenv("SIPWATCH_CORPUS");

	return d && *d ? d : "tests/captures/corpus";
}

/* Real-peer recordings (tests/peers/record.sh) judged the same way. */
static const char *peers_dir(void)
{
	const char *d = getenv("SIPWATCH_PEERS");

	return d && *d ? d : "tests/captures/peers";
}

static void run_capture(const char *path, struct run *r)
{
	struct capture_config cc;
	struct analyzer_config ac;
	char err[256];

	capture_config_defaults(&cc);
	analyzer_config_defaults(&ac);
	ac.utc = true;
	struct analyzer_sink sink = {.dialog = on_dialog, .finding = on_finding, .ctx = r};
	struct analyzer *a = analyzer_new(&ac, &sink);
	struct capture_source *s = capture_open_file(path, &cc, err, sizeof err);
	if (!s)
		fail_msg("%s: %s", path, err);
	struct pkt_ring *q = pkt_ring_new(1u << 20);
	if (!capture_start(s, q, err, sizeof err))
		fail_msg("%s: %s", path, err);
	int64_t last = TS_NONE;
	for (;;) {
		struct sip_packet *p = packet_sink_pop(q, 1000);
		if (!p) {
			if (pkt_ring_is_drained(q))
				break;
			continue;
		}
		last = p->ts_us;
		analyzer_feed(a, p);
		sip_packet_free(p);
	}
	capture_join(s);
	struct capture_stats cs;
	capture_get_stats(s, &cs);
	if (cs.last_ts_us != TS_NONE && cs.last_ts_us > last)
		last = cs.last_ts_us;
	analyzer_finish(a, last);
	assert_false(cs.failed);
	capture_close(s);
	pkt_ring_free(q);
	analyzer_free(a);
}

static size_t judge_dir(const char *dir, bool required)
{
	char path[1024];
	size_t judged_dialogs = 0;

	sip_parse_init();
	snprintf(path, sizeof path, "%s/expected.json", dir);
	char *text = read_file(path);
	if (!text && !required)
		return 0;
	if (!text)
		fail_msg("cannot read %s (run from the repository root or set SIPWATCH_CORPUS)", path);
	struct jp p = {text, false};
	struct jv *exp = jp_value(&p, 0);
	assert_false(p.bad);
	const struct jv *judged = jv_get(jv_get(exp, "contract"), "finding_codes");
	const struct jv *pcaps = jv_get(exp, "pcaps");
	assert_non_null(judged);
	assert_non_null(pcaps);
	for (size_t i = 0; i < pcaps->n; i++) {
		struct run r;
		memset(&r, 0, sizeof r);
		snprintf(path, sizeof path, "%s/%s", dir, pcaps->keys[i]);
		print_message("# %s\n", pcaps->keys[i]);
		run_capture(path, &r);
		const struct jv *dialogs = jv_get(pcaps->items[i], "dialogs");
		for (size_t k = 0; dialogs && k < dialogs->n; k++) {
			const struct jv *d = dialogs->items[k];
			const char *cid = jv_get(d, "call_id")->str;
			const struct verdict *v = NULL;
			for (size_t j = 0; j < r.n; j++)
				if (strcmp(r.v[j].call_id, cid) == 0)
					v = &r.v[j];
			if (!v)
				fail_msg("%s: no dialog for Call-ID %s", pcaps->keys[i], cid);
			const struct jv *want_doomed = jv_get(d, "doomed");
			const char *want_end = jv_get(d, "end_class")->str;
			if (v->doomed != want_doomed->b)
				fail_msg("%s doomed: got %d, expected %d", cid, v->doomed, want_doomed->b);
			if (strcmp(end_class_name(v->end) ? end_class_name(v->end) : "", want_end) != 0)
				fail_msg("%s end_class: got %s, expected %s", cid,
					 end_class_name(v->end), want_end);
			const struct jv *want = jv_get(d, "expected_findings");
			const struct jv *optional = jv_get(d, "optional_findings");
			for (size_t c = 0; c < judged->n; c++) {
				enum finding_code code;
				const char *name = judged->items[c]->str;
				if (!finding_code_from_name(name, &code))
					fail_msg("unknown code %s in expected.json", name);
				bool got = v->codes & (1u << code);
				if (jv_has_str(want, name) && !got)
					fail_msg("%s: expected %s, not reported", cid, name);
				if (got && !jv_has_str(want, name) && !jv_has_str(optional, name))
					fail_msg("%s: reported %s, not expected", cid, name);
			}
			judged_dialogs++;
		}
	}
	jv_free(exp);
	free(text);
	return judged_dialogs;
}

static void test_corpus_verdicts(void **state)
{
	(void)state;
	assert_true(judge_dir(corpus_dir(), true) >= 2);
}

static void test_peer_verdicts(void **state)
{
	(void)state;
	size_t n = judge_dir(peers_dir(), false);

	if (n == 0)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_verdicts),
		cmocka_unit_test(test_peer_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
