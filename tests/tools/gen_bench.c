/* gen_bench: a deterministic benchmark capture of many concurrent SIP calls
 * with RFC 4028 session timers.
 *
 * Usage: gen_bench [-n CALLS] [-o FILE] [--seed N] [--rate CALLS_PER_S] [--tcp]
 *   -n CALLS   calls to generate (default 140000: about 1,000,000 messages)
 *   -o FILE    output pcap (default bench.pcap), LINK_ETHERNET; callers are
 *              127.0.50.x, callees 127.0.60.x (all in 127.0.48.0/20), so that a
 *              replay with tcpreplay stays on loopback and can be filtered
 *   --seed N   PRNG seed (default 1); same seed and options, same bytes
 *   --rate R   new calls per second (default 300)
 *   --tcp      carry the calls over TCP (one stream per endpoint pair and
 *              direction, joined mid-way: no handshake)
 *
 * The mix (per call, drawn from the seed and the call's number):
 *   HEALTHY   INVITE 100 180 200 ACK, a refresh at t_ref + SE/2 answered by
 *             a well-formed 200 (UPDATE; re-INVITE + ACK for some) while the
 *             call lasts, BYE 200
 *   DOOMED    as healthy, but one refresh is answered by a 200 that lacks
 *             Contact, Session-Expires or both; the refresher sends BYE at
 *             the teardown point t_ref + SE - min(32, SE/3)
 *   CANCELLED INVITE 100 180 CANCEL 200 487 ACK
 *   FAILED    INVITE 100 [180] 486 ACK
 * Session-Expires is 90..600 s; calls arrive with jittered spacing at the given
 * rate.  Every message is scheduled first (time, call, step), the schedule is
 * sorted, then each message is formatted and written in timestamp order.
 * A summary (calls per class, messages, time span) goes to stderr.  No clock
 * is read: the capture starts at a fixed epoch. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "common/numparse.h"
#include "common/xalloc.h"
#include "tests/support/frames.h"
#include "tests/support/pcap_writer.h"

#define GEN_EPOCH_US 1767225600000000LL /* 2026-01-01 00:00:00 UTC */
#define GEN_CALLERS 200
#define GEN_CALLEES 48
#define GEN_BAD_CALLEES 2 /* the endpoints that answer refreshes badly */
#define GEN_MAX_REFRESH 60
#define GEN_MSG_MAX 4096
#define MS 1000LL
#define SEC 1000000LL

enum gen_class { GEN_HEALTHY, GEN_DOOMED, GEN_CANCELLED, GEN_FAILED, GEN_N_CLASSES };

static const char *const gen_class_name[GEN_N_CLASSES] = {"healthy", "doomed", "cancelled",
							   "failed"};

enum gen_kind {
	K_INVITE,
	K_100,
	K_180,
	K_200_INVITE,
	K_ACK_2XX,
	K_REFRESH,     /* arg: refresh number */
	K_REFRESH_200, /* arg: refresh number */
	K_REFRESH_ACK, /* re-INVITE refresh: ACK of its 200; arg: refresh number */
	K_BYE,
	K_200_BYE,
	K_CANCEL,
	K_200_CANCEL,
	K_487,
	K_486,
	K_ACK_FINAL, /* ACK of a non-2xx final response (same branch as the INVITE) */
};

/* Drop-in bad answers for a doomed call's refresh. */
enum gen_bad { BAD_NO_CONTACT, BAD_NO_SE, BAD_NO_BOTH };

struct gen_call {
	uint64_t key;      /* call-ids, tags, branches */
	uint32_t se;       /* Session-Expires */
	uint32_t cseq_a;   /* caller's first CSeq */
	uint32_t cseq_b;   /* callee's first CSeq */
	uint16_t caller;   /* index into the caller pool */
	uint16_t callee;   /* index into the callee pool (bad ones at the end) */
	uint8_t cls;       /* enum gen_class */
	uint8_t refresher_uas;
	uint8_t reinvite;  /* refreshes are re-INVITEs rather than UPDATEs */
	uint8_t bye_by_b;  /* the callee sends the BYE */
	uint8_t bad;       /* enum gen_bad, doomed calls */
	uint8_t bad_ref;   /* doomed: the number of the refresh answered badly */
	uint8_t se_in_invite_refresher; /* the INVITE's Session-Expires names refresher=uac */
};

