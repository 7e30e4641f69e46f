/* sipgen: message builder, packet feeder and recording sink for analyzer tests. */
#include "tests/support/sipgen.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/sip_parse.h"
#include "common/xalloc.h"

#define SG_GROW(arr, n, cap)                                                  \
	do {                                                                  \
		if ((n) == (cap)) {                                           \
			(cap) = (cap) ? (cap) * 2 : 64;                       \
			(arr) = xrealloc((arr), (cap) * sizeof *(arr));       \
		}                                                             \
	} while (0)

int64_t sg_t(double seconds)
{
	double us = seconds * 1e6;

	/* no libm: round half away from zero by hand */
	return SG_T0_US + (int64_t)(us < 0 ? us - 0.5 : us + 0.5);
}

static void sg_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* ---- recording sink ---- */

static void sg_on_message(void *ctx, const struct message_record *m)
{
	struct sg_harness *h = ctx;

	h->message_records++;
	if (!h->keep_messages)
		return;
	SG_GROW(h->msgs, h->n_msgs, h->cap_msgs);
	struct sg_message *r = &h->msgs[h->n_msgs++];
	memset(r, 0, sizeof *r);
	r->id = m->id;
	r->dialog_id = m->dialog_id;
	r->ts = m->ts_us;
	sg_copy(r->src, sizeof r->src, m->src);
	sg_copy(r->dst, sizeof r->dst, m->dst);
	sg_copy(r->method, sizeof r->method, m->method);
	r->status = m->status;
	r->cseq = m->cseq;
	r->retransmission = m->retransmission;
	r->raw_len = m->raw_len;
	r->header_len = m->header_len;
}

static void sg_on_dialog(void *ctx, const struct dialog_record *d)
{
	struct sg_harness *h = ctx;

	h->dialog_records++;
	SG_GROW(h->dialogs, h->n_dialogs, h->cap_dialogs);
	struct sg_dialog *r = &h->dialogs[h->n_dialogs++];
	memset(r, 0, sizeof *r);
	r->r = *d;
	sg_copy(r->call_id, sizeof r->call_id, d->call_id);
	sg_copy(r->from_uri, sizeof r->from_uri, d->from_uri);
	sg_copy(r->to_uri, sizeof r->to_uri, d->to_uri);
	sg_copy(r->from_tag, sizeof r->from_tag, d->from_tag);
	sg_copy(r->to_tag, sizeof r->to_tag, d->to_tag);
	sg_copy(r->caller_ua, sizeof r->caller_ua, d->caller_ua);
	sg_copy(r->callee_ua, sizeof r->callee_ua, d->callee_ua);
	sg_copy(r->state, sizeof r->state, d->state);
	/* pointers are fixed up on lookup (the array moves) */
}

static void sg_on_finding(void *ctx, const struct finding_record *f)
{
	struct sg_harness *h = ctx;
	struct sg_finding *r = NULL;

	/* the same id again (an accepted risk, now a warning): replaced, as the db does */
	for (size_t i = h->n_findings; i-- > 0 && !r;)
		if (h->findings[i].id == f->id)
			r = &h->findings[i];
	if (!r) {
		SG_GROW(h->findings, h->n_findings, h->cap_findings);
		r = &h->findings[h->n_findings++];
	}
	memset(r, 0, sizeof *r);
	r->id = f->id;
	r->dialog_id = f->dialog_id;
	r->message_id = f->message_id;
	r->code = f->code;
	r->severity = f->severity;
	r->ts = f->ts_us;
	sg_copy(r->endpoint, sizeof r->endpoint, f->endpoint);
	sg_copy(r->agent, sizeof r->agent, f->agent);
	sg_copy(r->detail, sizeof r->detail, f->detail);
}

static void sg_on_event(void *ctx, const struct event_record *e)
{
	struct sg_harness *h = ctx;

	SG_GROW(h->events, h->n_events, h->cap_events);
	struct sg_event *r = &h->events[h->n_events++];
	r->kind = e->kind;
	r->ts = e->ts_us;
	r->dialog_id = e->dialog ? e->dialog->id : 0;
	r->doomed = e->dialog ? e->dialog->doomed : false;
	r->code = e->finding ? (int)e->finding->code : -1;
}

