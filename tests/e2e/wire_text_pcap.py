#!/usr/bin/python3
"""Writes the hostile capture of tests/e2e/wire_text.sh (issue 17, "wire text
never breaks a reader") with scapy, and prints what the test expects as JSON.

Every header sipwatch stores as text carries bytes that are not UTF-8: stray
continuation bytes, overlong forms, UTF-8-encoded surrogates, code points
past U+10FFFF, cut sequences, NUL, C1 controls and ESC, in Call-ID, From/To
URIs and tags, User-Agent, Server, Reason, CSeq method and Session-Expires.
Calls A and B are otherwise ordinary (A's refresh answer lacks Contact: a
finding quoting the hostile Server, and an endpoints row).  Calls C, D and an
OPTIONS carry malformed Content-Length values over UDP; a TCP connection
carries one between good messages.

usage: wire_text_pcap.py OUT.pcap  (addresses in 127.0.215.0/24)"""
import json
import sys

from scapy.all import IP, TCP, UDP, Ether, wrpcap

A_UAC, A_PX, A_UAS = "127.0.215.10", "127.0.215.20", "127.0.215.30"
T0 = 1700000000.0

# Hostile fragments: every kind of ill-formed UTF-8 and NUL, and valid but
# dangerous characters (ESC, C1 CSI, bidi override) that text columns keep.
# (NUL ends a header value for the analyzer, which keeps C strings: it is
# put where it cuts nothing the test needs, at the end of values.)
BAD = (b"\xff\xfe" b"\xc0\xaf" b"\xe0\x80\xaf" b"\xed\xa0\x80" b"\xed\xbf\xbf"
       b"\xf4\x90\x80\x80" b"\xf5\x80" b"\xe2\x82" b"\x80" b"\xc2\x9b" b"\x1b[2J"
       b"\xe2\x80\xae" b"\xc3")
CALL_A = b"wt-a-" + BAD + b"@host"
FROM_A = b"\"Al\xff\xc0\xafice\" <sip:al\x80ice@example.com>;tag=ta"
TO_A = b"<sip:b\xed\xa0\x80ob@example.com>"
UA_A = b"Evil\x00UA/\xff1.0 \xc2\x9b31m \xf0\x9f\x93"
SRV_A = b"Srv\x1b]0;x\x07/\xe0\x80\xaf" + b"\x00end"


def msg(start, headers, body=b"", clen=None):
    """A SIP message: start line, header lines (bytes), Content-Length."""
    lines = [start] + headers
    if clen is None:
        clen = b"%d" % len(body)
    if clen is not False:
        lines.append(b"Content-Length: " + clen)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def common(call_id, cseq, frm, to, branch):
    return [b"Via: SIP/2.0/UDP " + branch, b"From: " + frm, b"To: " + to,
            b"Call-ID: " + call_id, b"CSeq: " + cseq, b"Max-Forwards: 70"]


SDP = b"v=0\r\no=- 1 1 IN IP4 127.0.215.10\r\ns=-\r\nc=IN IP4 127.0.215.10\r\nt=0 0\r\n"
packets = []  # (time, src, sport, dst, dport, payload)


def udp(t, src, dst, payload):
    packets.append((t, src, 5060, dst, 5060, payload, "udp"))


def call(cid, t, frm, to, ua, srv, se, reason, with_refresh, invite_clen=None,
         ok_extra=None, ok_clen=None, bye_at=30):
    """INVITE/200/ACK (refresh re-INVITE whose 200 lacks Contact), BYE/200."""
    to_t = to + b";tag=tb"
    via = A_UAC.encode() + b":5060;branch=z9hG4bK-" + cid[:8].replace(b"\x00", b"")
    inv = msg(b"INVITE sip:bob@127.0.215.30 SIP/2.0",
              common(cid, b"1 INVITE", frm, to, via + b"1") +
              [b"Contact: <sip:alice@127.0.215.10>", b"User-Agent: " + ua,
               b"Supported: timer", b"Session-Expires: " + se, b"Content-Type: application/sdp"],
              SDP, invite_clen)
    udp(t, A_UAC, A_UAS, inv)
    ok = msg(b"SIP/2.0 200 OK",
             common(cid, b"1 INVITE", frm, to_t, via + b"1") +
             [b"Contact: <sip:bob@127.0.215.30>", b"Server: " + srv, b"Require: timer",
              b"Session-Expires: 90;refresher=uac", b"Content-Type: application/sdp"] +
             (ok_extra or []), SDP, ok_clen)
    udp(t + 0.01, A_UAS, A_UAC, ok)
    udp(t + 0.02, A_UAC, A_UAS, msg(b"ACK sip:bob@127.0.215.30 SIP/2.0",
                                    common(cid, b"1 ACK", frm, to_t, via + b"2")))
    cseq = 2
    if with_refresh:
        udp(t + 45, A_UAC, A_UAS,
            msg(b"INVITE sip:bob@127.0.215.30 SIP/2.0",
                common(cid, b"2 INVITE", frm, to_t, via + b"3") +
                [b"Contact: <sip:alice@127.0.215.10>", b"User-Agent: " + ua,
                 b"Supported: timer", b"Session-Expires: 90;refresher=uac"]))
        udp(t + 45.01, A_UAS, A_UAC,
            msg(b"SIP/2.0 200 OK",
                common(cid, b"2 INVITE", frm, to_t, via + b"3") +
                [b"Server: " + srv, b"Require: timer", b"Session-Expires: 90;refresher=uac"]))
        udp(t + 45.02, A_UAC, A_UAS, msg(b"ACK sip:bob@127.0.215.30 SIP/2.0",
                                         common(cid, b"2 ACK", frm, to_t, via + b"4")))
        cseq = 3
    udp(t + bye_at, A_UAC, A_UAS,
        msg(b"BYE sip:bob@127.0.215.30 SIP/2.0",
            common(cid, b"%d BYE" % cseq, frm, to_t, via + b"5") +
            [b"User-Agent: " + ua, b"Reason: " + reason]))
    udp(t + bye_at + 0.01, A_UAS, A_UAC,
        msg(b"SIP/2.0 200 OK", common(cid, b"%d BYE" % cseq, frm, to_t, via + b"5") +
            [b"Server: " + srv]))