struct gen_event {
	int64_t ts_us;
	uint32_t call;
	uint8_t step;
	uint8_t kind;
	uint8_t arg;
};

struct gen {
	struct gen_call *calls;
	struct gen_event *ev;
	size_t n_ev, cap_ev;
	uint64_t seed;
	bool tcp;
	uint32_t tcp_seq[GEN_CALLERS][GEN_CALLEES + GEN_BAD_CALLEES][2];
};

/* ---- PRNG: splitmix64, one stream per call so calls do not depend on each other. */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t rng_range(uint64_t *s, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

/* true with probability pct/100. */
static bool rng_pct(uint64_t *s, unsigned pct)
{
	return rng_next(s) % 100 < pct;
}

/* ---- endpoints */

static const char *const gen_ua_caller[] = {
	"Polycom/5.9.6.2327 PolycomVVX-VVX_410-UA/5.9.6.2327",
	"Yealink SIP-T46S 66.86.0.15",
	"Cisco-CP8865/14.2.1",
	"Asterisk PBX 18.10.0",
	"FreeSWITCH-mod_sofia/1.10.9-release~64bit",
	"Linphone/5.2.0 (belle-sip/5.2.0)",
};
static const char *const gen_ua_callee[] = {
	"Asterisk PBX 20.5.0",
	"FreeSWITCH-mod_sofia/1.10.11-release~64bit",
	"Cisco-SIPGateway/IOS-15.7.3",
	"AudioCodes-Sip-Gateway-Mediant 800/v.7.40A.250",
};
#define GEN_UA_BAD "RTCC/6.0.0.0 UCMAAppServer"

static void gen_caller_ip(unsigned i, char *buf, size_t n)
{
	snprintf(buf, n, "127.0.%u.%u", 50 + i / 200, 10 + i % 200);
}

static void gen_callee_ip(unsigned i, char *buf, size_t n)
{
	snprintf(buf, n, "127.0.60.%u", 10 + i);
}

static const char *gen_callee_ua(unsigned i)
{
	if (i >= GEN_CALLEES)
		return GEN_UA_BAD;
	return gen_ua_callee[i % (sizeof gen_ua_callee / sizeof gen_ua_callee[0])];
}

/* ---- the schedule */

static void gen_push(struct gen *g, uint32_t call, uint8_t *step, int64_t ts, enum gen_kind k,
		     unsigned arg)
{
	if (g->n_ev == g->cap_ev) {
		g->cap_ev = g->cap_ev ? g->cap_ev * 2 : 1u << 20;
		g->ev = xrealloc(g->ev, g->cap_ev * sizeof *g->ev);
	}
	g->ev[g->n_ev++] = (struct gen_event){ts, call, (*step)++, (uint8_t)k, (uint8_t)arg};
}

static uint32_t gen_pick_se(uint64_t *r)
{
	static const uint32_t se[] = {90, 120, 180, 180, 300, 300, 600, 600};

	return se[rng_next(r) % (sizeof se / sizeof se[0])];
}

/* Healthy call length after the 200: mostly short, some long. */
static int64_t gen_duration(uint64_t *r)
{
	if (rng_pct(r, 88))
		return rng_range(r, 5 * SEC, 50 * SEC) + rng_range(r, 0, 40 * SEC);
	return rng_range(r, 60 * SEC, 900 * SEC);
}

/* One refresh (request, 200, ACK for a re-INVITE) at t_ref + SE/2; returns the new t_ref. */
static int64_t gen_refresh(struct gen *g, uint32_t ci, uint8_t *step, int64_t t_ref, unsigned i,
			   uint64_t *r)
{
	const struct gen_call *c = &g->calls[ci];
	int64_t t = t_ref + (int64_t)c->se * SEC / 2 + rng_range(r, 0, 500 * MS);
	int64_t t200 = t + rng_range(r, 8 * MS, 90 * MS);

	gen_push(g, ci, step, t, K_REFRESH, i);
	gen_push(g, ci, step, t200, K_REFRESH_200, i);
	if (c->reinvite)
		gen_push(g, ci, step, t200 + rng_range(r, 4 * MS, 30 * MS), K_REFRESH_ACK, i);
	return t200;
}

static void gen_schedule_call(struct gen *g, uint32_t ci, int64_t t0)
{
	struct gen_call *c = &g->calls[ci];
	uint64_t r = g->seed * 0x100000001b3ULL ^ ((uint64_t)ci * 0x9e3779b97f4a7c15ULL);
	uint8_t step = 0;
	unsigned p;
	int64_t t;

	memset(c, 0, sizeof *c);
	c->key = rng_next(&r);
	p = (unsigned)(rng_next(&r) % 1000);
	c->cls = p < 740 ? GEN_HEALTHY : p < 770 ? GEN_DOOMED : p < 890 ? GEN_CANCELLED : GEN_FAILED;
	c->se = gen_pick_se(&r);
	c->cseq_a = (uint32_t)rng_range(&r, 1, 30000);
	c->cseq_b = (uint32_t)rng_range(&r, 1, 30000);
	c->caller = (uint16_t)(rng_next(&r) % GEN_CALLERS);
	c->callee = (uint16_t)(c->cls == GEN_DOOMED ? GEN_CALLEES + rng_next(&r) % GEN_BAD_CALLEES
						    : rng_next(&r) % GEN_CALLEES);
	c->refresher_uas = c->cls != GEN_DOOMED && rng_pct(&r, 25);
	c->reinvite = c->cls == GEN_HEALTHY && rng_pct(&r, 10);
	c->bye_by_b = c->cls == GEN_HEALTHY && rng_pct(&r, 45);
	c->bad = (uint8_t)(rng_next(&r) % 3);
	c->se_in_invite_refresher = rng_pct(&r, 50);

	gen_push(g, ci, &step, t0, K_INVITE, 0);
	t = t0 + rng_range(&r, 2 * MS, 15 * MS);
	gen_push(g, ci, &step, t, K_100, 0);
	if (c->cls == GEN_FAILED) {
		if (rng_pct(&r, 50)) {
			t += rng_range(&r, 60 * MS, 400 * MS);
			gen_push(g, ci, &step, t, K_180, 0);
		}
		t += rng_range(&r, 300 * MS, 8 * SEC);
		gen_push(g, ci, &step, t, K_486, 0);
		gen_push(g, ci, &step, t + rng_range(&r, 3 * MS, 20 * MS), K_ACK_FINAL, 486);
		return;
	}
	t += rng_range(&r, 60 * MS, 400 * MS);
	gen_push(g, ci, &step, t, K_180, 0);
	if (c->cls == GEN_CANCELLED) {
		t += rng_range(&r, 2 * SEC, 20 * SEC);
		gen_push(g, ci, &step, t, K_CANCEL, 0);
		gen_push(g, ci, &step, t + rng_range(&r, 3 * MS, 15 * MS), K_200_CANCEL, 0);
		t += rng_range(&r, 20 * MS, 40 * MS);
		gen_push(g, ci, &step, t, K_487, 0);
		gen_push(g, ci, &step, t + rng_range(&r, 3 * MS, 20 * MS), K_ACK_FINAL, 487);
		return;
	}
	t += rng_range(&r, 1 * SEC, 12 * SEC);
	gen_push(g, ci, &step, t, K_200_INVITE, 0);
	int64_t t_ref = t;
	gen_push(g, ci, &step, t + rng_range(&r, 4 * MS, 40 * MS), K_ACK_2XX, 0);
	unsigned i = 0;
	if (c->cls == GEN_DOOMED) {
		unsigned good = rng_pct(&r, 30) ? 1 : 0;
		for (; i < good; i++)
			t_ref = gen_refresh(g, ci, &step, t_ref, i, &r);
		c->bad_ref = (uint8_t)i;
		gen_refresh(g, ci, &step, t_ref, i, &r);
		/* RFC 4028 section 10: BYE at the teardown point (refresher = caller here). */
		int64_t se = (int64_t)c->se;
		int64_t slack = se / 3 < 32 ? se / 3 : 32;
		t = t_ref + (se - slack) * SEC;
	} else {
		int64_t t_end = t_ref + gen_duration(&r);
		while (i < GEN_MAX_REFRESH && t_ref + (int64_t)c->se * SEC / 2 + SEC < t_end)
			t_ref = gen_refresh(g, ci, &step, t_ref, i++, &r);
		t = t_end > t_ref + SEC ? t_end : t_ref + SEC;
	}
	gen_push(g, ci, &step, t, K_BYE, i);
	gen_push(g, ci, &step, t + rng_range(&r, 8 * MS, 60 * MS), K_200_BYE, i);
}

static int gen_event_cmp(const void *a, const void *b)
{
	const struct gen_event *x = a, *y = b;

	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	if (x->call != y->call)
		return x->call < y->call ? -1 : 1;
	return (x->step > y->step) - (x->step < y->step);
}

/* ---- formatting */

struct sb {
	char *p;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->cap - b->n) {
		fprintf(stderr, "gen_bench: message too long\n");
		exit(1);
	}
	b->n += (size_t)k;
}