static void sg_on_endpoint(void *ctx, const struct endpoint_record *e)
{
	struct sg_harness *h = ctx;
	struct sg_endpoint *r = NULL;

	for (size_t i = 0; i < h->n_endpoints; i++)
		if (strcmp(h->endpoints[i].endpoint, e->endpoint) == 0 &&
		    strcmp(h->endpoints[i].agent, e->agent ? e->agent : "") == 0)
			r = &h->endpoints[i];
	if (!r) {
		SG_GROW(h->endpoints, h->n_endpoints, h->cap_endpoints);
		r = &h->endpoints[h->n_endpoints++];
		memset(r, 0, sizeof *r);
		sg_copy(r->endpoint, sizeof r->endpoint, e->endpoint);
		sg_copy(r->agent, sizeof r->agent, e->agent);
	}
	r->ok = e->refresh_answers_ok;
	r->malformed = e->malformed;
	r->lost = e->lost;
	r->rejected = e->rejected;
	r->accepted = e->accepted;
	r->fatal = e->fatal;
}

void sg_init(struct sg_harness *h, const struct analyzer_config *cfg)
{
	static bool parser_ready;

	if (!parser_ready) {
		sip_parse_init();
		parser_ready = true;
	}
	memset(h, 0, sizeof *h);
	if (cfg) {
		h->cfg = *cfg;
	} else {
		analyzer_config_defaults(&h->cfg);
		h->cfg.utc = true;
	}
	h->keep_messages = true;
	struct analyzer_sink sink = {
		.message = sg_on_message,
		.dialog = sg_on_dialog,
		.finding = sg_on_finding,
		.endpoint = sg_on_endpoint,
		.event = sg_on_event,
		.ctx = h,
	};
	h->a = analyzer_new(&h->cfg, &sink);
}

const struct analyzer_config *sg_config(bool strict_peers)
{
	static struct analyzer_config cfg[2];
	struct analyzer_config *c = &cfg[strict_peers];

	analyzer_config_defaults(c);
	c->utc = true; /* as sg_init's default */
	c->strict_peers = strict_peers;
	return c;
}

uint64_t sg_start(struct sg_harness *h, struct sg_call *c, const char *call_id, bool via_proxy,
		  unsigned se, bool strict_peers)
{
	sg_init(h, sg_config(strict_peers));
	sg_call_init(c, h, call_id, via_proxy);
	sg_setup(c, 0, se, "uac");
	return sg_dialog_of(h, call_id)->r.id;
}

void sg_fini(struct sg_harness *h)
{
	analyzer_free(h->a);
	free(h->msgs);
	free(h->dialogs);
	free(h->findings);
	free(h->events);
	free(h->endpoints);
	memset(h, 0, sizeof *h);
}

void sg_finish(struct sg_harness *h, double t)
{
	analyzer_finish(h->a, sg_t(t));
}

void sg_tick(struct sg_harness *h, double t)
{
	analyzer_tick(h->a, sg_t(t));
}

/* ---- packets ---- */

static void sg_addr(const char *s, struct net_addr *a)
{
	char ip[64];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	memset(a, 0, sizeof *a);
	snprintf(ip, sizeof ip, "%.*s", (int)n, s);
	a->family = 4;
	if (inet_pton(AF_INET, ip, a->ip) != 1)
		fail_msg("bad test address %s", s);
	a->port = (uint16_t)(colon ? strtoul(colon + 1, NULL, 10) : 5060);
}

void sg_feed(struct sg_harness *h, double t, const char *src, const char *dst, bool tcp,
	     const char *text, size_t len)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	sg_addr(src, &f.src);
	sg_addr(dst, &f.dst);
	f.transport = tcp ? TRANSPORT_TCP : TRANSPORT_UDP;
	struct sip_packet *p = sip_packet_new(sg_t(t), &f, (const uint8_t *)text, (uint32_t)len);
	analyzer_feed(h->a, p);
	sip_packet_free(p);
}

/* ---- calls ---- */

void sg_call_init(struct sg_call *c, struct sg_harness *h, const char *call_id, bool via_proxy)
{
	memset(c, 0, sizeof *c);
	c->h = h;
	c->call_id = call_id;
	c->caller_tag = "caller-tag";
	c->callee_tag = "callee-tag";
	c->caller = "127.0.1.10:5060";
	c->callee = "127.0.1.30:5060";
	c->proxy = via_proxy ? "127.0.1.20:5060" : NULL;
	c->caller_ua = "CallerPhone/1.0";
	c->callee_ua = "UCMA/4.0";
	c->proxy_ua = "TestProxy/5.6";
}