# A: hostile text everywhere, a refresh answer without Contact (a finding
# quoting the hostile Server), ends with a BYE.
call(CALL_A, T0, FROM_A, TO_A, UA_A, SRV_A, b"90;refresher=uac",
     b'SIP;cause=200;text="bye \xff\x00\xed\xa0\x80"', True, bye_at=60)
# B: a Session-Expires value off the grammar, with invalid bytes (SE_HEADER_MALFORMED).
call(b"wt-b-\xe9t\xe9@host", T0 + 1, b"<sip:c@example.com>;tag=c1", b"<sip:d@example.com>",
     b"UA-B", b"Srv-B", b"9\xff0;refresher=uac", b"Q.850;cause=16", False)
# C: the INVITE's Content-Length is not a number; D: the 200 has two that
# disagree; E: the INVITE's is larger than the datagram's body.
call(b"wt-c@host", T0 + 2, b"<sip:e@example.com>;tag=e1", b"<sip:f@example.com>",
     b"UA-C", b"Srv-C", b"90;refresher=uac", b"Q.850;cause=16", False, invite_clen=b"abc")
call(b"wt-d@host", T0 + 3, b"<sip:g@example.com>;tag=g1", b"<sip:h@example.com>",
     b"UA-D", b"Srv-D", b"90;refresher=uac", b"Q.850;cause=16", False,
     ok_extra=[b"l: 7"])
call(b"wt-e@host", T0 + 4, b"<sip:i@example.com>;tag=i1", b"<sip:j@example.com>",
     b"UA-E", b"Srv-E", b"90;refresher=uac", b"Q.850;cause=16", False, invite_clen=b"9999")
# Outside any dialog: a negative Content-Length, and a CSeq method with bad bytes.
udp(T0 + 5, A_UAC, A_UAS,
    msg(b"OPTIONS sip:bob@127.0.215.30 SIP/2.0",
        common(b"wt-opt@host", b"7 OPTIONS", b"<sip:k@example.com>;tag=k1",
               b"<sip:l@example.com>", b"127.0.215.10:5060;branch=z9hG4bK-opt") +
        [b"User-Agent: Opt\xff"], b"", b"-5"))
udp(T0 + 7, A_UAC, A_UAS,
    msg(b"MESSAGE sip:bob@127.0.215.30 SIP/2.0",
        common(b"wt-msg\x00\xff@host", b"8 MES\xffSAGE", b"<sip:m@example.com>;tag=m1",
               b"<sip:n@example.com>", b"127.0.215.10:5060;branch=z9hG4bK-msg"), b"hello"))

# TCP: good, then a bad Content-Length with a good message behind it in the
# same segment (lost with the stream's buffer), then two good segments.
good = lambda n: msg(b"OPTIONS sip:bob@127.0.215.30 SIP/2.0",
                     [b"Via: SIP/2.0/TCP 127.0.215.11:40000;branch=z9hG4bK-t%d" % n,
                      b"From: <sip:t@example.com>;tag=t", b"To: <sip:u@example.com>",
                      b"Call-ID: wt-tcp-%d@host" % n, b"CSeq: %d OPTIONS" % n])
bad_tcp = msg(b"OPTIONS sip:bob@127.0.215.30 SIP/2.0",
              [b"Via: SIP/2.0/TCP 127.0.215.11:40000;branch=z9hG4bK-tb",
               b"From: <sip:t@example.com>;tag=t", b"To: <sip:u@example.com>",
               b"Call-ID: wt-tcp-bad@host", b"CSeq: 9 OPTIONS"], b"body", b"12abc")
tcp_segments = [good(1), bad_tcp + good(2), good(3), good(4)]

packets.sort(key=lambda p: p[0])  # the file in time order, as a capture is
frames = []
for t, src, sport, dst, dport, payload, _ in packets:
    f = Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / payload
    f.time = t
    frames.append(f)
seq = 1000
tt = T0 + 8
syn = Ether() / IP(src="127.0.215.11", dst=A_UAS) / TCP(sport=40000, dport=5060, flags="S", seq=seq - 1)
syn.time = tt
frames.append(syn)
frames.sort(key=lambda f: f.time)
for i, seg in enumerate(tcp_segments):
    f = Ether() / IP(src="127.0.215.11", dst=A_UAS) / TCP(sport=40000, dport=5060, flags="PA",
                                                         seq=seq) / seg
    f.time = tt + 0.01 * (i + 1)
    frames.append(f)
    seq += len(seg)
wrpcap(sys.argv[1], frames)


def escaped(b):
    """The db's rule (common/utf8.h), as Python says it."""
    return b.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


json.dump({
    "udp_payloads": [p[5].hex() for p in packets],
    "call_a": escaped(CALL_A),
    "from_a": escaped(b"sip:al\x80ice@example.com"),

    "caller_ua_a": escaped(UA_A),
    "bad_clen_findings": 3,  # C's INVITE, D's 200, E's INVITE
    "bad_clen_count": 5,     # those, the OPTIONS outside dialogs, the TCP one
    "tcp_call_ids": ["wt-tcp-1@host", "wt-tcp-3@host", "wt-tcp-4@host"],
}, sys.stdout)
