/* sipgen: SIP scenarios for analyzer tests.
 *
 * A call is a caller, a callee and optionally a record-routing proxy between
 * them (then every message travels two hops, 1 ms apart, with the proxy's Via
 * on top of the far hop).  sg_req/sg_resp build the message text (Call-ID, tags,
 * CSeq, Via branches, timer headers, Contact, agents as asked), wrap it in a
 * struct sip_packet with its flow and timestamp, and feed the analyzer.  A
 * recording sink keeps every record for assertions. */
#ifndef SIPWATCH_TEST_SIPGEN_H
#define SIPWATCH_TEST_SIPGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "analyzer/finding_text.h"

/* Scenario time 0: 2023-11-14 22:13:20 UTC. */
#define SG_T0_US (1700000000LL * USEC_PER_SEC)
/* Scenario seconds → capture microseconds. */
int64_t sg_t(double seconds);

enum sg_side {
	SG_CALLER = 0,
	SG_CALLEE = 1,
};

/* Hops of a message through the proxy (direct calls have one hop: both bits mean it). */
#define SG_NEAR 1u /* sender → proxy */
#define SG_FAR 2u  /* proxy → receiver */
#define SG_ALL 3u

struct sg_opts {
	unsigned se;               /* Session-Expires seconds; 0 = absent */
	const char *refresher;     /* "uac", "uas", NULL = no parameter */
	const char *se_raw;        /* verbatim Session-Expires value (wins over se) */
	bool se_compact;           /* "x:" instead of "Session-Expires:" */
	unsigned min_se;           /* 0 = absent */
	const char *min_se_raw;
	bool supported_timer;
	bool supported_compact;    /* "k:" instead of "Supported:" */
	bool require_timer;
	bool no_contact;
	bool no_via, no_from, no_cseq;
	const char *cseq_method;   /* override the CSeq method */
	const char *agent;         /* override User-Agent/Server; "" = none */
	int retry_after;           /* 0 = none */
	const char *to_tag;        /* override the To tag; "" = none */
	const char *extra;         /* extra header line(s), without the final CRLF */
	const char *branch;        /* override the sender's Via branch */
};

struct sg_message {
	uint64_t id, dialog_id;
	int64_t ts;
	char src[ENDPOINT_STR_MAX], dst[ENDPOINT_STR_MAX];
	char method[16];
	int status;
	uint32_t cseq;
	bool retransmission;
	size_t raw_len, header_len;
};

struct sg_dialog {
	struct dialog_record r; /* strings point into this struct's copies */
	char call_id[256], from_uri[256], to_uri[256], from_tag[128], to_tag[128];
	char caller_ua[128], callee_ua[128], state[16];
};

struct sg_finding {
	uint64_t id, dialog_id, message_id;
	enum finding_code code;
	enum severity severity;
	int64_t ts;
	char endpoint[ENDPOINT_STR_MAX];
	char agent[128];
	char detail[FINDING_DETAIL_MAX];
};

struct sg_event {
	enum event_kind kind;
	int64_t ts;
	uint64_t dialog_id;
	bool doomed;
	int code; /* of the cause, -1 = none */
};

struct sg_endpoint {
	char endpoint[ENDPOINT_STR_MAX];
	char agent[128];
	uint64_t ok, malformed, lost, rejected, accepted, fatal;
};

struct sg_harness {
	struct analyzer *a;
	struct analyzer_config cfg;
	bool keep_messages; /* default true */
	struct sg_message *msgs;
	size_t n_msgs, cap_msgs;
	struct sg_dialog *dialogs; /* every emission, in order */
	size_t n_dialogs, cap_dialogs;
	struct sg_finding *findings;
	size_t n_findings, cap_findings;
	struct sg_event *events;
	size_t n_events, cap_events;
	struct sg_endpoint *endpoints;
	size_t n_endpoints, cap_endpoints;
	uint64_t message_records, dialog_records;
};

struct sg_call {
	struct sg_harness *h;
	const char *call_id;
	const char *caller_tag, *callee_tag;
	const char *caller, *callee, *proxy; /* "ip:port"; proxy NULL = direct */
	const char *caller_ua, *callee_ua, *proxy_ua;
	bool tagged; /* the callee's tag is known: it goes into To */
	bool tcp;
};

/* cfg NULL = defaults with utc = true (details are then reproducible). */
void sg_init(struct sg_harness *h, const struct analyzer_config *cfg);
void sg_fini(struct sg_harness *h);
void sg_finish(struct sg_harness *h, double t);
void sg_tick(struct sg_harness *h, double t);

/* Feeds raw text from src to dst ("ip:port") at scenario time t. */
void sg_feed(struct sg_harness *h, double t, const char *src, const char *dst, bool tcp,
	     const char *text, size_t len);