struct sg_text {
	char *p;
	size_t n, len;
};

__attribute__((format(printf, 2, 3))) static void sg_add(struct sg_text *b, const char *fmt, ...)
{
	va_list ap;

	if (b->len + 1 >= b->n)
		return;
	va_start(ap, fmt);
	int w = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		b->len += (size_t)w;
	if (b->len >= b->n)
		b->len = b->n - 1;
}

static const char *sg_host(enum sg_side s, const struct sg_call *c)
{
	return s == SG_CALLER ? c->caller : c->callee;
}

static const char *sg_reason(int status)
{
	const char *r = finding_text_reason(status);

	if (status == 100)
		return "Trying";
	if (status == 180)
		return "Ringing";
	if (status == 183)
		return "Session Progress";
	return r ? r : "Whatever";
}

static void sg_branch(char *buf, size_t n, const struct sg_call *c, enum sg_side from,
		      const char *method, uint32_t cseq, bool proxy)
{
	/* §9.1: CANCEL carries the INVITE's branch */
	const char *m = strcmp(method, "CANCEL") == 0 ? "INVITE" : method;

	snprintf(buf, n, "z9hG4bK-%s%s-%d-%u-%s", proxy ? "px-" : "", c->call_id, (int)from, cseq, m);
}

static void sg_timer_headers(struct sg_text *b, const struct sg_opts *o)
{
	if (o->se_raw)
		sg_add(b, "%s: %s\r\n", o->se_compact ? "x" : "Session-Expires", o->se_raw);
	else if (o->se)
		sg_add(b, "%s: %u%s%s\r\n", o->se_compact ? "x" : "Session-Expires", o->se,
		       o->refresher ? ";refresher=" : "", o->refresher ? o->refresher : "");
	if (o->min_se_raw)
		sg_add(b, "Min-SE: %s\r\n", o->min_se_raw);
	else if (o->min_se)
		sg_add(b, "Min-SE: %u\r\n", o->min_se);
	if (o->supported_timer)
		sg_add(b, "%s: timer\r\n", o->supported_compact ? "k" : "Supported");
	if (o->require_timer)
		sg_add(b, "Require: timer\r\n");
	if (o->retry_after)
		sg_add(b, "Retry-After: %d\r\n", o->retry_after);
}

