/* The compact in-memory forms of transactions and dialogs: the transaction list
 * (inline slots, grown, shrunk back, capped), hops beyond the inline one, deep
 * copies for forks, the dialog's string pack (shared texts, pointers kept
 * right when it grows), the agent texts shared between dialogs (bounded
 * under a flood of distinct ones), and the heap bytes one live call and one
 * ended, lingering call cost the analyzer (issues 18 and 20: 140k calls alive
 * at once, and the ended ones of 32 s at 6,500 set-ups a second, must fit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MEM_SANITIZER 1
/* from the sanitizer runtime (sanitizer/allocator_interface.h, not always installed) */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#include "analyzer/agent_intern.h"
#include "analyzer/analyzer.h"
#include "analyzer/dialog_table.h"
#include "analyzer/transaction.h"

#define SEC USEC_PER_SEC

static struct flow mem_flow(uint8_t src, uint8_t dst)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.src.family = 4;
	f.src.ip[0] = 10;
	f.src.ip[3] = src;
	f.src.port = 5060;
	f.dst = f.src;
	f.dst.ip[3] = dst;
	f.transport = TRANSPORT_UDP;
	return f;
}

static struct sip_msg mem_request(enum sip_method method, uint32_t cseq, char *branch)
{
	struct sip_msg m;

	memset(&m, 0, sizeof m);
	m.is_request = true;
	m.method = method;
	m.cseq = cseq;
	m.cseq_valid = true;
	m.cseq_method = method;
	m.via_branch = branch;
	return m;
}

static struct sip_msg mem_response(int status, enum sip_method method, uint32_t cseq,
				   char *branch)
{
	struct sip_msg m = mem_request(method, cseq, branch);

	m.is_request = false;
	m.status = status;
	return m;
}

static void txn_list_grows_shrinks_and_caps(void **state)
{
	(void)state;
	struct txn_list l;
	struct txn_obs o;
	char br[32];

	transaction_list_init(&l);
	assert_ptr_equal(l.v, l.inl);
	for (uint32_t i = 1; i <= TXN_MAX_PER_DIALOG + 4; i++) {
		struct flow f = mem_flow(1, 2);
		snprintf(br, sizeof br, "z9hG4bK-%u", i);
		struct sip_msg m = mem_request(SIP_UPDATE, i, br);
		transaction_observe(&l, SIDE_CALLER, &m, &f, (int64_t)i * SEC, i, TXN_REFRESH, &o);
		assert_true(o.new_txn);
		assert_true(o.first_request);
		assert_int_equal(l.n, i < TXN_MAX_PER_DIALOG ? i : TXN_MAX_PER_DIALOG);
	}
	assert_ptr_not_equal(l.v, l.inl);
	/* the oldest went first: the list holds the last 16 */
	assert_null(transaction_find(&l, SIDE_CALLER, 4, SIP_UPDATE));
	assert_non_null(transaction_find(&l, SIDE_CALLER, 5, SIP_UPDATE));
	assert_non_null(transaction_find(&l, SIDE_CALLER, TXN_MAX_PER_DIALOG + 4, SIP_UPDATE));
	/* a response finds its transaction by branch when the CSeq method differs */
	struct flow back = mem_flow(2, 1);
	struct sip_msg r = mem_response(200, SIP_INVITE, 7, "z9hG4bK-7");
	transaction_observe(&l, SIDE_CALLER, &r, &back, 7 * SEC, 99, TXN_OTHER, &o);
	assert_false(o.new_txn);
	assert_true(o.cseq_mismatch);
	assert_int_equal(o.txn->cseq, 7);
	/* idle ones pruned: back to the inline slots */
	transaction_prune(&l, (TXN_MAX_PER_DIALOG + 3) * SEC + TXN_KEEP_US, false);
	assert_int_equal(l.n, 1);
	assert_ptr_equal(l.v, l.inl);
	assert_int_equal(l.v[0]->cseq, TXN_MAX_PER_DIALOG + 4);
	transaction_list_clear(&l);
	assert_int_equal(l.n, 0);
	assert_ptr_equal(l.v, l.inl);
}

/* At a BYE the INVITE goes only once its 2xx was acknowledged: until then
 * the 2xx may be retransmitted and the missing ACK is still to be judged. */