/* Who is who in one call. */
struct gen_party {
	char ip[20];
	char num[16];
	const char *name;
	const char *ua;
	char tag[24];
};

struct gen_msg {
	const struct gen_call *c;
	struct gen_party a, b; /* caller, callee */
	char call_id[48];
	const char *transport;
	const char *transport_lc;
};

static void gen_parties(struct gen_msg *m, const struct gen_call *c, bool tcp)
{
	static const char *const names[] = {"Alice Martin", "Bob Jones", "Reception",
					    "Sales Desk", "Carol Diaz", "Support"};
	uint64_t k = c->key;

	memset(m, 0, sizeof *m);
	m->c = c;
	m->transport = tcp ? "TCP" : "UDP";
	m->transport_lc = tcp ? "tcp" : "udp";
	gen_caller_ip(c->caller, m->a.ip, sizeof m->a.ip);
	gen_callee_ip(c->callee, m->b.ip, sizeof m->b.ip);
	snprintf(m->a.num, sizeof m->a.num, "+1425555%04u", (unsigned)(k % 10000));
	snprintf(m->b.num, sizeof m->b.num, "+1206555%04u", (unsigned)(k / 10000 % 10000));
	m->a.name = names[k / 100000000 % 6];
	m->b.name = NULL;
	m->a.ua = gen_ua_caller[c->caller % (sizeof gen_ua_caller / sizeof gen_ua_caller[0])];
	m->b.ua = gen_callee_ua(c->callee);
	snprintf(m->a.tag, sizeof m->a.tag, "%08x", (unsigned)(k >> 32));
	snprintf(m->b.tag, sizeof m->b.tag, "as%07x", (unsigned)(k & 0xfffffff));
	snprintf(m->call_id, sizeof m->call_id, "%016llx@%s", (unsigned long long)k, m->a.ip);
}

