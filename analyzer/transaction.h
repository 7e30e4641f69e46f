/* transaction: SIP transactions of one dialog as seen on every leg (RFC 3261 §17).
 *
 * A transaction is keyed by CSeq number + method + the side that sent it (each
 * side numbers its own requests, §12.2.1.1).  ACK joins its INVITE (same CSeq
 * number); CANCEL is its own transaction.  Each transaction is observed on up to
 * TXN_MAX_HOPS legs ("hops": one request direction src → dst); a request or a
 * response seen again on the same hop is a retransmission (UDP, §17.1.1.2,
 * §17.2.1), never a new transaction.  Responses find their transaction by CSeq,
 * else by the top Via branch (which names the hop, §8.1.1.7), else by CSeq
 * number alone (then the CSeq method differs: a malformed answer).
 *
 * Memory per dialog is bounded: at most TXN_MAX_PER_DIALOG transactions, old
 * resolved ones are pruned after TXN_KEEP_US. */
#ifndef SIPWATCH_TRANSACTION_H
#define SIPWATCH_TRANSACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/sip_msg.h"
#include "capture/packet.h"
#include "common/seen_cache.h"
#include "common/sip_time.h"

#define TXN_MAX_HOPS 4
#define TXN_MAX_STATUSES 4
#define TXN_MAX_PER_DIALOG 16
/* 64*T1: Timer B (INVITE) and Timer F (non-INVITE), RFC 3261 §17.1.1.2, §17.1.2.2 */
#define TXN_TIMEOUT_US SIP_TIME_64T1_US
#define TXN_KEEP_US (64 * USEC_PER_SEC)

enum dialog_side {
	SIDE_CALLER = 0, /* sent the initial INVITE (From tag of the dialog) */
	SIDE_CALLEE,
};

enum txn_kind {
	TXN_OTHER = 0,
	TXN_INITIAL_INVITE,
	TXN_REFRESH, /* re-INVITE or UPDATE in a confirmed dialog */
};

/* The session-timer outcome of a refresh transaction. */
enum txn_outcome {
	TXN_PENDING = 0,
	TXN_OK,
	TXN_MALFORMED,
	TXN_LOST, /* unanswered or not relayed */
	TXN_REJECTED,
};

/* One leg of a transaction.  68 bytes, 4-byte aligned (the branch hash in two
 * halves): most transactions have one hop (a one-leg capture), so struct txn
 * holds the first inline and the others in an array grown on demand. */
struct txn_hop {
	struct net_addr req_src, req_dst; /* the request's direction on this hop */
	uint32_t branch_lo, branch_hi;    /* hash of the top Via branch, 0 = none */
	uint16_t req_count;               /* request observations (1 + retransmissions) */
	uint16_t ack_count;
	uint16_t n2xx;                    /* 2xx observations */
	int16_t status[TXN_MAX_STATUSES]; /* distinct statuses seen */
	int16_t final_status;             /* first final on this hop, 0 = none */
	uint8_t n_status;
	uint8_t transport;                /* enum transport */
};

/* Fields ordered by alignment (no padding); enums and small counts in bits:
 * 216 bytes, a 224-byte malloc chunk (tests/unit/test_dialog_memory.c).  An
 * INVITE dialog keeps its initial transaction for its whole life. */
struct txn {
	int64_t first_ts;      /* t_req: first observation (of the request when seen) */
	int64_t last_ts;
	uint64_t req_msg_id;   /* first request observation */
	uint64_t first_final_msg_id;
	int64_t first_2xx_ts;
	uint64_t first_2xx_msg_id;
	struct txn_hop *more_hops; /* hops 1 .. n_hops-1 (NULL while n_hops <= 1) */
	uint32_t cseq;
	uint32_t codes;        /* finding codes reported for this transaction */
	/* the request as first seen */
	struct timer_header req_se, req_min_se;
	struct txn_hop hop0;
	struct net_addr sender;         /* src of the first request observation */
	struct net_addr last_final_dst; /* the furthest hop a final reached */
	struct net_addr first_2xx_src;
	uint16_t req_retransmissions;
	int16_t first_final_status;     /* 0 = none */
	uint8_t method;        /* enum sip_method */
	uint8_t side : 1;      /* enum dialog_side: who sent the request */
	uint8_t kind : 2;      /* enum txn_kind */
	uint8_t outcome : 3;   /* enum txn_outcome (session-timer bookkeeping) */
	uint8_t n_hops : 3;    /* TXN_MAX_HOPS at most */
	bool request_seen : 1;
	bool sender_known : 1;
	bool delivered : 1; /* a final response reached the sender */
	bool acked : 1;
	/* session-timer bookkeeping (session_timer.c) */
	bool timer_active_at_req : 1;
	bool success : 1;       /* refreshed the timer */
	bool judged_lost : 1;   /* unanswered / not relayed decided */
	bool noack_checked : 1;
	bool counted_failed : 1;
};
_Static_assert(TXN_MAX_HOPS < 8, "struct txn counts hops in 3 bits");
_Static_assert(TXN_REFRESH < 4 && TXN_REJECTED < 8, "struct txn keeps kind and outcome in 2 + 3 bits");

