/* dialog_table: the dialogs in memory, found by Call-ID and tags.
 *
 * RFC 3261 §12: a dialog is Call-ID + local tag + remote tag.  The table hashes
 * the Call-ID; tags are compared as an unordered pair, so requests sent by the
 * callee (From = callee tag) find the same dialog.  Before the callee's tag is
 * known the dialog is early and found by Call-ID + caller tag; a second to-tag
 * in answer to the same INVITE is a fork (§12.1.2, §13.2.2.4): a separate
 * dialog.  A least-recently-active list gives the eviction order. */
#ifndef SIPWATCH_DIALOG_TABLE_H
#define SIPWATCH_DIALOG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer/records.h"
#include "analyzer/session_clock.h"
#include "analyzer/sip_msg.h"
#include "analyzer/timer_queue.h"
#include "analyzer/transaction.h"
#include "capture/packet.h"
#include "common/lru.h"

#define DIALOG_STR_MAX 256    /* bytes kept of Call-ID, URIs */
#define DIALOG_TAG_MAX 128    /* bytes kept of tags and agents */
#define DIALOG_MAX_AGENTS 6   /* endpoints whose Server/User-Agent a dialog remembers */
_Static_assert(DIALOG_MAX_AGENTS < 8, "struct dialog counts its agents in 3 bits");

enum dialog_state {
	DIALOG_EARLY = 0,
	DIALOG_CONFIRMED,
	DIALOG_TERMINATED,
};

/* session-timers.md "Risk and proof": the risk findings of a dialog and the
 * defective refresh answer that reached the refresher, until the evidence
 * decides (allocated only while a dialog is at risk). */
#define DIALOG_RISK_FINDINGS 4
struct dialog_risk_finding {
	uint64_t id, message_id;
	int64_t ts;
	enum finding_code code;
	char endpoint[ENDPOINT_STR_MAX];
	/* The agent, a NUL, the detail, a NUL: one allocation of their length
	 * (a detail may take 600 bytes but mostly takes ~100; fixed arrays made
	 * a risk record 3.5 KB, 3 MB of the bench capture's peak heap). */
	char *texts;
};
struct dialog_risk {
	int64_t reached;                 /* the defective 2xx reached the refresher; TS_NONE = not */
	struct net_addr src;             /* its sender (blamed) ... */
	char src_agent[DIALOG_TAG_MAX];  /* ... with the Server/User-Agent it sent */
	uint32_t se;                     /* its Session-Expires, 0 = none (timer off if accepted) */
	uint32_t cseq;
	enum dialog_refresher refresher;
	uint8_t method, side;
	bool src_known, fatal_counted;
	unsigned n;
	struct dialog_risk_finding f[DIALOG_RISK_FINDINGS];
};

/* The Server/User-Agent an endpoint sent; the text is a reference like the
 * user agents' (DIALOG_STR_SLOT ...), the table of them behind the dialog's
 * strings and slots (dialog_note_agent). */
struct dialog_agent {
	struct net_addr addr;
	uint16_t text; /* reference in strs, read with dialog_str() */
};

/* Fields ordered by size (no padding); enums in a byte, small counts and
 * flags in bits, strings as 16-bit offsets into one pack that also holds the
 * agents: 296 bytes, a 304-byte malloc chunk (tests/unit/test_dialog_memory.c). */
struct dialog {
	uint64_t id;
	/* One allocation holds every string of the dialog (Call-ID, URIs,
	 * caller tag, user agents, the agents' texts; read them with
	 * dialog_call_id() ...) but the callee's tag, which is set and reset on
	 * its own (dialog_set_str).  Noting an agent or the callee's user agent
	 * may move strs: a pointer taken before is stale after. */
	char *callee_tag; /* NULL while early without a tag */
	char *strs; /* strs_len bytes of strings, n_slots pointers, n_agents struct dialog_agent */
	int64_t invite_ts;
	int64_t created, established, ended, last_activity;
	int64_t doomed_at;
	int64_t at_risk_at;
	int64_t last_refresh;
	struct dialog_risk *risk; /* NULL = not at risk */
	struct session_timer st;
	struct txn_list txns;
	/* bookkeeping (analyzer.c) */
	struct timer_entry timer;
	uint64_t call_hash;
	struct dialog *hash_next;
	struct lru_node lru; /* dialog_table's least-recently-active order */

