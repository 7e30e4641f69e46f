/* sip_msg_assert: two readings of one SIP message field by field.  Include
 * after <cmocka.h>; header-only, as libsupport is linked without cmocka. */
#ifndef SIPWATCH_SIP_MSG_ASSERT_H
#define SIPWATCH_SIP_MSG_ASSERT_H

#include <stdbool.h>

#include "analyzer/sip_msg.h"

static inline void sip_msg_assert_str(const char *a, const char *b)
{
	if (a == NULL)
		assert_null(b);
	else
		assert_string_equal(a, b ? b : "(null)");
}

/* Every field the analyzer reads; the URIs only when uris. */
static inline void sip_msg_assert_same(const struct sip_msg *a, const struct sip_msg *b, bool uris)
{
	assert_int_equal(a->is_request, b->is_request);
	assert_int_equal(a->method, b->method);
	sip_msg_assert_str(a->method_name, b->method_name);
	assert_int_equal(a->status, b->status);
	if (uris)
		sip_msg_assert_str(a->request_uri, b->request_uri);
	sip_msg_assert_str(a->call_id, b->call_id);
	if (uris)
		sip_msg_assert_str(a->from_uri, b->from_uri);
	sip_msg_assert_str(a->from_tag, b->from_tag);
	if (uris)
		sip_msg_assert_str(a->to_uri, b->to_uri);
	sip_msg_assert_str(a->to_tag, b->to_tag);
	assert_int_equal(a->cseq, b->cseq);
	assert_int_equal(a->cseq_valid, b->cseq_valid);
	assert_int_equal(a->cseq_method, b->cseq_method);
	sip_msg_assert_str(a->cseq_method_name, b->cseq_method_name);
	sip_msg_assert_str(a->via_branch, b->via_branch);
	assert_int_equal(a->via_count, b->via_count);
	if (uris)
		sip_msg_assert_str(a->contact, b->contact);
	sip_msg_assert_str(a->user_agent, b->user_agent);
	sip_msg_assert_str(a->server, b->server);
	assert_memory_equal(&a->session_expires, &b->session_expires, sizeof a->session_expires);
	assert_memory_equal(&a->min_se, &b->min_se, sizeof a->min_se);
	assert_int_equal(a->supported_timer, b->supported_timer);
	assert_int_equal(a->reason_timer, b->reason_timer);
	assert_int_equal(a->require_timer, b->require_timer);
	assert_int_equal(a->retry_after, b->retry_after);
	assert_int_equal(a->has_via, b->has_via);
	assert_int_equal(a->has_from, b->has_from);
	assert_int_equal(a->has_to, b->has_to);
	assert_int_equal(a->has_call_id, b->has_call_id);
	assert_int_equal(a->has_cseq, b->has_cseq);
	assert_int_equal(a->header_len, b->header_len);
	assert_int_equal(a->body_len, b->body_len);
}

#endif