/* About 250 bytes of audio offer/answer. */
static size_t gen_sdp(char *out, size_t cap, const struct gen_party *p, uint64_t key,
		      unsigned version)
{
	int k = snprintf(out, cap,
			 "v=0\r\n"
			 "o=- %u %u IN IP4 %s\r\n"
			 "s=-\r\n"
			 "c=IN IP4 %s\r\n"
			 "t=0 0\r\n"
			 "m=audio %u RTP/AVP 0 8 101\r\n"
			 "a=rtpmap:0 PCMU/8000\r\n"
			 "a=rtpmap:8 PCMA/8000\r\n"
			 "a=rtpmap:101 telephone-event/8000\r\n"
			 "a=fmtp:101 0-16\r\n"
			 "a=ptime:20\r\n"
			 "a=sendrecv\r\n",
			 (unsigned)(key % 100000000u), version, p->ip, p->ip,
			 10000u + (unsigned)(key % 20000u) * 2u);

	return k < 0 || (size_t)k >= cap ? 0 : (size_t)k;
}

/* What one message is: method or status, direction, CSeq, headers to add. */
struct gen_shape {
	const char *method; /* request method, or the CSeq method of a response */
	int status;         /* 0: request */
	const char *reason;
	bool from_b;        /* the transaction's request is sent by the callee */
	bool to_tagged;     /* the request's To carries the callee's tag */
	uint32_t cseq;
	char branch_sfx;    /* branch: key, side, cseq and this letter */
	bool contact, timer, sdp, no_se;
	const char *se_refresher; /* Session-Expires refresher param, NULL = none */
};

