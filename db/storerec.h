/* storerec: the records the store's producer side (store.c, on the analyzer
 * thread) copies into the row queue for its writer thread (writer_*.c).
 *
 * A record is a fixed header and body followed by its strings' bytes; a
 * string is (offset from the record's start, length), NULL as length
 * STOREREC_NULL.  Strings are not NUL-terminated: the writer binds them with
 * their lengths, SQLITE_STATIC, straight from the queue's chunk. */
#ifndef SIPWATCH_STOREREC_H
#define SIPWATCH_STOREREC_H

#include <stdint.h>

#include "db/storetypes.h"

#define STOREREC_NULL UINT32_MAX

enum storerec_kind {
	REC_MESSAGE = 1,
	REC_DIALOG,
	REC_FINDING,
	REC_ENDPOINT,
	REC_CAPTURE_BEGIN,  /* answers capture_id */
	REC_CAPTURE_UPDATE,
	REC_NEXT_IDS,       /* answers the three ids */
	REC_COMMIT,         /* write the coalesced rows, commit */
	REC_RETENTION,
	REC_SYNC,           /* nothing: its ticket says everything before it is done */
	REC_INDEXES,        /* commit, build the deferred indexes (index_build.h) */
	REC_INDEXES_REPORT, /* commit, build those a report reads (issue 20) */
	REC_STOP,           /* the last record: commit, end the thread */
};

struct storerec_str {
	uint32_t off, len;
};

struct storerec_hdr {
	uint32_t kind;
	uint32_t size;   /* bytes of the whole record, strings included */
	uint64_t ticket; /* non-zero: the producer waits for it (store_wait) */
};

struct storerec_message {
	struct storerec_hdr h;
	uint64_t id, dialog_id, header_len;
	int64_t ts_us;
	int32_t status; /* <= 0 or a request: NULL */
	uint32_t cseq;
	uint8_t transport, retransmission;
	int64_t hep_agent_id; /* -1: not from HEP, or no agent id */
	struct storerec_str src, dst, method, cseq_method, call_id, raw;
};

struct storerec_dialog {
	struct storerec_hdr h;
	uint64_t id;
	int64_t created, established, ended, session_expires, min_se;
	int64_t last_refresh, deadline, teardown_expected, doomed_at, at_risk_at;
	uint32_t refreshes_ok, refreshes_failed, n_messages, finding_mask;
	uint8_t transport, refresher, doomed, recovered, end_class, at_risk;
	int32_t final_status; /* 0: NULL */
	struct storerec_str call_id, from_uri, to_uri, from_tag, to_tag, caller_ua, callee_ua,
		state, method;
};

struct storerec_finding {
	struct storerec_hdr h;
	uint64_t id, dialog_id, message_id;
	int64_t ts_us;
	uint32_t code, severity;
	struct storerec_str endpoint, agent, detail;
};

struct storerec_endpoint {
	struct storerec_hdr h;
	uint64_t refresh_answers_ok, malformed, lost, rejected, accepted, fatal;
	struct storerec_str endpoint, agent;
};

struct storerec_capture {
	struct storerec_hdr h;
	int64_t started, ended;
	uint64_t packets, sip_messages, parse_errors, duplicates, dropped, encrypted;
	uint64_t tls_sessions, tls_decrypted, tls_no_keys;
	uint64_t hep_packets, hep_errors, hep_auth_failed, hep_tcp_closed;
	struct storerec_str source, kind;
	size_t n_counts;
	struct capture_count counts[CAPTURE_COUNTS_MAX];
};

struct storerec_retention {
	struct storerec_hdr h;
	int64_t now_us;
};

#endif