static void txn_acked_invite_dropped_at_bye(void **state)
{
	(void)state;
	struct txn_list l;
	struct txn_obs o;
	struct flow out = mem_flow(1, 2), back = mem_flow(2, 1);

	transaction_list_init(&l);
	struct sip_msg inv = mem_request(SIP_INVITE, 1, "z9hG4bK-inv");
	transaction_observe(&l, SIDE_CALLER, &inv, &out, SEC, 1, TXN_INITIAL_INVITE, &o);
	struct sip_msg ok = mem_response(200, SIP_INVITE, 1, "z9hG4bK-inv");
	transaction_observe(&l, SIDE_CALLER, &ok, &back, 2 * SEC, 2, TXN_INITIAL_INVITE, &o);
	struct sip_msg bye = mem_request(SIP_BYE, 2, "z9hG4bK-bye");
	transaction_observe(&l, SIDE_CALLER, &bye, &out, 3 * SEC, 3, TXN_OTHER, &o);
	transaction_drop_acked_invite(&l);
	assert_int_equal(l.n, 2); /* no ACK: kept */
	struct sip_msg ack = mem_request(SIP_ACK, 1, "z9hG4bK-ack");
	transaction_observe(&l, SIDE_CALLER, &ack, &out, 4 * SEC, 4, TXN_OTHER, &o);
	assert_true(o.txn->acked);
	transaction_drop_acked_invite(&l);
	assert_int_equal(l.n, 1);
	assert_ptr_equal(l.v, l.inl);
	assert_null(transaction_find(&l, SIDE_CALLER, 1, SIP_INVITE));
	assert_non_null(transaction_find(&l, SIDE_CALLER, 2, SIP_BYE));
	transaction_list_clear(&l);
}

static void txn_hops_beyond_the_first(void **state)
{
	(void)state;
	struct txn_list l, copy;
	struct txn_obs o;

	transaction_list_init(&l);
	/* the same INVITE on five legs: four hops kept, the fifth not */
	for (uint8_t h = 0; h < TXN_MAX_HOPS + 1; h++) {
		struct flow f = mem_flow((uint8_t)(10 + h), (uint8_t)(11 + h));
		char br[32];
		snprintf(br, sizeof br, "z9hG4bK-hop%u", h);
		struct sip_msg m = mem_request(SIP_INVITE, 1, br);
		transaction_observe(&l, SIDE_CALLER, &m, &f, SEC + h, 1 + h, TXN_INITIAL_INVITE, &o);
		assert_int_equal(o.new_txn, h == 0);
		if (h < TXN_MAX_HOPS) {
			assert_non_null(o.hop);
			assert_ptr_equal(o.hop, transaction_hop_at(o.txn, h));
			assert_int_equal(o.hop->req_src.ip[3], 10 + h);
		} else {
			assert_null(o.hop);
		}
	}
	struct txn *t = l.v[0];
	assert_int_equal(t->n_hops, TXN_MAX_HOPS);
	/* a retransmission on hop 2, statuses per hop */
	struct flow f2 = mem_flow(12, 13);
	struct sip_msg again = mem_request(SIP_INVITE, 1, "z9hG4bK-hop2");
	transaction_observe(&l, SIDE_CALLER, &again, &f2, 2 * SEC, 9, TXN_INITIAL_INVITE, &o);
	assert_true(o.retransmission);
	assert_int_equal(transaction_hop_at(t, 2)->req_count, 2);
	struct flow b3 = mem_flow(14, 13);
	struct sip_msg ok = mem_response(200, SIP_INVITE, 1, "z9hG4bK-hop3");
	transaction_observe(&l, SIDE_CALLER, &ok, &b3, 3 * SEC, 10, TXN_OTHER, &o);
	transaction_observe(&l, SIDE_CALLER, &ok, &b3, 4 * SEC, 11, TXN_OTHER, &o);
	assert_true(o.retransmission);
	assert_int_equal(transaction_max_2xx(t), 2);
	assert_ptr_equal(transaction_far_hop(t), transaction_hop_at(t, 3));
	/* a fork's copy: its own hops, the requests without the answers */
	transaction_list_copy(&copy, &l);
	assert_int_equal(copy.n, 1);
	assert_ptr_not_equal(copy.v[0]->more_hops, t->more_hops);
	assert_int_equal(copy.v[0]->n_hops, TXN_MAX_HOPS);
	assert_int_equal(transaction_hop_at(copy.v[0], 2)->req_count, 2);
	assert_int_equal(transaction_max_2xx(copy.v[0]), 0);
	assert_int_equal(copy.v[0]->first_final_status, 0);
	assert_int_equal(t->first_final_status, 200);
	transaction_list_clear(&l);
	assert_int_equal(copy.v[0]->n_hops, TXN_MAX_HOPS);
	transaction_list_clear(&copy);
}

