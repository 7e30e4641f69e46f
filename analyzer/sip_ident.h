/* sip_ident: the headers that identify a message's dialog, transaction and
 * peer (RFC 3261 §8.1.1, §12, §17): From/To with tags, Call-ID, CSeq, Via,
 * Contact.  Each reads one header value (n bytes at v, no NUL needed, folds
 * included) and copies what it finds into msg's strings (sip_msg_str). */
#ifndef SIPWATCH_SIP_IDENT_H
#define SIPWATCH_SIP_IDENT_H

#include <stddef.h>

#include "analyzer/sip_msg.h"

/* RFC 3261 §20.20 / §20.39 From, To: the URI and, if present, the tag. */
void sip_ident_from_to(struct sip_msg *msg, const char *v, size_t n, char **uri_out,
		       char **tag_out);
/* RFC 3261 §20.10 Contact: msg->contact is the first URI, "*", or "" when the
 * header is there but unreadable; unset when it lists nothing. */
void sip_ident_contact(struct sip_msg *msg, const char *v, size_t n);
/* RFC 3261 §20.42 Via: adds this header's via-parms to msg->via_count; the
 * first one of the first Via gives msg->via_branch. */
void sip_ident_via(struct sip_msg *msg, const char *v, size_t n);
/* RFC 3261 §20.16 CSeq: number, method and whether both were valid. */
void sip_ident_cseq(struct sip_msg *msg, const char *v, size_t n);
/* RFC 3261 §20.8 Call-ID as a key (whitespace around '@' dropped); NULL when
 * empty. */
char *sip_ident_call_id(struct sip_msg *msg, const char *v, size_t n);

#endif