/* The Via branch hash of hop h (0 = none). */
static inline uint64_t transaction_hop_branch(const struct txn_hop *h)
{
	return (uint64_t)h->branch_hi << 32 | h->branch_lo;
}

/* The transactions of a dialog: v[0 .. n); the first TXN_LIST_INLINE live in
 * the list itself (v points at inl), more in an array grown on demand.  A list
 * is never copied by value (transaction_list_copy).  One inline: a dialog
 * in memory mostly holds one transaction (the INVITE, later its last
 * refresh: the others are pruned), and 24 bytes keep struct dialog in a
 * 304-byte malloc chunk; a second one costs a 32-byte array while it lives. */
#define TXN_LIST_INLINE 1
struct txn_list {
	struct txn **v;
	struct txn *inl[TXN_LIST_INLINE];
	uint8_t n, cap;
};

/* Hop i of t (i < t->n_hops). */
static inline const struct txn_hop *transaction_hop_at(const struct txn *t, size_t i)
{
	return i == 0 ? &t->hop0 : &t->more_hops[i - 1];
}

/* What one observation did to its transaction. */
struct txn_obs {
	struct txn *txn;
	struct txn_hop *hop; /* NULL when the hop table was full */
	bool new_txn;
	bool retransmission;
	bool first_request; /* first observation of the request */
	bool first_final;   /* first final response of the transaction, any hop */
	bool first_2xx;
	bool first_on_hop;  /* first final of the transaction on this hop */
	bool to_sender;     /* a response whose dst is the request's sender */
	bool cseq_mismatch; /* the response's CSeq method differs from the request's */
};

void transaction_list_init(struct txn_list *l);
void transaction_list_clear(struct txn_list *l);
/* Deep copy of the requests (forks start with their parent's INVITE, not its answers). */
void transaction_list_copy(struct txn_list *dst, const struct txn_list *src);

/* Records one observation of m (flow f, time ts, message id msg_id) sent by
 * side.  kind_if_new classifies a transaction this observation creates. */
void transaction_observe(struct txn_list *l, enum dialog_side side, const struct sip_msg *m,
			 const struct flow *f, int64_t ts, uint64_t msg_id, enum txn_kind kind_if_new,
			 struct txn_obs *out);
struct txn *transaction_find(const struct txn_list *l, enum dialog_side side, uint32_t cseq,
			     enum sip_method method);
/* Drops transactions idle for TXN_KEEP_US (an initial INVITE only if keep_initial is false). */
void transaction_prune(struct txn_list *l, int64_t now, bool keep_initial);
/* A confirmed dialog's BYE: drops the initial INVITE once its 2xx was
 * acknowledged (RFC 3261 §13.3.1.4: the 2xx is retransmitted only until the
 * ACK); it would otherwise stay with the ended dialog for its 64*T1 linger. */
void transaction_drop_acked_invite(struct txn_list *l);
/* Retransmission count of the 2xx on its most-repeated hop. */
unsigned transaction_max_2xx(const struct txn *t);
/* The hop furthest from the sender the request was seen on (NULL if none). */
const struct txn_hop *transaction_far_hop(const struct txn *t);

/* Out-of-dialog messages (OPTIONS, REGISTER ...): bounded memory of recent
 * (leg, Call-ID, CSeq, method, status) to flag retransmissions. */
struct seen_cache *transaction_cache_new(void); /* seen_cache_free frees it */
bool transaction_cache_seen(struct seen_cache *c, const struct flow *f, const struct sip_msg *m,
			    int64_t ts);

#endif