static void dialog_strings_in_one_pack(void **state)
{
	(void)state;
	struct dialog_table *tab = dialog_table_new();
	struct sip_msg m = mem_request(SIP_INVITE, 1, "z9hG4bK-1");
	struct net_addr caller = mem_flow(1, 2).src, callee = mem_flow(2, 1).src;
	struct net_addr proxy = mem_flow(3, 1).src;
	char long_ua[300];

	m.call_id = "call-1@example.com";
	m.from_uri = "sip:alice@example.com";
	m.to_uri = "sip:bob@example.com";
	m.from_tag = "alice-tag";
	m.user_agent = "Alice/1.0";
	struct dialog *d = dialog_table_create(tab, 1, &m, SEC);
	assert_string_equal(dialog_call_id(d), "call-1@example.com");
	assert_string_equal(dialog_caller_tag(d), "alice-tag");
	assert_null(dialog_callee_ua(d));
	assert_null(d->callee_tag);
	/* the caller's agent is the caller's user agent: stored once */
	size_t len = d->strs_len;
	dialog_note_agent(tab, d, &caller, "Alice/1.0");
	assert_int_equal(d->strs_len, len);
	assert_ptr_equal(dialog_agent_of(d, &caller), dialog_caller_ua(d));
	/* new texts grow the pack; every field still reads right */
	dialog_note_agent(tab, d, &callee, "Bob/2.0");
	dialog_set_callee_ua(tab, d, "Bob/2.0");
	dialog_set_callee_ua(tab, d, "Other/3.0"); /* set once */
	assert_ptr_equal(dialog_callee_ua(d), dialog_agent_of(d, &callee));
	memset(long_ua, 'x', sizeof long_ua - 1);
	long_ua[sizeof long_ua - 1] = '\0';
	dialog_note_agent(tab, d, &proxy, long_ua);
	assert_int_equal(strlen(dialog_agent_of(d, &proxy)), DIALOG_TAG_MAX - 1);
	dialog_note_agent(tab, d, &proxy, "ignored/1.0"); /* one agent per address */
	assert_int_equal(d->n_agents, 3);
	assert_string_equal(dialog_call_id(d), "call-1@example.com");
	assert_string_equal(dialog_from_uri(d), "sip:alice@example.com");
	assert_string_equal(dialog_to_uri(d), "sip:bob@example.com");
	assert_string_equal(dialog_caller_tag(d), "alice-tag");
	assert_string_equal(dialog_caller_ua(d), "Alice/1.0");
	assert_string_equal(dialog_callee_ua(d), "Bob/2.0");
	assert_string_equal(dialog_agent_of(d, &caller), "Alice/1.0");
	assert_string_equal(dialog_agent_of(d, &callee), "Bob/2.0");
	/* an empty string is kept as such, NULL as none */
	struct sip_msg e = m;
	e.call_id = "call-2@example.com";
	e.from_tag = "x";
	e.to_uri = "";
	e.user_agent = NULL;
	struct dialog *d2 = dialog_table_create(tab, 2, &e, SEC);
	assert_string_equal(dialog_to_uri(d2), "");
	assert_null(dialog_caller_ua(d2));
	assert_string_equal(dialog_caller_tag(d2), "x");
	/* the agents' table sits behind the strings: a new string moves it up */
	dialog_note_agent(tab, d2, &caller, "Gw/7");
	dialog_note_agent(tab, d2, &proxy, "Proxy/8");
	dialog_set_callee_ua(tab, d2, "Callee/9");
	assert_string_equal(dialog_agent_of(d2, &caller), "Gw/7");
	assert_string_equal(dialog_agent_of(d2, &proxy), "Proxy/8");
	assert_null(dialog_agent_of(d2, &callee));
	assert_string_equal(dialog_callee_ua(d2), "Callee/9");
	assert_string_equal(dialog_call_id(d2), "call-2@example.com");
	/* a fork copies the strings and agents into its own pack */
	struct dialog *f = dialog_table_fork(tab, d, 3, "bob-tag-2", 2 * SEC);
	assert_ptr_not_equal(f->strs, d->strs);
	assert_string_equal(dialog_call_id(f), dialog_call_id(d));
	assert_string_equal(dialog_caller_ua(f), "Alice/1.0");
	assert_null(dialog_callee_ua(f));
	assert_string_equal(f->callee_tag, "bob-tag-2");
	assert_int_equal(f->n_agents, 3);
	assert_string_equal(dialog_agent_of(f, &callee), "Bob/2.0");
	assert_int_equal(dialog_table_count(tab), 3);
	dialog_table_remove(tab, f);
	dialog_free(f);
	dialog_table_free(tab);
}

