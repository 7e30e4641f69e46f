/* flow_merge: the combined flow of several dialogs — the legs of one call
 * through a B2BUA or SBC, each with its own Call-ID — as one ladder with
 * every message in time order (sngrep's extended flow).
 *
 * The legs are the marked dialogs, or found from one dialog by what B2BUAs
 * leave behind: a header carrying the other leg's Call-ID (X-CID,
 * X-Call-ID, X-Orig-Call-ID), a shared P-Charging-Vector icid-value (RFC
 * 7315 §4.6), a Replaces (RFC 3891 §6.1) or a Refer-To with ?Replaces= (RFC
 * 3515, RFC 3891 §7) naming another dialog; without any, the same From and To
 * user parts within a few seconds (a B2BUA keeps the numbers). */
#ifndef SIPWATCH_FLOW_MERGE_H
#define SIPWATCH_FLOW_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/records.h"

/* Dialogs in one combined flow, at most (the ladder has 8 host columns). */
#define FLOW_MERGE_MAX 8
#define FLOW_MERGE_VALUE_MAX 128
#define FLOW_MERGE_VALUES_MAX 8
/* Legs joined by numbers alone must start this close together. */
#define FLOW_MERGE_NUMBERS_WINDOW_US (10 * 1000000LL)

/* A correlation value found in a message: which header, what value. */
struct flow_merge_value {
	const char *header; /* "X-CID", "P-Charging-Vector icid-value", "Replaces", ... */
	char value[FLOW_MERGE_VALUE_MAX];
	bool is_call_id; /* names another dialog's Call-ID (else: a shared token) */
};

/* The correlation values in a message's headers (raw[0..header_len)), at most
 * max, repeated values once; returns how many.  Pure. */
size_t flow_merge_values(const uint8_t *raw, size_t header_len, struct flow_merge_value *out,
			 size_t max);

/* Sorts messages into the combined flow's order: time, then message id (the
 * order the capture had them).  Pure. */
void flow_merge_sort(struct message_record *msgs, size_t n);

/* "sip:+4930123@host;x" → "+4930123" (the user part; "" if none). */
void flow_merge_user(const char *uri, char *buf, size_t n);

/* The dashboard's part. */
struct dash;
struct flow_merge_state {
	uint64_t ids[FLOW_MERGE_MAX]; /* the dialogs of the open combined flow */
	size_t n;                     /* 0: the dialog screen shows one dialog */
	char how[96];                 /* how the legs were found, for the title */
	uint64_t loaded_msgs;         /* sum of their n_messages when loaded (live) */
};

/* Opens the dialog screen on the combined flow of ids (n >= 1). */
void flow_merge_open(struct dash *d, const uint64_t *ids, size_t n, const char *how);
/* Finds the legs of dialog id and opens their combined flow (or says none). */
void flow_merge_join(struct dash *d, uint64_t id);
/* Back to single dialogs. */
void flow_merge_close(struct dash *d);
/* dashboard_data_load_detail's hook while a combined flow is open: reloads
 * when one of its dialogs got messages; true if it changed. */
bool flow_merge_reload(struct dash *d);
/* The dialog screen's title line for the combined flow. */
void flow_merge_title(struct dash *d);
/* Messages of the dialogs ids, merged in flow order, appended to *msgs
 * (owned: each raw is one block holding the strings, free(raw) frees it).
 * False with a reason in the status line on a db failure. */
bool flow_merge_collect(struct dash *d, const uint64_t *ids, size_t n,
			struct message_record **msgs, size_t *n_msgs, size_t *cap);

#endif