static void gen_shape(const struct gen_msg *m, const struct gen_event *e, struct gen_shape *s)
{
	const struct gen_call *c = m->c;
	bool ref_b = c->refresher_uas;
	const char *refresh = c->reinvite ? "INVITE" : "UPDATE";

	memset(s, 0, sizeof *s);
	s->method = "INVITE";
	s->cseq = c->cseq_a;
	s->branch_sfx = 'i';
	switch ((enum gen_kind)e->kind) {
	case K_INVITE:
		s->contact = s->timer = s->sdp = true;
		s->se_refresher = c->se_in_invite_refresher ? "uac" : NULL;
		break;
	case K_100:
		s->status = 100, s->reason = "Trying";
		break;
	case K_180:
		s->status = 180, s->reason = "Ringing", s->contact = true;
		break;
	case K_200_INVITE:
		s->status = 200, s->reason = "OK", s->contact = s->timer = s->sdp = true;
		s->se_refresher = ref_b ? "uas" : "uac";
		break;
	case K_ACK_2XX:
		s->method = "ACK", s->to_tagged = true, s->branch_sfx = 'a';
		break;
	case K_486:
		s->status = 486, s->reason = "Busy Here";
		break;
	case K_487:
		s->status = 487, s->reason = "Request Terminated";
		break;
	case K_ACK_FINAL:
		s->method = "ACK", s->to_tagged = true;
		break;
	case K_CANCEL:
	case K_200_CANCEL:
		s->method = "CANCEL";
		s->branch_sfx = 'i'; /* RFC 3261 section 9.1: the INVITE's branch */
		if (e->kind == K_200_CANCEL)
			s->status = 200, s->reason = "OK";
		break;
	case K_REFRESH:
	case K_REFRESH_200:
	case K_REFRESH_ACK:
		s->method = e->kind == K_REFRESH_ACK ? "ACK" : refresh;
		s->from_b = ref_b;
		s->to_tagged = true;
		s->cseq = (ref_b ? c->cseq_b : c->cseq_a + 1) + e->arg;
		s->branch_sfx = e->kind == K_REFRESH_ACK ? 'k' : 'r';
		if (e->kind == K_REFRESH_ACK)
			break;
		s->contact = s->timer = true;
		s->sdp = c->reinvite;
		s->se_refresher = "uac"; /* relative to the refresh: its sender refreshes */
		if (e->kind == K_REFRESH_200) {
			s->status = 200, s->reason = "OK";
			if (c->cls == GEN_DOOMED && e->arg == c->bad_ref) {
				s->contact = c->bad == BAD_NO_SE;
				s->no_se = c->bad != BAD_NO_CONTACT;
			}
		}
		break;
	case K_BYE:
	case K_200_BYE: {
		bool b = c->bye_by_b;
		unsigned nref_b = ref_b ? e->arg : 0, nref_a = ref_b ? 0 : e->arg;
		s->method = "BYE", s->from_b = b, s->to_tagged = true, s->branch_sfx = 'b';
		s->cseq = b ? c->cseq_b + nref_b : c->cseq_a + 1 + nref_a;
		if (e->kind == K_200_BYE)
			s->status = 200, s->reason = "OK";
		break;
	}
	}
}

