/* sip_msg: method names and the lifetime of struct sip_msg (sip_msg_clear:
 * both the libosip2 path and the lenient scanner fill and clear the same
 * struct; sip_msg_str: the scanner's copies into its one allocation). */
#include <stdlib.h>
#include <string.h>

#include "analyzer/sip_msg.h"

static const char *const sip_msg_names[] = {
	[SIP_METHOD_UNKNOWN] = "UNKNOWN",
	[SIP_INVITE] = "INVITE",
	[SIP_ACK] = "ACK",
	[SIP_BYE] = "BYE",
	[SIP_CANCEL] = "CANCEL",
	[SIP_UPDATE] = "UPDATE",
	[SIP_OPTIONS] = "OPTIONS",
	[SIP_REGISTER] = "REGISTER",
	[SIP_PRACK] = "PRACK",
	[SIP_INFO] = "INFO",
	[SIP_REFER] = "REFER",
	[SIP_NOTIFY] = "NOTIFY",
	[SIP_SUBSCRIBE] = "SUBSCRIBE",
	[SIP_MESSAGE] = "MESSAGE",
	[SIP_PUBLISH] = "PUBLISH",
};

#define SIP_MSG_NMETHODS (sizeof sip_msg_names / sizeof sip_msg_names[0])

/* RFC 3261 §7.1: "The method token is case-sensitive." — "invite" is an
 * extension method, not INVITE. */
enum sip_method sip_method_from_name(const char *name, size_t len)
{
	if (name == NULL || len == 0)
		return SIP_METHOD_UNKNOWN;
	for (size_t m = 1; m < SIP_MSG_NMETHODS; m++) {
		const char *n = sip_msg_names[m];
		if (n[0] == name[0] && strlen(n) == len && memcmp(n, name, len) == 0)
			return (enum sip_method)m;
	}
	return SIP_METHOD_UNKNOWN;
}

const char *sip_method_name(enum sip_method m)
{
	if ((size_t)m >= SIP_MSG_NMETHODS)
		return sip_msg_names[SIP_METHOD_UNKNOWN];
	return sip_msg_names[m];
}

/* The scanner sizes strs for the bytes it scans plus a NUL per string field,
 * and every string is a distinct part of those bytes (or shorter), so a copy
 * always fits; were it not to, it would be cut, never overrun. */
char *sip_msg_str(struct sip_msg *msg, const char *p, size_t n)
{
	size_t room = msg->strs_cap - msg->strs_len;

	if (room == 0)
		return NULL;
	if (n >= room)
		n = room - 1;
	char *out = msg->strs + msg->strs_len;
	memcpy(out, p, n);
	out[n] = '\0';
	msg->strs_len += n + 1;
	return out;
}

/* Frees every owned string (one allocation) and leaves msg empty
 * (retry_after -1 = absent). */
void sip_msg_clear(struct sip_msg *msg)
{
	free(msg->strs);
	memset(msg, 0, sizeof *msg);
	msg->retry_after = -1;
}