	struct net_addr caller_addr, callee_addr;
	uint32_t invite_cseq;
	uint32_t refreshes_ok, refreshes_failed;
	uint32_t n_messages, finding_mask;
	uint32_t min_se; /* largest Min-SE seen, when min_se_known */
	uint16_t n_findings; /* EMITTER_MAX_FINDINGS_PER_DIALOG at most */
	/* enums in a byte each */
	uint8_t transport;     /* enum transport */
	uint8_t state;         /* enum dialog_state */
	uint8_t end_class;     /* enum end_class */
	uint8_t emitted_class; /* enum end_class, emitter.c */
	uint16_t strs_len;
	/* offsets in strs, DIALOG_STR_NONE = none (dialog_call_id() ...) */
	uint16_t call_id_at, from_uri_at, to_uri_at, caller_tag_at, caller_ua_at, callee_ua_at;
	uint8_t n_agents : 3;     /* DIALOG_MAX_AGENTS at most */
	uint8_t n_slots : 4;      /* interned texts referenced (user agents, agents) */
	uint8_t timer_offered : 2; /* bit 1 << enum dialog_side: some request offered "timer" */
	bool caller_addr_known : 1, callee_addr_known : 1;
	bool min_se_known : 1;
	bool mid_call : 1;         /* first seen inside the dialog */
	bool ringing : 1;          /* a provisional answer with a to-tag */
	bool cancel_seen : 1;
	bool sibling_answered : 1; /* another fork of this INVITE was answered */
	bool doomed : 1, recovered : 1;
	bool at_risk : 1, emitted_at_risk : 1;
	bool provisional : 1; /* any provisional answer to the INVITE (Timer C) */
	/* bookkeeping (emitter.c only: others call emitter_dialog_changed) */
	bool row_dirty : 1; /* row changed since last emitted */
	bool emitted_doomed : 1, emitted_recovered : 1; /* as last emitted */
	/* bookkeeping (analyzer.c) */
	bool release : 1; /* emit final and free */
	bool counted_active : 1, counted_doomed : 1; /* as counted in the analyzer's stats */
};

/* A string reference: DIALOG_STR_NONE, an offset in the strings of the pack,
 * or DIALOG_STR_SLOT | i: slot i (behind the strings, 8-aligned) holds a
 * pointer to a text shared through the dialog table's agent_intern. */
#define DIALOG_STR_NONE UINT16_MAX
#define DIALOG_STR_SLOT 0x8000u
_Static_assert(3 * DIALOG_STR_MAX + (3 + DIALOG_MAX_AGENTS) * DIALOG_TAG_MAX < DIALOG_STR_SLOT,
	       "the string pack of a dialog fits 15-bit offsets");
_Static_assert(2 + DIALOG_MAX_AGENTS < 16, "struct dialog counts its slots in 4 bits");

/* Where the slots start behind len bytes of strings. */
static inline size_t dialog_slots_at(size_t len)
{
	return (len + 7) / 8 * 8;
}