static size_t gen_format(const struct gen_msg *m, const struct gen_event *e, char *buf,
			 size_t cap, bool *sent_by_b)
{
	const struct gen_call *c = m->c;
	struct gen_shape s;
	struct sb b = {buf, 0, cap};
	char body[512];
	size_t blen = 0;

	gen_shape(m, e, &s);
	const struct gen_party *req_from = s.from_b ? &m->b : &m->a;
	const struct gen_party *req_to = s.from_b ? &m->a : &m->b;
	const struct gen_party *sender = s.status ? req_to : req_from;
	*sent_by_b = sender == &m->b;
	bool tagged = s.to_tagged || (s.status > 100 && strcmp(s.method, "CANCEL"));

	if (s.sdp) {
		unsigned version = 1 + (s.status ? 0 : e->arg) + (e->kind == K_REFRESH ? 1 : 0);
		blen = gen_sdp(body, sizeof body, sender, c->key ^ (*sent_by_b ? 0x55 : 0), version);
	}
	if (s.status)
		sb_add(&b, "SIP/2.0 %d %s\r\n", s.status, s.reason);
	else
		sb_add(&b, "%s sip:%s@%s:5060 SIP/2.0\r\n", s.method, req_to->num, req_to->ip);
	sb_add(&b, "Via: SIP/2.0/%s %s:5060;branch=z9hG4bK%012llx%c%u%c;rport\r\n", m->transport,
	       req_from->ip, (unsigned long long)(c->key & 0xffffffffffffULL), s.from_b ? 'b' : 'a',
	       (unsigned)s.cseq, s.branch_sfx);
	if (!s.status)
		sb_add(&b, "Max-Forwards: 70\r\n");
	if (req_from->name)
		sb_add(&b, "From: \"%s\" <sip:%s@%s>;tag=%s\r\n", req_from->name, req_from->num,
		       req_from->ip, req_from->tag);
	else
		sb_add(&b, "From: <sip:%s@%s>;tag=%s\r\n", req_from->num, req_from->ip,
		       req_from->tag);
	sb_add(&b, "To: <sip:%s@%s>%s%s\r\n", req_to->num, req_to->ip, tagged ? ";tag=" : "",
	       tagged ? req_to->tag : "");
	sb_add(&b, "Call-ID: %s\r\n", m->call_id);
	sb_add(&b, "CSeq: %u %s\r\n", (unsigned)s.cseq, s.method);
	if (s.contact)
		sb_add(&b, "Contact: <sip:%s@%s:5060;transport=%s>\r\n", sender->num, sender->ip,
		       m->transport_lc);
	if (s.timer) {
		if (!s.status || !strcmp(s.method, "INVITE") || !strcmp(s.method, "UPDATE"))
			sb_add(&b, "Allow: INVITE, ACK, CANCEL, BYE, UPDATE, OPTIONS, NOTIFY\r\n");
		if (s.status && !s.no_se)
			sb_add(&b, "Require: timer\r\n");
		sb_add(&b, "Supported: timer, replaces\r\n");
		if (!s.no_se)
			sb_add(&b, "Session-Expires: %u%s%s\r\n", (unsigned)c->se,
			       s.se_refresher ? ";refresher=" : "",
			       s.se_refresher ? s.se_refresher : "");
		if (!s.status)
			sb_add(&b, "Min-SE: 90\r\n");
	}
	sb_add(&b, "%s: %s\r\n", s.status ? "Server" : "User-Agent", sender->ua);
	if (blen)
		sb_add(&b, "Content-Type: application/sdp\r\n");
	sb_add(&b, "Content-Length: %zu\r\n\r\n", blen);
	if (blen) {
		if (b.cap - b.n <= blen) {
			fprintf(stderr, "gen_bench: message too long\n");
			exit(1);
		}
		memcpy(b.p + b.n, body, blen);
		b.n += blen;
	}
	return b.n;
}

/* ---- output */