/* ---- bytes per live call ---- */

/* Heap bytes in use: glibc's count (chunk headers and rounding included) or,
 * under ASan/TSan, their allocator's; 0 when the allocator does not say
 * (valgrind). */
static size_t mem_heap_in_use(void)
{
#ifdef MEM_SANITIZER
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#endif
}

/* One message of call i, as a typical trunk sends it (the bench capture's
 * sizes: a 40-byte Call-ID, number@ip URIs, 10-byte tags, real agents). */
static void mem_feed(struct analyzer *a, unsigned i, int64_t ts, bool from_caller,
		     const char *first_line, const char *cseq, bool to_tag, const char *extra)
{
	char buf[1024], tag[32] = "";
	struct flow f = from_caller ? mem_flow(1, 2) : mem_flow(2, 1);

	if (to_tag)
		snprintf(tag, sizeof tag, ";tag=%08xb2", i);
	int n = snprintf(buf, sizeof buf,
			 "%s\r\n"
			 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%08x-%s\r\n"
			 "From: <sip:+4930%07u@10.0.0.1>;tag=%08xa1\r\n"
			 "To: <sip:+4989%07u@10.0.0.2>%s\r\n"
			 "Call-ID: %08x-5d3c-4e1b-9a7f-%08x@10.0.0.1\r\n"
			 "CSeq: %s\r\n"
			 "Contact: <sip:+4930%07u@10.0.0.1:5060>\r\n"
			 "%s: %s\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 first_line, i, cseq, i, i, i, tag, i, i, cseq, i,
			 from_caller ? "User-Agent" : "Server",
			 from_caller ? "Cisco-SIPGateway/IOS-15.x" : "Asterisk PBX 18.12.0", extra);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	struct sip_packet *p = sip_packet_new(ts, &f, (const uint8_t *)buf, (uint32_t)n);
	analyzer_feed(a, p);
	sip_packet_free(p);
}

/* A confirmed call with a session timer, as it stays in memory for most of
 * its life: INVITE, 180, 200, ACK. */
static void mem_call(struct analyzer *a, unsigned i, int64_t t0)
{
	const char *se = "Session-Expires: 1800;refresher=uac\r\nSupported: timer\r\n"
			 "Min-SE: 90\r\n";
	const char *ok = "Session-Expires: 1800;refresher=uac\r\nRequire: timer\r\n";

	mem_feed(a, i, t0, true, "INVITE sip:+49891234567@10.0.0.2 SIP/2.0", "1 INVITE", false,
		 se);
	mem_feed(a, i, t0 + 2000, false, "SIP/2.0 180 Ringing", "1 INVITE", true, "");
	mem_feed(a, i, t0 + 4 * SEC, false, "SIP/2.0 200 OK", "1 INVITE", true, ok);
	mem_feed(a, i, t0 + 4 * SEC + 5000, true, "ACK sip:+49891234567@10.0.0.2 SIP/2.0",
		 "1 ACK", true, "");
}

/* The bound, in glibc malloc chunks (request + 8, rounded up to 16):
 * struct dialog (296: 304) + its pack (Call-ID, two URIs, the caller's tag:
 * 110 bytes; two slots pointing at the shared user agents: 16; the two
 * agents' table: 44; 176) + the callee's tag (32) + the INVITE transaction,
 * its only one for now (216: 224) + the table's bucket and the timer heap's
 * slot (~16): 769 measured (790 with each dialog's own copy of the agents).
 * 880 leaves ~13% for another malloc's rounding and fails if an allocation or
 * a pointer-sized field or two are added carelessly; it was 907 before the
 * packing.  (ASan counts the bytes asked for, without headers: lower.) */
#define MEM_CALLS 4000
#define MEM_BYTES_PER_CALL_MAX 880

