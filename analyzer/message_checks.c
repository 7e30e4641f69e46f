/* message_checks: checks of a message's own framing (message_checks.h).
 *
 * RFC 3261 §20.14: Content-Length is 1*DIGIT, once.  §18.3: over UDP the
 * body is as long as it says, and a datagram that ends before it "is
 * considered an error" (a response MUST be discarded).  sipwatch goes on
 * reading such a message (the body is taken as the bytes present, so the
 * analysis of its headers is not lost), but says so: a receiver may well
 * have dropped it, which explains a refresh "lost" between two hops.  Over
 * TCP the framing itself copes (capture/sip_frame.c: an unreadable length
 * ends the stream's framing and is counted), and what reaches here is one
 * framed message whose headers may still disagree. */
#include "analyzer/message_checks.h"

#include "analyzer/session_emit.h"

bool message_checks_observe(struct emitter *e, struct dialog *d, const struct observation *o,
			    bool retransmission)
{
	const struct sip_msg *m = o->m;
	struct session_text x;

	if (m->content_length_problem == SIP_CLEN_OK || retransmission)
		return false;
	if (!d)
		return true;
	session_emit_init(&x, d, o);
	x.ft.value = (uint32_t)m->content_length_problem;
	x.ft.limit = (uint32_t)(o->raw_len > m->header_len ? o->raw_len - m->header_len : 0);
	x.ft.quoted = m->content_length;
	/* no transaction: each message once, a request and its answer alike */
	session_emit(e, d, NULL, &x, FINDING_CONTENT_LENGTH_MALFORMED, -1, o->ts, o->msg_id, o->src,
		     o->agent);
	return true;
}
