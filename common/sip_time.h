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
/* T2: the longest interval between retransmissions of a request, 4 s. */
#define SIP_TIME_T2_US 4000000LL
/* T4: the longest a message stays in the network, 5 s (Timer K, Timer I). */
#define SIP_TIME_T4_US 5000000LL

#endif