/* Caller 127.0.1.10:5060, callee 127.0.1.30:5060, proxy 127.0.1.20:5060 when via_proxy. */
void sg_call_init(struct sg_call *c, struct sg_harness *h, const char *call_id, bool via_proxy);
/* A request sent by `from` at t over `hops` (NULL opts = none). */
void sg_req(struct sg_call *c, double t, enum sg_side from, const char *method, uint32_t cseq,
	    const struct sg_opts *o, unsigned hops);
/* The response to a request sent by `req_from`, leaving the responder at t. */
void sg_resp(struct sg_call *c, double t, enum sg_side req_from, int status, const char *method,
	     uint32_t cseq, const struct sg_opts *o, unsigned hops);
/* Builds the text of one hop's copy (for raw tests); returns its length. */
size_t sg_build(const struct sg_call *c, char *buf, size_t n, bool request, enum sg_side from,
		const char *method, int status, uint32_t cseq, const struct sg_opts *o,
		bool far_hop);

/* The usual start: INVITE (SE offer), 100, 180, 200 (SE, refresher), ACK.
 * The 200 leaves the callee at t + 0.010 (reaches the caller at +0.011 via the
 * proxy); the ACK follows at +0.020. */
void sg_setup(struct sg_call *c, double t, unsigned se, const char *refresher);

/* The session-timer tests' preamble: the analyzer config (defaults, utc, and
 * --strict-peers as asked; a static copy per reading), then sg_init,
 * sg_call_init and sg_setup(c, 0, se, "uac"); returns the new dialog's id. */
const struct analyzer_config *sg_config(bool strict_peers);
uint64_t sg_start(struct sg_harness *h, struct sg_call *c, const char *call_id, bool via_proxy,
		  unsigned se, bool strict_peers);

/* t_ref + SE - min(32 s, SE/3) and t_ref + SE (session-timers.md). */
int64_t sg_teardown_of(int64_t t_ref, unsigned se);
int64_t sg_deadline_of(int64_t t_ref, unsigned se);
/* Capture microseconds → scenario seconds. */
double sg_s(int64_t ts);
/* A healthy refresh sent by `from` at t ("UPDATE", or "INVITE" + ACK): the 2xx
 * leaves the answerer 3 ms later with Session-Expires se;refresher and Require. */
void sg_refresh(struct sg_call *c, double t, enum sg_side from, const char *method, uint32_t cseq,
		unsigned se, const char *refresher);
/* BYE from `from` at t and its 200. */
void sg_bye(struct sg_call *c, double t, enum sg_side from, uint32_t cseq);

/* Lookups: the latest row of a dialog; the first dialog of a Call-ID. */
const struct sg_dialog *sg_dialog(const struct sg_harness *h, uint64_t id);
const struct sg_dialog *sg_dialog_of(const struct sg_harness *h, const char *call_id);
size_t sg_dialog_ids(const struct sg_harness *h, const char *call_id, uint64_t *ids, size_t max);
size_t sg_count(const struct sg_harness *h, uint64_t dialog_id, enum finding_code code);
const struct sg_finding *sg_find(const struct sg_harness *h, uint64_t dialog_id,
				 enum finding_code code);
size_t sg_count_events(const struct sg_harness *h, uint64_t dialog_id, enum event_kind k);
const struct sg_message *sg_message(const struct sg_harness *h, uint64_t id);
const struct sg_endpoint *sg_endpoint(const struct sg_harness *h, const char *endpoint);

/* Assertions that print both sides on failure. */
void sg_assert_ts_(int64_t got, int64_t want, const char *what, const char *file, int line);
#define SG_ASSERT_TS(got, want) sg_assert_ts_((got), (want), #got, __FILE__, __LINE__)
/* Exactly these codes (each at least once) and no others for the dialog. */
void sg_assert_codes_(const struct sg_harness *h, uint64_t dialog_id,
		      const enum finding_code *codes,
		      size_t n, const char *file, int line);
#define SG_ASSERT_CODES(h, id, ...)                                                            \
	do {                                                                                   \
		const enum finding_code sg_codes_[] = {__VA_ARGS__};                           \
		sg_assert_codes_((h), (id), sg_codes_, sizeof sg_codes_ / sizeof sg_codes_[0], \
				 __FILE__, __LINE__);                                          \
	} while (0)
#define SG_ASSERT_NO_FINDINGS(h, id) sg_assert_codes_((h), (id), NULL, 0, __FILE__, __LINE__)
void sg_assert_end_(const struct sg_harness *h, uint64_t dialog_id, enum end_class want,
		    const char *file, int line);
#define SG_ASSERT_END(h, id, want) sg_assert_end_((h), (id), (want), __FILE__, __LINE__)
/* Prints every finding (for a failing test's log). */
void sg_dump(const struct sg_harness *h);

#endif