size_t sg_build(const struct sg_call *c, char *buf, size_t n, bool request, enum sg_side from,
		const char *method, int status, uint32_t cseq, const struct sg_opts *o,
		bool far_hop)
{
	static const struct sg_opts none;
	struct sg_text b = {buf, n, 0};
	/* the request's sender: from for a request, the other side for a response */
	enum sg_side req_from = from;
	enum sg_side to = from == SG_CALLER ? SG_CALLEE : SG_CALLER;
	char br[160], pbr[160];
	const char *tr = c->tcp ? "TCP" : "UDP";

	if (!o)
		o = &none;
	if (n)
		buf[0] = '\0';
	sg_branch(br, sizeof br, c, req_from, method, cseq, false);
	sg_branch(pbr, sizeof pbr, c, req_from, method, cseq, true);
	if (o->branch)
		snprintf(br, sizeof br, "%s", o->branch);
	if (request)
		sg_add(&b, "%s sip:%s@%s SIP/2.0\r\n", method, to == SG_CALLEE ? "callee" : "caller",
		       sg_host(to, c));
	else
		sg_add(&b, "SIP/2.0 %d %s\r\n", status, sg_reason(status));
	if (!o->no_via) {
		if (far_hop && c->proxy)
			sg_add(&b, "Via: SIP/2.0/%s %s;branch=%s\r\n", tr, c->proxy, pbr);
		sg_add(&b, "Via: SIP/2.0/%s %s;branch=%s\r\n", tr, sg_host(req_from, c), br);
	}
	if (request)
		sg_add(&b, "Max-Forwards: 70\r\n");
	const char *ftag = req_from == SG_CALLER ? c->caller_tag : c->callee_tag;
	const char *ttag = req_from == SG_CALLER ? c->callee_tag : c->caller_tag;
	bool with_to_tag = req_from == SG_CALLEE || c->tagged;
	if (request && strcmp(method, "CANCEL") == 0)
		with_to_tag = false;
	if (!request && req_from == SG_CALLER && status > 100)
		with_to_tag = true;
	if (o->to_tag) {
		ttag = o->to_tag;
		with_to_tag = *o->to_tag != '\0';
	}
	if (!o->no_from)
		sg_add(&b, "From: <sip:%s@example.test>;tag=%s\r\n",
		       req_from == SG_CALLER ? "alice" : "bob", ftag);
	sg_add(&b, "To: <sip:%s@example.test>%s%s\r\n", req_from == SG_CALLER ? "bob" : "alice",
	       with_to_tag ? ";tag=" : "", with_to_tag ? ttag : "");
	sg_add(&b, "Call-ID: %s\r\n", c->call_id);
	if (!o->no_cseq)
		sg_add(&b, "CSeq: %u %s\r\n", cseq, o->cseq_method ? o->cseq_method : method);
	bool contact = request ? strcmp(method, "BYE") != 0 && strcmp(method, "CANCEL") != 0
			       : status > 100 && status < 300 &&
					 (strcmp(method, "INVITE") == 0 || strcmp(method, "UPDATE") == 0);
	enum sg_side sender = request ? from : to;
	if (contact && !o->no_contact)
		sg_add(&b, "Contact: <sip:%s@%s>\r\n", sender == SG_CALLER ? "alice" : "bob",
		       sg_host(sender, c));
	sg_timer_headers(&b, o);
	const char *agent = o->agent;
	if (!agent)
		agent = status == 100 && c->proxy ? c->proxy_ua
			: sender == SG_CALLER     ? c->caller_ua
						  : c->callee_ua;
	if (*agent)
		sg_add(&b, "%s: %s\r\n", request ? "User-Agent" : "Server", agent);
	if (o->extra)
		sg_add(&b, "%s\r\n", o->extra);
	sg_add(&b, "Content-Length: 0\r\n\r\n");
	return b.len;
}

static void sg_send(struct sg_call *c, double t, const char *src, const char *dst, bool request,
		    enum sg_side from, const char *method, int status, uint32_t cseq,
		    const struct sg_opts *o, bool far_hop)
{
	char buf[4096];
	size_t len = sg_build(c, buf, sizeof buf, request, from, method, status, cseq, o, far_hop);

	sg_feed(c->h, t, src, dst, c->tcp, buf, len);
}

void sg_req(struct sg_call *c, double t, enum sg_side from, const char *method, uint32_t cseq,
	    const struct sg_opts *o, unsigned hops)
{
	enum sg_side to = from == SG_CALLER ? SG_CALLEE : SG_CALLER;
	const char *s = sg_host(from, c), *d = sg_host(to, c);

	if (!c->proxy) {
		sg_send(c, t, s, d, true, from, method, 0, cseq, o, false);
		return;
	}
	if (hops & SG_NEAR)
		sg_send(c, t, s, c->proxy, true, from, method, 0, cseq, o, false);
	if (hops & SG_FAR)
		sg_send(c, t + 0.001, c->proxy, d, true, from, method, 0, cseq, o, true);
}

void sg_resp(struct sg_call *c, double t, enum sg_side req_from, int status, const char *method,
	     uint32_t cseq, const struct sg_opts *o, unsigned hops)
{
	enum sg_side responder = req_from == SG_CALLER ? SG_CALLEE : SG_CALLER;
	const char *s = sg_host(responder, c), *d = sg_host(req_from, c);

	if (req_from == SG_CALLER && status > 100)
		c->tagged = true;
	if (!c->proxy) {
		sg_send(c, t, s, d, false, req_from, method, status, cseq, o, false);
		return;
	}
	if (status == 100) { /* hop by hop: the proxy's own */
		if (hops & SG_NEAR)
			sg_send(c, t, c->proxy, d, false, req_from, method, status, cseq, o, false);
		return;
	}
	if (hops & SG_FAR)
		sg_send(c, t, s, c->proxy, false, req_from, method, status, cseq, o, true);
	if (hops & SG_NEAR)
		sg_send(c, t + 0.001, c->proxy, d, false, req_from, method, status, cseq, o, false);
}

