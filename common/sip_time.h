/* sip_time: the SIP timer values every layer reasons with (RFC 3261 §17.1.1.1,
 * Table 4), in microseconds like every packet time.  One definition, so a
 * transaction timeout, an unanswered INVITE and the linger of an ended dialog
 * cannot drift apart. */
#ifndef SIPWATCH_SIP_TIME_H
#define SIPWATCH_SIP_TIME_H

/* T1: the round-trip estimate, 500 ms. */
#define SIP_TIME_T1_US 500000LL
/* 64*T1 = 32 s: Timer B (INVITE), Timer F (non-INVITE), Timer H, and how long a
 * transaction's retransmissions can go on. */
#define SIP_TIME_64T1_US (64 * SIP_TIME_T1_US)

#endif