static void bytes_per_live_call(void **state)
{
	(void)state;
	struct analyzer_config cfg;
	struct analyzer_sink sink;

	_Static_assert(sizeof(struct dialog) <= 296, "struct dialog grew");
	_Static_assert(sizeof(struct txn) <= 216, "struct txn grew");
	/* a risk record's findings keep their texts at their length (3440 with arrays) */
	_Static_assert(sizeof(struct dialog_risk) <= 560, "struct dialog_risk grew");
	analyzer_config_defaults(&cfg);
	cfg.max_dialogs = MEM_CALLS + 10;
	memset(&sink, 0, sizeof sink);
	struct analyzer *a = analyzer_new(&cfg, &sink);
	int64_t t0 = 1700000000LL * SEC;
	mem_call(a, 0, t0); /* first-use allocations (parser, caches) out of the count */
	size_t before = mem_heap_in_use();
	for (unsigned i = 1; i <= MEM_CALLS; i++)
		mem_call(a, i, t0 + (int64_t)i * 1000);
	size_t after = mem_heap_in_use();
	struct analyzer_stats st;
	analyzer_get_stats(a, &st);
	assert_int_equal(st.dialogs_total, MEM_CALLS + 1);
	assert_int_equal(st.dialogs_active, MEM_CALLS + 1);
	analyzer_free(a);
	if (after <= before) {
		print_message("skip - the allocator does not report its heap (valgrind?)\n");
		skip();
	}
	size_t per = (after - before) / MEM_CALLS;
	print_message("bytes per live call: %zu (bound %d)\n", per, MEM_BYTES_PER_CALL_MAX);
	assert_in_range(per, 352, MEM_BYTES_PER_CALL_MAX);
}

/* ---- bytes per ended call, lingering ---- */

static void mem_count_ended(void *ctx, const struct dialog_record *r)
{
	unsigned *n = ctx;

	if (r->end_class == END_NORMAL_BYE && strcmp(r->state, "terminated") == 0)
		(*n)++;
}

/* The bound for a call ended by an answered BYE, still in memory for
 * DIALOG_LINGER_US: a live call's (above), its acknowledged INVITE
 * transaction dropped at the BYE (transaction_drop_acked_invite) and the
 * BYE's (224) in its place: 771 measured (1027 while the INVITE's stayed,
 * with the list's array for two).  The live call's bound holds. */
#define MEM_BYTES_PER_ENDED_CALL_MAX MEM_BYTES_PER_CALL_MAX

static void bytes_per_ended_call(void **state)
{
	(void)state;
	struct analyzer_config cfg;
	struct analyzer_sink sink;

	analyzer_config_defaults(&cfg);
	cfg.max_dialogs = MEM_CALLS + 10;
	memset(&sink, 0, sizeof sink);
	struct analyzer *a = analyzer_new(&cfg, &sink);
	int64_t t0 = 1700000000LL * SEC;
	size_t before = 0;
	/* every call ends within 10 s of packet time: all still linger at the end */
	for (unsigned i = 0; i <= MEM_CALLS; i++) {
		int64_t t = t0 + (int64_t)i * 1000;
		mem_call(a, i, t);
		mem_feed(a, i, t + 5 * SEC, true, "BYE sip:+49891234567@10.0.0.2 SIP/2.0", "2 BYE",
			 true, "");
		mem_feed(a, i, t + 5 * SEC + 3000, false, "SIP/2.0 200 OK", "2 BYE", true, "");
		if (i == 0)
			before = mem_heap_in_use(); /* first-use allocations out of the count */
	}
	size_t after = mem_heap_in_use();
	unsigned ended = 0;
	analyzer_each_dialog(a, mem_count_ended, &ended);
	assert_int_equal(ended, MEM_CALLS + 1);
	analyzer_free(a);
	if (after <= before) {
		print_message("skip - the allocator does not report its heap (valgrind?)\n");
		skip();
	}
	size_t per = (after - before) / MEM_CALLS;
	print_message("bytes per ended call (lingering): %zu (bound %d)\n", per,
		      MEM_BYTES_PER_ENDED_CALL_MAX);
	assert_in_range(per, 352, MEM_BYTES_PER_ENDED_CALL_MAX);
}

/* ---- agents shared ---- */

