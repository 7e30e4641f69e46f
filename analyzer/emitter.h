/* emitter: where the engine's rules send what they conclude — findings,
 * the events they raise (doomed, at risk, recovered, teardown, expired) and
 * the per-endpoint blame.
 *
 * A small struct passed down the pipeline (analyzer → dialog_state →
 * session_timer → session_refresh/session_headers/session_risk → here), so a
 * rule never needs the analyzer: it owns the verdict fields of a dialog
 * (doomed, recovered, at_risk and their times, the finding count and mask,
 * d->risk's findings) and nothing else calls back up.  session-timers.md
 * "Doomed" and "Risk and proof" are implemented here.
 *
 * It also owns whether a dialog's row must go out again (d->row_dirty and the
 * emitted_* copies): a file that changes a field of the row says so with
 * emitter_dialog_changed, and only this file reads or writes the flag
 * (tests/lint.sh). */
#ifndef SIPWATCH_EMITTER_H
#define SIPWATCH_EMITTER_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "analyzer/dialog_table.h"
#include "analyzer/endpoint_stats.h"
#include "analyzer/records.h"

/* findings emitted per dialog at most (a flood of rejected re-INVITEs ...) */
#define EMITTER_MAX_FINDINGS_PER_DIALOG 256
_Static_assert(EMITTER_MAX_FINDINGS_PER_DIALOG <= UINT16_MAX, "struct dialog counts findings in 16 bits");

struct emitter {
	struct analyzer_sink sink;
	struct endpoint_stats *endpoints;
	uint64_t next_finding_id;
	bool strict_peers; /* --strict-peers: risk findings doom at once */
	bool utc;          /* times in finding details in UTC */
};

struct finding_spec {
	enum finding_code code;
	int64_t ts;
	uint64_t message_id;  /* 0 = a timer finding */
	const char *endpoint; /* ip:port to blame */
	const char *agent;
	const char *detail;
};

/* d as the plain row the sink gets. */
void emitter_fill_dialog(const struct dialog *d, struct dialog_record *r);
/* A field of d's row changed: the row goes out again (emitter_dialog_due). */
void emitter_dialog_changed(struct dialog *d);
/* Whether d's changed row goes out now: always live (defer false); reading a
 * file (defer true), only a doom, a recovery, a risk or an end. */
bool emitter_dialog_due(const struct dialog *d, bool defer);
/* Whether d's final row still differs from the one last emitted. */
bool emitter_dialog_pending(const struct dialog *d);
/* Sends d's row to the sink; it is no longer changed. */
void emitter_dialog_row(struct emitter *e, struct dialog *d);
/* Emits a finding for d (default severity of its code, or severity_override
 * when >= 0); a doom finding dooms d (EVENT_DOOMED the first time), and
 * TIMER_TEARDOWN / SESSION_EXPIRED also emit their events. */
void emitter_finding(struct emitter *e, struct dialog *d, const struct finding_spec *f,
		     int severity_override);
/* A well-formed refresh reached the refresher: doom clears (EVENT_RECOVERED). */
void emitter_recovered(struct emitter *e, struct dialog *d, int64_t ts);
/* The risky answer was accepted (or superseded by a good refresh): at_risk
 * clears (EVENT_RISK_CLEARED); accepted: its risk findings are rewritten as
 * warnings that say so. Frees d->risk. */
void emitter_risk_cleared(struct emitter *e, struct dialog *d, int64_t ts, bool accepted);
/* d->risk, allocated on first use. */
struct dialog_risk *emitter_risk(struct dialog *d);
/* Counts an outcome of a refresh answer against the endpoint that sent it. */
void emitter_blame(struct emitter *e, const char *endpoint, const char *agent,
		   enum endpoint_outcome o);

#endif