static void gen_write(struct gen *g, struct pcap_writer *w, const struct gen_event *e,
		      unsigned long long *bytes)
{
	const struct gen_call *c = &g->calls[e->call];
	struct gen_msg m;
	struct frame_spec s;
	char buf[GEN_MSG_MAX];
	char src[32], dst[32];
	bool by_b;
	/* TCP: the caller's connection comes from one ephemeral port per callee. */
	unsigned a_port = g->tcp ? 30000u + c->callee : 5060u;

	gen_parties(&m, c, g->tcp);
	size_t n = gen_format(&m, e, buf, sizeof buf, &by_b);
	snprintf(src, sizeof src, "%s:%u", by_b ? m.b.ip : m.a.ip, by_b ? 5060u : a_port);
	snprintf(dst, sizeof dst, "%s:%u", by_b ? m.a.ip : m.b.ip, by_b ? a_port : 5060u);
	frame_spec_init(&s, LINK_ETHERNET, src, dst, g->tcp ? TRANSPORT_TCP : TRANSPORT_UDP);
	s.ip_id = (uint16_t)(e->call * 31u + e->step);
	bool ok;
	if (g->tcp) {
		uint32_t *seq = &g->tcp_seq[c->caller][c->callee][by_b];
		if (!*seq)
			*seq = 1000u + c->caller * 7919u + c->callee * 104729u + (by_b ? 50000u : 0u);
		s.tcp_seq = *seq;
		s.tcp_flags = FRAME_TCP_PSH | FRAME_TCP_ACK;
		ok = frame_write_next(w, GEN_EPOCH_US + e->ts_us, &s, buf, n);
		*seq = s.tcp_seq;
	} else {
		ok = frame_write(w, GEN_EPOCH_US + e->ts_us, &s, buf, n);
	}
	if (!ok) {
		fprintf(stderr, "gen_bench: cannot write a frame\n");
		exit(1);
	}
	*bytes += n;
}

static uint64_t gen_num(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;

	if (!s || !parse_uint(s, strlen(s), max, &v)) {
		fprintf(stderr, "gen_bench: %s needs a number up to %llu\n", opt,
			(unsigned long long)max);
		exit(2);
	}
	return v;
}

static void gen_usage(void)
{
	fprintf(stderr, "usage: gen_bench [-n CALLS] [-o FILE] [--seed N] [--rate CALLS_PER_S] "
			"[--tcp]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct gen g;
	const char *out = "bench.pcap";
	uint64_t n_calls = 140000, rate = 300;
	unsigned long class_count[GEN_N_CLASSES] = {0};
	unsigned long long bytes = 0;

	g.seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "-n"))
			n_calls = gen_num("-n", next, 10000000), i++;
		else if (!strcmp(argv[i], "-o") && next)
			out = next, i++;
		else if (!strcmp(argv[i], "--seed"))
			g.seed = gen_num("--seed", next, UINT64_MAX), i++;
		else if (!strcmp(argv[i], "--rate"))
			rate = gen_num("--rate", next, 100000), i++;
		else if (!strcmp(argv[i], "--tcp"))
			g.tcp = true;
		else
			gen_usage();
	}
	if (!rate)
		gen_usage();

	g.calls = xcalloc(n_calls ? n_calls : 1, sizeof *g.calls);
	/* Arrivals: mean spacing 1/rate, jittered uniformly by +-50%. */
	uint64_t arr = g.seed ^ 0xa0761d6478bd642fULL;
	int64_t gap = SEC / (int64_t)rate, t = 0;
	for (uint32_t ci = 0; ci < n_calls; ci++) {
		gen_schedule_call(&g, ci, t);
		class_count[g.calls[ci].cls]++;
		t += gap / 2 + rng_range(&arr, 0, gap);
	}
	qsort(g.ev, g.n_ev, sizeof *g.ev, gen_event_cmp);

	struct pcap_writer *w = pcap_writer_open(out, LINK_ETHERNET);
	if (!w) {
		perror(out);
		return 1;
	}
	for (size_t i = 0; i < g.n_ev; i++)
		gen_write(&g, w, &g.ev[i], &bytes);
	if (!pcap_writer_close(w)) {
		fprintf(stderr, "gen_bench: writing %s failed\n", out);
		return 1;
	}
	double span = g.n_ev ? (double)(g.ev[g.n_ev - 1].ts_us - g.ev[0].ts_us) / 1e6 : 0;
	fprintf(stderr, "gen_bench: %s: %llu calls (", out, (unsigned long long)n_calls);
	for (int k = 0; k < GEN_N_CLASSES; k++)
		fprintf(stderr, "%s%s %lu", k ? ", " : "", gen_class_name[k], class_count[k]);
	fprintf(stderr, "), %zu messages, %.1f s, %.0f bytes/message, %s\n", g.n_ev, span,
		g.n_ev ? (double)bytes / (double)g.n_ev : 0.0, g.tcp ? "tcp" : "udp");
	free(g.ev);
	free(g.calls);
	return 0;
}