static void agents_shared_and_bounded(void **state)
{
	(void)state;
	struct dialog_table *tab = dialog_table_new();
	struct sip_msg m = mem_request(SIP_INVITE, 1, "z9hG4bK-1");
	struct net_addr gw = mem_flow(1, 2).src, pbx = mem_flow(2, 1).src;
	static struct dialog *dv[AGENT_INTERN_MAX + 8];
	char cid[32], ua[32];

	m.from_uri = "sip:a@example.com";
	m.to_uri = "sip:b@example.com";
	m.from_tag = "t";
	/* many dialogs, two agents: two texts in the table, each dialog points there */
	m.user_agent = "Cisco-SIPGateway/IOS-15.x";
	for (unsigned i = 0; i < 100; i++) {
		snprintf(cid, sizeof cid, "c-%u", i);
		m.call_id = cid;
		dv[i] = dialog_table_create(tab, i + 1, &m, SEC);
		dialog_note_agent(tab, dv[i], &gw, m.user_agent);
		dialog_note_agent(tab, dv[i], &pbx, "Asterisk PBX 18.12.0");
		dialog_set_callee_ua(tab, dv[i], "Asterisk PBX 18.12.0");
		/* the pack holds the strings only: Call-ID, URIs, tag, two slots, two agents */
		assert_int_equal(dv[i]->n_slots, 2);
		assert_int_equal(dv[i]->strs_len, strlen(cid) + 1 + 18 + 18 + 2);
	}
	assert_int_equal(dialog_table_agents_shared(tab), 2);
	assert_ptr_equal(dialog_caller_ua(dv[0]), dialog_caller_ua(dv[99]));
	assert_ptr_equal(dialog_agent_of(dv[7], &gw), dialog_caller_ua(dv[3]));
	assert_ptr_equal(dialog_callee_ua(dv[5]), dialog_agent_of(dv[6], &pbx));
	assert_string_equal(dialog_callee_ua(dv[5]), "Asterisk PBX 18.12.0");
	/* a fork takes references of its own: the parent's end leaves them */
	struct dialog *f = dialog_table_fork(tab, dv[0], 1000, "x", 2 * SEC);
	for (unsigned i = 0; i < 100; i++) {
		dialog_table_remove(tab, dv[i]);
		dialog_free(dv[i]);
	}
	assert_int_equal(dialog_table_agents_shared(tab), 2);
	assert_string_equal(dialog_caller_ua(f), "Cisco-SIPGateway/IOS-15.x");
	assert_string_equal(dialog_agent_of(f, &pbx), "Asterisk PBX 18.12.0");
	dialog_table_remove(tab, f);
	dialog_free(f);
	assert_int_equal(dialog_table_agents_shared(tab), 0); /* freed with the last reference */
	/* a flood of distinct agents: the table stops at its cap, the dialogs past
	 * it keep their own copy, every text reads right */
	for (unsigned i = 0; i < AGENT_INTERN_MAX + 8; i++) {
		snprintf(cid, sizeof cid, "f-%u", i);
		snprintf(ua, sizeof ua, "Flood/%u", i);
		m.call_id = cid;
		m.user_agent = ua;
		dv[i] = dialog_table_create(tab, i + 1, &m, SEC);
		dialog_note_agent(tab, dv[i], &gw, ua);
		assert_int_equal(dv[i]->n_slots, i < AGENT_INTERN_MAX ? 1 : 0);
	}
	assert_int_equal(dialog_table_agents_shared(tab), AGENT_INTERN_MAX);
	for (unsigned i = 0; i < AGENT_INTERN_MAX + 8; i++) {
		snprintf(ua, sizeof ua, "Flood/%u", i);
		assert_string_equal(dialog_caller_ua(dv[i]), ua);
		assert_string_equal(dialog_agent_of(dv[i], &gw), ua);
	}
	/* unreferenced texts leave: room again */
	for (unsigned i = 0; i < 10; i++) {
		dialog_table_remove(tab, dv[i]);
		dialog_free(dv[i]);
	}
	assert_int_equal(dialog_table_agents_shared(tab), AGENT_INTERN_MAX - 10);
	m.call_id = "again";
	m.user_agent = "New/1";
	dv[0] = dialog_table_create(tab, 1, &m, SEC);
	assert_int_equal(dv[0]->n_slots, 1);
	dialog_table_free(tab); /* frees the dialogs still in it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(txn_list_grows_shrinks_and_caps),
		cmocka_unit_test(txn_hops_beyond_the_first),
		cmocka_unit_test(txn_acked_invite_dropped_at_bye),
		cmocka_unit_test(dialog_strings_in_one_pack),
		cmocka_unit_test(bytes_per_live_call),
		cmocka_unit_test(bytes_per_ended_call),
		cmocka_unit_test(agents_shared_and_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
