/* records: names of the stable identifiers (finding codes, end classes ...).
 * These strings are the contract (contract.md, session-timers.md): never rename. */
#include "analyzer/records.h"

#include <string.h>

static const struct {
	const char *name;
	enum severity severity;
} finding_codes[FINDING_CODE_COUNT] = {
	[FINDING_REFRESH_2XX_NO_SESSION_EXPIRES] = {"REFRESH_2XX_NO_SESSION_EXPIRES", SEVERITY_RISK},
	[FINDING_REFRESH_2XX_NO_CONTACT] = {"REFRESH_2XX_NO_CONTACT", SEVERITY_RISK},
	[FINDING_REFRESH_2XX_MALFORMED] = {"REFRESH_2XX_MALFORMED", SEVERITY_RISK},
	[FINDING_REFRESH_UNANSWERED] = {"REFRESH_UNANSWERED", SEVERITY_DOOM},
	[FINDING_RESPONSE_NOT_RELAYED] = {"RESPONSE_NOT_RELAYED", SEVERITY_DOOM},
	[FINDING_REFRESH_REJECTED] = {"REFRESH_REJECTED", SEVERITY_WARNING},
	[FINDING_REFRESH_OVERDUE] = {"REFRESH_OVERDUE", SEVERITY_DOOM},
	[FINDING_REFRESH_REINVITE_NO_ACK] = {"REFRESH_REINVITE_NO_ACK", SEVERITY_DOOM},
	[FINDING_REFRESHER_UAC_UNSUPPORTED] = {"REFRESHER_UAC_UNSUPPORTED", SEVERITY_DOOM},
	[FINDING_TIMER_TEARDOWN] = {"TIMER_TEARDOWN", SEVERITY_DOOM},
	[FINDING_SESSION_EXPIRED] = {"SESSION_EXPIRED", SEVERITY_DOOM},
	[FINDING_REFRESH_2XX_NO_REQUIRE_TIMER] = {"REFRESH_2XX_NO_REQUIRE_TIMER", SEVERITY_WARNING},
	[FINDING_INTERVAL_TOO_SMALL] = {"INTERVAL_TOO_SMALL", SEVERITY_WARNING},
	[FINDING_SE_HEADER_MALFORMED] = {"SE_HEADER_MALFORMED", SEVERITY_WARNING},
	[FINDING_SE_2XX_INCREASED] = {"SE_2XX_INCREASED", SEVERITY_WARNING},
	[FINDING_SE_2XX_NO_REFRESHER] = {"SE_2XX_NO_REFRESHER", SEVERITY_WARNING},
	[FINDING_REFRESH_LATE] = {"REFRESH_LATE", SEVERITY_INFO},
	[FINDING_BYE_NEAR_DEADLINE_UNEXPLAINED] = {"BYE_NEAR_DEADLINE_UNEXPLAINED", SEVERITY_INFO},
	[FINDING_CONTENT_LENGTH_MALFORMED] = {"CONTENT_LENGTH_MALFORMED", SEVERITY_WARNING},
};

const char *finding_code_name(enum finding_code c)
{
	return (unsigned)c < FINDING_CODE_COUNT ? finding_codes[c].name : "UNKNOWN";
}

bool finding_code_from_name(const char *name, enum finding_code *out)
{
	for (int i = 0; i < FINDING_CODE_COUNT; i++) {
		if (strcmp(finding_codes[i].name, name) == 0) {
			*out = (enum finding_code)i;
			return true;
		}
	}
	return false;
}

size_t finding_mask_text(uint32_t mask, char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int c = 0; c < FINDING_CODE_COUNT; c++) {
		if (!(mask & FINDING_MASK_BIT(c)))
			continue;
		const char *name = finding_code_name((enum finding_code)c);
		size_t len = strlen(name);
		if (off + (off ? 1 : 0) + len + 1 > n)
			break;
		if (off)
			buf[off++] = ',';
		memcpy(buf + off, name, len);
		off += len;
		buf[off] = '\0';
	}
	return off;
}

uint32_t finding_mask_from_text(const char *s)
{
	uint32_t mask = 0;
	char name[64];

	while (s && *s) {
		size_t len = strcspn(s, ",");
		enum finding_code code;
		if (len < sizeof name) {
			memcpy(name, s, len);
			name[len] = '\0';
			if (finding_code_from_name(name, &code))
				mask |= FINDING_MASK_BIT(code);
		}
		s += len;
		if (*s == ',')
			s++;
	}
	return mask;
}

enum severity finding_code_severity(enum finding_code c)
{
	return (unsigned)c < FINDING_CODE_COUNT ? finding_codes[c].severity : SEVERITY_INFO;
}

const char *severity_name(enum severity s)
{
	switch (s) {
	case SEVERITY_DOOM:
		return "doom";
	case SEVERITY_RISK:
		return "risk";
	case SEVERITY_WARNING:
		return "warning";
	default:
		return "info";
	}
}

static const char *const end_class_names[] = {
	[END_NONE] = NULL,
	[END_NORMAL_BYE] = "NORMAL_BYE",
	[END_TIMER_TEARDOWN] = "TIMER_TEARDOWN",
	[END_EXPIRED_NO_BYE] = "EXPIRED_NO_BYE",
	[END_ACTIVE] = "ACTIVE",
	[END_CANCELLED] = "CANCELLED",
	[END_FAILED] = "FAILED",
	[END_NO_ANSWER] = "NO_ANSWER",
	[END_EVICTED] = "EVICTED",
	[END_REPLACED] = "REPLACED",
};

const char *end_class_name(enum end_class e)
{
	return (unsigned)e <= END_REPLACED ? end_class_names[e] : NULL;
}

const char *dialog_refresher_name(enum dialog_refresher r)
{
	return r == DIALOG_REFRESHER_UAC ? "uac" : r == DIALOG_REFRESHER_UAS ? "uas" : NULL;
}

const char *event_kind_name(enum event_kind k)
{
	static const char *const names[] = {"doomed",  "recovered", "teardown",
					    "expired", "at_risk",   "risk_cleared"};
	return (unsigned)k <= EVENT_RISK_CLEARED ? names[k] : "unknown";
}

bool dialog_record_is_invite(const struct dialog_record *d)
{
	return !d->method || strcmp(d->method, "INVITE") == 0;
}