void sg_setup(struct sg_call *c, double t, unsigned se, const char *refresher)
{
	struct sg_opts inv = {.se = se, .refresher = se ? "uac" : NULL, .min_se = se ? 90 : 0,
			      .supported_timer = true};
	struct sg_opts ok = {.se = se, .refresher = refresher, .supported_timer = true,
			     .require_timer = refresher && strcmp(refresher, "uac") == 0};

	if (se && se < 90)
		inv.min_se = 0;
	sg_req(c, t, SG_CALLER, "INVITE", 1, &inv, SG_ALL);
	sg_resp(c, t + 0.002, SG_CALLER, 100, "INVITE", 1, NULL, SG_ALL);
	sg_resp(c, t + 0.005, SG_CALLER, 180, "INVITE", 1, NULL, SG_ALL);
	sg_resp(c, t + 0.010, SG_CALLER, 200, "INVITE", 1, &ok, SG_ALL);
	sg_req(c, t + 0.020, SG_CALLER, "ACK", 1, NULL, SG_ALL);
}

int64_t sg_teardown_of(int64_t t_ref, unsigned se)
{
	int64_t se_us = (int64_t)se * USEC_PER_SEC;
	int64_t margin = se_us / 3 < 32 * USEC_PER_SEC ? se_us / 3 : 32 * USEC_PER_SEC;

	return t_ref + se_us - margin;
}

int64_t sg_deadline_of(int64_t t_ref, unsigned se)
{
	return t_ref + (int64_t)se * USEC_PER_SEC;
}

double sg_s(int64_t ts)
{
	return (double)(ts - SG_T0_US) / 1e6;
}

void sg_refresh(struct sg_call *c, double t, enum sg_side from, const char *method, uint32_t cseq,
		unsigned se, const char *refresher)
{
	struct sg_opts req = {.se = se, .refresher = refresher, .min_se = 90, .supported_timer = true};
	struct sg_opts ok = {.se = se, .refresher = refresher, .supported_timer = true,
			     .require_timer = refresher && strcmp(refresher, "uac") == 0};

	sg_req(c, t, from, method, cseq, &req, SG_ALL);
	sg_resp(c, t + 0.003, from, 200, method, cseq, &ok, SG_ALL);
	if (strcmp(method, "INVITE") == 0)
		sg_req(c, t + 0.010, from, "ACK", cseq, NULL, SG_ALL);
}

void sg_bye(struct sg_call *c, double t, enum sg_side from, uint32_t cseq)
{
	sg_req(c, t, from, "BYE", cseq, NULL, SG_ALL);
	sg_resp(c, t + 0.002, from, 200, "BYE", cseq, NULL, SG_ALL);
}

/* ---- lookups and assertions ---- */

static const struct sg_dialog *sg_fix(const struct sg_dialog *d)
{
	struct sg_dialog *m = (struct sg_dialog *)d;

	m->r.call_id = m->call_id;
	m->r.from_uri = m->from_uri;
	m->r.to_uri = m->to_uri;
	m->r.from_tag = m->from_tag;
	m->r.to_tag = m->to_tag[0] ? m->to_tag : NULL;
	m->r.caller_ua = m->caller_ua;
	m->r.callee_ua = m->callee_ua;
	m->r.state = m->state;
	return d;
}

const struct sg_dialog *sg_dialog(const struct sg_harness *h, uint64_t id)
{
	for (size_t i = h->n_dialogs; i-- > 0;)
		if (h->dialogs[i].r.id == id)
			return sg_fix(&h->dialogs[i]);
	return NULL;
}

const struct sg_dialog *sg_dialog_of(const struct sg_harness *h, const char *call_id)
{
	for (size_t i = 0; i < h->n_dialogs; i++)
		if (strcmp(h->dialogs[i].call_id, call_id) == 0)
			return sg_dialog(h, h->dialogs[i].r.id);
	return NULL;
}

size_t sg_dialog_ids(const struct sg_harness *h, const char *call_id, uint64_t *ids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_dialogs; i++) {
		if (strcmp(h->dialogs[i].call_id, call_id) != 0)
			continue;
		bool seen = false;
		for (size_t k = 0; k < n && k < max; k++)
			seen |= ids[k] == h->dialogs[i].r.id;
		if (!seen) {
			if (n < max)
				ids[n] = h->dialogs[i].r.id;
			n++;
		}
	}
	return n;
}

