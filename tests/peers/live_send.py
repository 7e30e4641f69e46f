#!/usr/bin/env python3
"""Hand-made SIP (and TLS-looking) traffic for the live tests (tests/e2e/live_*.sh).

  live_send.py dialog CALLER_IP CALLEE_IP CALL_ID STEP[,STEP...]
      One dialog over UDP, caller CALLER_IP:5060, callee CALLEE_IP:5060, both
      ends bound (so no ICMP).  Steps: invite ok ack update update_ok
      update_bare (a 200 to the UPDATE without Contact or Session-Expires)
      bye bye_ok, or sleep:SECONDS.  Session-Expires 90, refresher=uac.
  live_send.py doomed CALLER_IP CALLEE_IP PREFIX COUNT GAP_SECONDS
      COUNT dialogs PREFIX-N, each doomed by a bare 200 to its refresh UPDATE.
  live_send.py junk SRC_IP DST_IP COUNT
      COUNT UDP datagrams (not SIP) from SRC_IP:5060 to DST_IP:5060.
  live_send.py tls SRC_IP DST_IP UDP_COUNT
      UDP_COUNT datagrams starting like a TLS 1.0 record (16 03 01) to DST_IP:5061,
      then one TCP connection to DST_IP:5061 carrying one such record.
"""
import socket
import sys
import time


def msg(kind, a, b, cid):
    via = "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%s-%%d" % (a, cid)
    frm = "From: <sip:caller@%s>;tag=ft-%s" % (a, cid)
    to = "To: <sip:callee@%s>" % b
    tot = to + ";tag=tt-" + cid
    se = ["Supported: timer", "Session-Expires: 90;refresher=uac", "Min-SE: 90"]
    c_a = "Contact: <sip:caller@%s:5060>" % a
    c_b = "Contact: <sip:callee@%s:5060>" % b
    req = lambda m, n, br, extra: (["%s sip:callee@%s:5060 SIP/2.0" % (m, b), via % br,
                                    "Max-Forwards: 70", frm, tot if n > 1 else to,
                                    "Call-ID: " + cid, "CSeq: %d %s" % (n, m)] + extra)
    rsp = lambda n, m, br, extra: (["SIP/2.0 200 OK", via % br, frm, tot, "Call-ID: " + cid,
                                    "CSeq: %d %s" % (n, m)] + extra)
    lines = {
        "invite": lambda: (True, req("INVITE", 1, 1, [c_a] + se)),
        "ok": lambda: (False, rsp(1, "INVITE", 1, [c_b, "Require: timer",
                                                   "Session-Expires: 90;refresher=uac"])),
        "ack": lambda: (True, req("ACK", 1, 2, [])[:4] + [tot, "Call-ID: " + cid, "CSeq: 1 ACK"]),
        "update": lambda: (True, req("UPDATE", 2, 3, [c_a] + se)),
        "update_ok": lambda: (False, rsp(2, "UPDATE", 3, [c_b, "Require: timer",
                                                          "Session-Expires: 90;refresher=uac"])),
        "update_bare": lambda: (False, rsp(2, "UPDATE", 3, [])),
        "bye": lambda: (True, req("BYE", 3, 4, [])),
        "bye_ok": lambda: (False, rsp(3, "BYE", 4, [])),
    }[kind]()
    from_caller, text = lines
    return from_caller, ("\r\n".join(text + ["Content-Length: 0", "", ""])).encode()


def bound(ip, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    return s


def dialog(a, b, cid, steps, sa=None, sb=None):
    sa = sa or bound(a, 5060)
    sb = sb or bound(b, 5060)
    for step in steps:
        if step.startswith("sleep:"):
            time.sleep(float(step[6:]))
            continue
        from_caller, data = msg(step, a, b, cid)
        if from_caller:
            sa.sendto(data, (b, 5060))
        else:
            sb.sendto(data, (a, 5060))
        time.sleep(0.01)
    return sa, sb


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "dialog":
        dialog(argv[2], argv[3], argv[4], argv[5].split(","))
    elif cmd == "doomed":
        a, b, prefix, n, gap = argv[2], argv[3], argv[4], int(argv[5]), float(argv[6])
        sa, sb = bound(a, 5060), bound(b, 5060)
        for i in range(n):
            dialog(a, b, "%s-%d" % (prefix, i), ["invite", "ok", "ack", "update", "update_bare"], sa, sb)
            time.sleep(gap)
    elif cmd == "junk":
        s, d = bound(argv[2], 5060), bound(argv[3], 5060)
        for i in range(int(argv[4])):
            s.sendto(b"junk %d\r\n" % i, (argv[3], 5060))
            time.sleep(0.01)
    elif cmd == "tls":
        rec = bytes([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00])
        r = bound(argv[3], 5061)
        s = bound(argv[2], 5061)
        for _ in range(int(argv[4])):
            s.sendto(rec, (argv[3], 5061))
            time.sleep(0.01)
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((argv[3], 5061))
        lst.listen(1)
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((argv[2], 0))
        c.connect((argv[3], 5061))
        conn, _ = lst.accept()
        c.sendall(rec)
        conn.recv(100)
        time.sleep(0.05)
        c.close()
        conn.close()
        lst.close()
        r.close()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