/* The string d's reference at names (NULL = none). */
static inline const char *dialog_str(const struct dialog *d, uint16_t at)
{
	if (at == DIALOG_STR_NONE)
		return NULL;
	if (!(at & DIALOG_STR_SLOT))
		return d->strs + at;
	const char *p;
	memcpy(&p, d->strs + dialog_slots_at(d->strs_len) + (at & ~DIALOG_STR_SLOT) * sizeof p,
	       sizeof p);
	return p;
}
static inline const char *dialog_call_id(const struct dialog *d)
{
	return dialog_str(d, d->call_id_at);
}
static inline const char *dialog_from_uri(const struct dialog *d)
{
	return dialog_str(d, d->from_uri_at);
}
static inline const char *dialog_to_uri(const struct dialog *d)
{
	return dialog_str(d, d->to_uri_at);
}
static inline const char *dialog_caller_tag(const struct dialog *d)
{
	return dialog_str(d, d->caller_tag_at);
}
static inline const char *dialog_caller_ua(const struct dialog *d)
{
	return dialog_str(d, d->caller_ua_at);
}
static inline const char *dialog_callee_ua(const struct dialog *d)
{
	return dialog_str(d, d->callee_ua_at);
}

enum dialog_route_kind {
	ROUTE_NONE = 0,      /* not part of an INVITE dialog */
	ROUTE_FOUND,
	ROUTE_CREATE,        /* an initial INVITE */
	ROUTE_CREATE_MIDCALL,/* in-dialog traffic of a dialog never seen starting */
	ROUTE_SET_TAG,       /* d learns the callee's tag */
	ROUTE_FORK,          /* a new dialog forked from d */
	ROUTE_REVIVE,        /* d failed (401/407/422 ...) and the INVITE is retried */
};

struct dialog_route {
	enum dialog_route_kind kind;
	struct dialog *d;
};

struct dialog_table;

struct dialog_table *dialog_table_new(void);
/* Frees the table and every dialog still in it (no emission). */
void dialog_table_free(struct dialog_table *t);
size_t dialog_table_count(const struct dialog_table *t);

void dialog_table_route(const struct dialog_table *t, const struct sip_msg *m,
			struct dialog_route *out);
/* A new dialog from m (initial INVITE, or mid-call: caller = From side). */
struct dialog *dialog_table_create(struct dialog_table *t, uint64_t id, const struct sip_msg *m,
				   int64_t ts);
/* A fork of parent with the callee tag to_tag. */
struct dialog *dialog_table_fork(struct dialog_table *t, const struct dialog *parent, uint64_t id,
				 const char *to_tag, int64_t ts);
void dialog_table_remove(struct dialog_table *t, struct dialog *d);
void dialog_table_touch(struct dialog_table *t, struct dialog *d);
/* The least recently active dialog (eviction candidate), or NULL. */
struct dialog *dialog_table_oldest(const struct dialog_table *t);
/* The dialog active next after d, or NULL (d is the most recent). */
struct dialog *dialog_table_newer(const struct dialog *d);
/* Least recently active first; fn may not remove dialogs. */
void dialog_table_each(const struct dialog_table *t, void (*fn)(void *ctx, struct dialog *d),
		       void *ctx);
/* Every other dialog forked from the same INVITE as d. */
void dialog_table_each_sibling(const struct dialog_table *t, const struct dialog *d,
			       void (*fn)(void *ctx, struct dialog *s), void *ctx);

void dialog_free(struct dialog *d);
/* Frees a risk record and the texts of its findings (NULL: nothing). */
void dialog_risk_free(struct dialog_risk *k);
/* Which side sent m (by its From tag). */
enum dialog_side dialog_side_of(const struct dialog *d, const struct sip_msg *m);
/* Sets the callee's tag (d->callee_tag) to the first max-1 bytes of s (NULL = none). */
void dialog_set_str(char **field, const char *s, size_t max);
/* Sets the callee's Server/User-Agent if still unknown. */
void dialog_set_callee_ua(struct dialog_table *t, struct dialog *d, const char *ua);
/* Remembers the Server/User-Agent an endpoint sent; looks it up (NULL = unknown). */
void dialog_note_agent(struct dialog_table *t, struct dialog *d, const struct net_addr *a,
		       const char *agent);
/* Distinct agent texts the table shares between its dialogs. */
size_t dialog_table_agents_shared(const struct dialog_table *t);
const char *dialog_agent_of(const struct dialog *d, const struct net_addr *a);

#endif