size_t sg_count(const struct sg_harness *h, uint64_t dialog_id, enum finding_code code)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_findings; i++)
		if (h->findings[i].code == code && (!dialog_id || h->findings[i].dialog_id == dialog_id))
			n++;
	return n;
}

const struct sg_finding *sg_find(const struct sg_harness *h, uint64_t dialog_id,
				 enum finding_code code)
{
	for (size_t i = 0; i < h->n_findings; i++)
		if (h->findings[i].code == code && (!dialog_id || h->findings[i].dialog_id == dialog_id))
			return &h->findings[i];
	return NULL;
}

size_t sg_count_events(const struct sg_harness *h, uint64_t dialog_id, enum event_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_events; i++)
		if (h->events[i].kind == k && (!dialog_id || h->events[i].dialog_id == dialog_id))
			n++;
	return n;
}

const struct sg_message *sg_message(const struct sg_harness *h, uint64_t id)
{
	for (size_t i = 0; i < h->n_msgs; i++)
		if (h->msgs[i].id == id)
			return &h->msgs[i];
	return NULL;
}

const struct sg_endpoint *sg_endpoint(const struct sg_harness *h, const char *endpoint)
{
	for (size_t i = 0; i < h->n_endpoints; i++)
		if (strcmp(h->endpoints[i].endpoint, endpoint) == 0)
			return &h->endpoints[i];
	return NULL;
}

static void sg_fmt_ts(char *buf, size_t n, int64_t ts)
{
	if (ts == TS_NONE)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "t0%+.6fs", (double)(ts - SG_T0_US) / 1e6);
}

void sg_assert_ts_(int64_t got, int64_t want, const char *what, const char *file, int line)
{
	char g[48], w[48];

	if (got == want)
		return;
	sg_fmt_ts(g, sizeof g, got);
	sg_fmt_ts(w, sizeof w, want);
	print_error("%s: got %s, expected %s\n", what, g, w);
	_fail(file, line);
}

void sg_dump(const struct sg_harness *h)
{
	char ts[48];

	for (size_t i = 0; i < h->n_findings; i++) {
		const struct sg_finding *f = &h->findings[i];
		sg_fmt_ts(ts, sizeof ts, f->ts);
		print_message("#   dialog %llu %s %s at %s msg %llu ep %s: %s\n",
			      (unsigned long long)f->dialog_id, finding_code_name(f->code),
			      severity_name(f->severity), ts, (unsigned long long)f->message_id,
			      f->endpoint, f->detail);
	}
}

void sg_assert_codes_(const struct sg_harness *h, uint64_t dialog_id,
		      const enum finding_code *codes,
		      size_t n, const char *file, int line)
{
	uint32_t want = 0, got = 0;

	for (size_t i = 0; i < n; i++)
		want |= 1u << codes[i];
	for (size_t i = 0; i < h->n_findings; i++)
		if (!dialog_id || h->findings[i].dialog_id == dialog_id)
			got |= 1u << h->findings[i].code;
	if (got == want)
		return;
	print_error("finding codes of dialog %llu differ:\n", (unsigned long long)dialog_id);
	for (int c = 0; c < FINDING_CODE_COUNT; c++) {
		uint32_t bit = 1u << c;
		if ((want & bit) && !(got & bit))
			print_error("  missing    %s\n", finding_code_name((enum finding_code)c));
		if (!(want & bit) && (got & bit))
			print_error("  unexpected %s\n", finding_code_name((enum finding_code)c));
	}
	sg_dump(h);
	_fail(file, line);
}

void sg_assert_end_(const struct sg_harness *h, uint64_t dialog_id, enum end_class want,
		    const char *file, int line)
{
	const struct sg_dialog *d = sg_dialog(h, dialog_id);
	enum end_class got = d ? d->r.end_class : END_NONE;

	if (got == want)
		return;
	print_error("end class of dialog %llu: got %s, expected %s\n", (unsigned long long)dialog_id,
		    got ? end_class_name(got) : "(none)", want ? end_class_name(want) : "(none)");
	sg_dump(h);
	_fail(file, line);
}
