#!/usr/bin/env python3
"""Writes tests/captures/peers/expected.json from the recorded captures.

The verdicts (doomed, end_class, expected and optional finding codes) are
written by hand below, from RFC 4028 / RFC 3261 as docs/session-timers.md
states them, for what each scenario puts on the wire.  Everything else (times,
refreshes, retransmissions, BYE position against the teardown point ...) is
read from the capture with tshark, and CHECKS assert that the recording really
shows what the verdict assumes: a re-recording that came out differently
(a BYE outside the tolerance of the teardown point, a 408 missing ...) fails
here instead of silently changing what the test means.

    tests/peers/mkexpected.py [CAPTURE_DIR]        # default tests/captures/peers
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "captures", "peers")

# The judged codes: the same ten as the shared corpus' expected.json.
JUDGED = ["REFRESH_2XX_NO_SESSION_EXPIRES", "REFRESH_2XX_NO_CONTACT", "REFRESH_2XX_NO_REQUIRE_TIMER",
          "REFRESH_UNANSWERED", "RESPONSE_NOT_RELAYED", "REFRESH_REJECTED", "REFRESH_OVERDUE",
          "SESSION_EXPIRED", "TIMER_TEARDOWN", "INTERVAL_TOO_SMALL"]


def tol(se):
    """tolerance for classifying a BYE against the teardown point or the deadline"""
    return max(2.0, 0.01 * se)


# name: (net, kind, expected_findings, optional_findings, doomed, end_class, note, checks)
# checks(f): f is the dialog's facts (see facts()); returns a list of problems.
def chk_bye_at_teardown(f, sender):
    p = []
    if f["bye_time"] is None:
        return ["no BYE"]
    if f["bye_sender"] != sender:
        p.append("BYE from %s, not %s" % (f["bye_sender"], sender))
    if not 0 <= f["bye_minus_teardown_point"] <= tol(f["session_expires"]):
        p.append("BYE %.3f s from the teardown point (want 0..%.1f)" % (f["bye_minus_teardown_point"], tol(f["session_expires"])))
    return p


def chk_normal_bye(f):
    p = []
    if f["bye_time"] is None:
        return ["no BYE"]
    for k in ("bye_minus_teardown_point", "bye_minus_deadline"):
        if abs(f[k]) <= tol(f["session_expires"]) + 1:
            p.append("BYE near a timer point (%s %.3f)" % (k, f[k]))
    if f["bye_minus_teardown_point"] > 0:
        p.append("BYE after the teardown point")
    return p


def refresh_ok(r):
    return (r["final_status_at_refresher"] or 0) // 100 == 2 and r.get("2xx_has_session_expires") and r.get("2xx_has_contact")


def chk_healthy(f, n_refresh, method):
    p = chk_normal_bye(f)
    rs = f["refreshes"]
    if len(rs) != n_refresh:
        p.append("%d refreshes, want %d" % (len(rs), n_refresh))
    for r in rs:
        if r["method"] != method or not refresh_ok(r) or not r.get("2xx_has_require_timer"):
            p.append("refresh CSeq %s not a well-formed %s 2xx" % (r["cseq"], method))
        if r["retransmissions"]:
            p.append("refresh CSeq %s retransmitted" % r["cseq"])
    return p


def chk_p04(f):
    r = f["refreshes"]
    p = chk_bye_at_teardown(f, "uac")
    if len(r) != 1 or r[0]["final_status_at_refresher"] != 200 or r[0]["2xx_has_session_expires"] or not r[0]["2xx_has_contact"]:
        p.append("want one UPDATE answered 200 with Contact, without Session-Expires, relayed")
    return p


def chk_p05(f):
    r = f["refreshes"]
    p = chk_bye_at_teardown(f, "uac")
    if len(r) != 1 or r[0]["final_status_from_peer"] != 200 or r[0]["final_status_at_refresher"] is not None:
        p.append("want one UPDATE answered 200 by the callee and nothing relayed to the caller")
    elif r[0]["peer_2xx_has_contact"] or r[0]["peer_2xx_has_session_expires"]:
        p.append("the callee's 200 has Contact or Session-Expires")
    if r and r[0]["retransmissions"] < 3:
        p.append("the caller did not retransmit the UPDATE")
    return p


def chk_p06(f):
    r = f["refreshes"]
    p = []
    if len(r) != 1 or r[0]["final_status_from_peer"] is not None or r[0]["final_status_at_refresher"] != 408:
        return ["want one UPDATE never answered by the callee, 408 from the proxy"]
    t408 = r[0]["time_final_at_refresher"]
    if not t408 - r[0]["time"] < 31.0:
        p.append("the 408 came %.3f s after the UPDATE (want clearly within 32 s)" % (t408 - r[0]["time"]))
    if f["bye_time"] is None or not 0 <= f["bye_time"] - t408 < 1.0:
        p.append("the BYE does not follow the 408 at once")
    if f["bye_time"] is not None and f["bye_time"] >= f["deadline"] - tol(90):
        p.append("the BYE is near the deadline")
    return p


def chk_p07(f):
    r = f["refreshes"]
    p = chk_normal_bye(f)
    if [x["final_status_at_refresher"] for x in r] != [491, 200] or not refresh_ok(r[1]):
        p.append("want a re-INVITE answered 491 then a retry answered with a well-formed 200")
    elif not 2.1 <= r[1]["time"] - r[0]["time_final_at_refresher"] <= 4.0:
        p.append("retry not 2.1-4 s after the 491")
    return p


def chk_p08(f):
    r = f["refreshes"]
    if len(r) != 1 or r[0]["final_status_at_refresher"] != 481:
        return ["want one UPDATE answered 481"]
    if f["bye_time"] is None or not 0 <= f["bye_time"] - r[0]["time_final_at_refresher"] < 1.0:
        return ["the BYE does not follow the 481 at once"]
    return []


def chk_p09(f):
    p = chk_normal_bye(f)
    if f["initial_invite_statuses"] != [422, 200]:
        p.append("want INVITE 422 then retry 200, got %s" % f["initial_invite_statuses"])
    if f["session_expires"] != 120:
        p.append("negotiated interval %s, want 120" % f["session_expires"])
    return p


def chk_p10(f):
    p = chk_bye_at_teardown(f, "uas")
    if f["refreshes"]:
        p.append("a refresh was sent")
    return p


def chk_p11(f, cap_end):
    p = []
    if f["bye_time"] is not None or f["refreshes"]:
        p.append("a BYE or a refresh was sent")
    if not cap_end > f["deadline"] + tol(90) + 5:
        p.append("the capture ends at %.3f, not well past the deadline %.3f" % (cap_end, f["deadline"]))
    return p


def chk_p12(f):
    p = chk_normal_bye(f)
    r = f["refreshes"]
    if f["invite_2xx_has_require_timer"] or len(r) != 1 or r[0]["2xx_has_require_timer"] or not refresh_ok(r[0]):
        p.append("want 2xx (INVITE and UPDATE) with refresher=uac and Session-Expires but no Require: timer")
    return p


def chk_p13(f):
    p = chk_normal_bye(f)
    if f["refresher"] is not None or f["invite_2xx_session_expires"] != "90":
        p.append("want the INVITE 2xx with Session-Expires: 90 and no refresher")
    return p


def chk_p14(f):
    p = chk_normal_bye(f)
    if f["invite_session_expires"] != "90;refresher=uac" or f["invite_2xx_session_expires"] != "120;refresher=uac":
        p.append("want INVITE 90, 2xx 120")
    return p


def chk_p15(f):
    p = chk_normal_bye(f)
    if not re.match(r"^\d+[^\d;]", f["invite_session_expires"] or ""):
        p.append("INVITE Session-Expires %r is not malformed" % f["invite_session_expires"])
    return p


def chk_p16(f):
    p = chk_bye_at_teardown(f, "uas")
    if f["invite_supported"] or f["invite_session_expires"]:
        p.append("the INVITE offers timer")
    if f["refresher"] != "uac":
        p.append("the 2xx does not make the UAC the refresher")
    return p


def chk_p17(f):
    p = chk_normal_bye(f)
    r = f["refreshes"]
    if f["session_expires"] != 180 or len(r) != 1 or not refresh_ok(r[0]):
        return p + ["want SE 180 and one well-formed refresh"]
    late = r[0]["time"] - f["invite_2xx_time"]
    if not 90 + 32 + 1 < late < 180 - 32 - 1:
        p.append("refresh at t_ref+%.3f, not inside the late window (122, 148)" % late)
    return p


def chk_p18(f):
    r = f["refreshes"]
    p = []
    if len(r) != 1 or r[0]["method"] != "INVITE" or not refresh_ok(r[0]):
        return ["want one re-INVITE refresh with a well-formed 200 at the caller"]
    if r[0]["acked"]:
        p.append("the 200 was ACKed")
    if r[0]["peer_2xx_retransmissions"] < 5:
        p.append("the 200 was not retransmitted")
    if f["bye_time"] is None or f["bye_sender"] != "uas" or not f["bye_time"] - r[0]["time_final_at_refresher"] > 32 + 1:
        p.append("want the callee's BYE more than 33 s after the 200")
    if f["bye_time"] is not None and abs(f["bye_time"] - f["teardown_point"]) <= tol(90) + 1:
        p.append("BYE near the teardown point")
    return p


def chk_final(status):
    return lambda f: [] if f["initial_invite_statuses"] == [status] else ["want INVITE answered %d, got %s" % (status, f["initial_invite_statuses"])]


V = {
    "p01_healthy_update": (11, "healthy_update", [], [], False, "NORMAL_BYE",
        "UPDATE refreshes at SE/2 (45 s, 90 s) answered with Session-Expires, Contact, Require: timer; caller BYE at 120 s.",
        lambda f, e: chk_healthy(f, 2, "UPDATE")),
    "p02_healthy_reinvite": (12, "healthy_reinvite", [], [], False, "NORMAL_BYE",
        "re-INVITE refreshes (with SDP) at 45 s and 90 s, 200 with Session-Expires, ACKed; caller BYE at 100 s.",
        lambda f, e: chk_healthy(f, 2, "INVITE")),
    "p03_refresher_uas": (13, "refresher_uas", [], [], False, "NORMAL_BYE",
        "The INVITE asks refresher=uas and the 2xx agrees; the callee refreshes with UPDATE at 45 s (its Session-Expires "
        "says refresher=uac: the UPDATE's sender), the caller answers 200 with Session-Expires and Require: timer; "
        "the callee hangs up at 80 s (teardown point after the refresh: 105 s).",
        lambda f, e: chk_healthy(f, 1, "UPDATE") + ([] if f["refresher"] == "uas" and f["refreshes"] and f["refreshes"][0]["sender"] == "uas" else ["want the callee as refresher"])),
    "p04_outage_a_2xx_no_se": (14, "refresh_2xx_no_session_expires",
        ["REFRESH_2XX_NO_SESSION_EXPIRES", "TIMER_TEARDOWN"], [], True, "TIMER_TEARDOWN",
        "The callee answers the refresh UPDATE with a 200 that has Contact but no Session-Expires (and no Require); the "
        "proxy relays it; the caller keeps its timer and sends BYE at the teardown point (60 s). REFRESH_OVERDUE is "
        "not expected: the doom finding on the 200 already explains the missing refresh.",
        lambda f, e: chk_p04(f)),
    "p05_outage_b_2xx_dropped": (15, "seed_dropped",
        ["REFRESH_2XX_NO_SESSION_EXPIRES", "REFRESH_2XX_NO_CONTACT", "RESPONSE_NOT_RELAYED", "TIMER_TEARDOWN"],
        ["REFRESH_UNANSWERED"], True, "TIMER_TEARDOWN",
        "The motivating outage with a real stateful proxy: the callee answers the UPDATE with a 200 lacking Contact and "
        "Session-Expires; Kamailio (DROP_2XX_NO_CONTACT) drops it before tm sees it, so tm keeps retransmitting the "
        "UPDATE to the callee, which re-sends the same 200 each time (all dropped), and absorbs the caller's UDP "
        "retransmissions; the caller gives up when its retransmissions run out and sends BYE at 60.5 s, 0.5 s after "
        "the teardown point. REFRESH_UNANSWERED is optional: the caller's leg got no final response, though the callee "
        "did answer.",
        lambda f, e: chk_p05(f)),
    "p06_update_unanswered": (16, "update_unanswered",
        ["REFRESH_REJECTED", "TIMER_TEARDOWN"], ["REFRESH_UNANSWERED", "REFRESH_OVERDUE"], True, "TIMER_TEARDOWN",
        "The callee never answers the refresh UPDATE (45 s). Kamailio retransmits it to the callee and, after its "
        "fr_timer (30 s), answers the caller 408 itself (at ~75 s, within 32 s of the UPDATE), so the refresher's leg "
        "does get a final response: REFRESH_REJECTED (408: doom); the caller sends BYE at once (RFC 3261 12.2.1.2), "
        "which is a timer teardown ('right after a 408'). REFRESH_UNANSWERED is optional (the callee leg never got an "
        "answer, the caller leg did); REFRESH_OVERDUE is optional (at the teardown point, 60 s, the refresh was still "
        "pending, its outcome not yet known).",
        lambda f, e: chk_p06(f)),
    "p07_reinvite_491_retry": (17, "reinvite_491_retry", ["REFRESH_REJECTED"], [], False, "NORMAL_BYE",
        "The refresh re-INVITE at 45 s gets 491 Request Pending (a warning: the session stays up); the caller ACKs, "
        "retries 2.5 s later with a new CSeq and gets a well-formed 200, so no REFRESH_OVERDUE; BYE at ~68 s.",
        lambda f, e: chk_p07(f)),
    "p08_update_481": (18, "update_481", ["REFRESH_REJECTED", "TIMER_TEARDOWN"], [], True, "TIMER_TEARDOWN",
        "The refresh UPDATE at 45 s gets 481 (doom: the refresher must end the dialog); the caller sends BYE 0.1 s "
        "later (a timer teardown: right after a 481), which the callee answers 200.",
        lambda f, e: chk_p08(f)),
    "p09_422_min_se_retry": (19, "interval_too_small_422", ["INTERVAL_TOO_SMALL"], [], False, "NORMAL_BYE",
        "The INVITE offers Session-Expires 90; the callee (local Min-SE 120) answers 422 with Min-SE: 120; the caller "
        "ACKs and retries (same Call-ID, CSeq 2) with Session-Expires 120 and Min-SE 120, accepted; BYE at 30 s. The "
        "422 and the 200 carry the same To tag: one dialog.",
        lambda f, e: chk_p09(f)),
    "p10_refresh_overdue": (20, "refresh_overdue", ["REFRESH_OVERDUE", "TIMER_TEARDOWN"], [], True, "TIMER_TEARDOWN",
        "The refresher (caller) never refreshes; the callee sends BYE at the teardown point (60.5 s).",
        lambda f, e: chk_p10(f)),
    "p11_session_expired": (21, "session_expired", ["REFRESH_OVERDUE", "SESSION_EXPIRED"], [], True, "EXPIRED_NO_BYE",
        "Nobody refreshes and nobody hangs up. At 100 s (past the deadline + tolerance, 92 s) the caller sends an "
        "out-of-dialog OPTIONS keepalive to the proxy (another Call-ID, not a dialog) so that the capture's clock "
        "passes the deadline; the capture ends there with the dialog expired.",
        lambda f, e: chk_p11(f, e)),
    "p12_2xx_no_require_timer": (22, "refresh_2xx_no_require_timer", ["REFRESH_2XX_NO_REQUIRE_TIMER"], [], False,
        "NORMAL_BYE",
        "The callee's 2xx (to the INVITE and to the refresh UPDATE at 45 s) say refresher=uac but lack Require: timer "
        "(RFC 4028 9); the refresh is otherwise well-formed; BYE at 50 s.",
        lambda f, e: chk_p12(f)),
    "p13_2xx_no_refresher": (23, "se_2xx_no_refresher", ["SE_2XX_NO_REFRESHER"], [], False, "NORMAL_BYE",
        "The callee's 2xx carry 'Session-Expires: 90' without refresher (RFC 4028 9: the UAS MUST set it); the caller "
        "refreshes at 45 s anyway; BYE at 50 s. SE_2XX_NO_REFRESHER is not one of the ten judged codes but is "
        "required here.",
        lambda f, e: chk_p13(f)),
    "p14_2xx_increased": (24, "se_2xx_increased", ["SE_2XX_INCREASED"], [], False, "NORMAL_BYE",
        "The INVITE asks Session-Expires 90, the 2xx says 120 (RFC 4028 9: the UAS may lower it, never raise it); "
        "BYE at 30 s, before any timer point of either interval.",
        lambda f, e: chk_p14(f)),
    "p15_se_malformed": (25, "se_header_malformed", ["SE_HEADER_MALFORMED"], [], False, "NORMAL_BYE",
        "The INVITE's Session-Expires value is '90s;refresher=uac' (delta-seconds followed by garbage); the 2xx sets "
        "a proper 90;refresher=uac; BYE at 30 s.",
        lambda f, e: chk_p15(f)),
    "p16_refresher_uac_unsupported": (26, "refresher_uac_unsupported", ["REFRESHER_UAC_UNSUPPORTED", "TIMER_TEARDOWN"],
        ["REFRESH_OVERDUE"], True, "TIMER_TEARDOWN",
        "The INVITE has no Supported: timer and no Session-Expires; the callee's 2xx still sets 90;refresher=uac with "
        "Require: timer (doom: the caller will never refresh); nobody refreshes and the callee sends BYE at the "
        "teardown point (60.5 s). REFRESH_OVERDUE is optional: a doom finding already explains the missing refresh, "
        "but the table lists REFRESHER_UAC_UNSUPPORTED below REFRESH_OVERDUE.",
        lambda f, e: chk_p16(f)),
    "p17_refresh_late_se180": (27, "refresh_late", ["REFRESH_LATE"], [], False, "NORMAL_BYE",
        "Session-Expires 180: the refresh UPDATE comes at 125 s, after 180/2 + max(18, 32) = 122 s but before the "
        "teardown point 148 s; well-formed 200; BYE at 130 s.",
        lambda f, e: chk_p17(f)),
    "p18_reinvite_2xx_no_ack": (28, "reinvite_no_ack", ["REFRESH_REINVITE_NO_ACK"], [], True, "NORMAL_BYE",
        "The refresh re-INVITE at 45 s gets a well-formed 200 that reaches the caller (so the session is refreshed, "
        "t_ref = 45 s) but the caller never ACKs it; the callee retransmits the 200 (relayed each time) and, its "
        "retransmissions spent at ~80.5 s, sends BYE. Doomed by REFRESH_REINVITE_NO_ACK (at 45+32 s); the BYE is "
        "not explained by the session timer (teardown point 105 s): NORMAL_BYE.",
        lambda f, e: chk_p18(f)),
    "p19_cancel": (29, "cancelled", [], [], False, "CANCELLED",
        "The caller CANCELs 2 s after the 180; the proxy answers 200 and relays the CANCEL; the callee answers 487; "
        "ACKs hop by hop.",
        lambda f, e: chk_final(487)(f)),
    "p20_busy_486": (30, "failed_486", [], [], False, "FAILED",
        "The callee rings and answers 486 Busy Here; ACKs hop by hop.",
        lambda f, e: chk_final(486)(f)),
    "p21_tcp_healthy_update": (31, "healthy_update_tcp", [], [], False, "NORMAL_BYE",
        "As p01 over TCP (caller-proxy and proxy-callee connections): UPDATE refreshes at 45 s and 90 s, BYE at 120 s.",
        lambda f, e: chk_healthy(f, 2, "UPDATE")),
}

FIELDS = ["frame.number", "frame.time_relative", "ip.src", "ip.dst", "udp.srcport", "tcp.srcport", "udp.dstport",
          "tcp.dstport", "sip.Method", "sip.Status-Code", "sip.CSeq.seq", "sip.CSeq.method", "sip.Call-ID",
          "sip.Session-Expires", "sip.Min-SE", "sip.Require", "sip.Supported", "sip.Contact", "sip.to.tag"]


def packets(pcap):
    cmd = ["tshark", "-r", pcap, "-Y", "sip && !icmp", "-T", "fields", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        v = line.split("\t")
        d = dict(zip(FIELDS, v))
        d["t"] = float(d["frame.time_relative"])
        d["sport"] = d["udp.srcport"] or d["tcp.srcport"]
        d["dport"] = d["udp.dstport"] or d["tcp.dstport"]
        d["status"] = int(d["sip.Status-Code"]) if d["sip.Status-Code"] else None
        d["cseq"] = d["sip.CSeq.seq"]
        rows.append(d)
    cap_end = float(subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.time_relative"],
                                   capture_output=True, text=True, check=True).stdout.split()[-1])
    return rows, cap_end


def se_value(s):
    m = re.match(r"^\s*(\d+)\s*(;|$)", s or "")
    return int(m.group(1)) if m else None


def se_refresher(s):
    m = re.search(r";\s*refresher\s*=\s*(uac|uas)\b", s or "", re.I)
    return m.group(1).lower() if m else None


def facts(rows, net, call_id):
    ip = {"uac": "127.0.%d.10" % net, "proxy": "127.0.%d.20" % net, "uas": "127.0.%d.30" % net}
    side = {ip["uac"]: "uac", ip["uas"]: "uas"}
    rows = [r for r in rows if r["sip.Call-ID"] == call_id]
    f = {"call_id": call_id}
    inv = [r for r in rows if r["sip.Method"] == "INVITE" and not r["sip.to.tag"] and r["ip.src"] == ip["uac"]]
    f["transport"] = "TCP" if rows[0]["tcp.srcport"] else "UDP"
    f["invite_session_expires"] = inv[0]["sip.Session-Expires"] or None
    f["invite_supported"] = inv[0]["sip.Supported"] or None
    f["min_se"] = se_value(inv[-1]["sip.Min-SE"])
    initial_cseqs = sorted({r["cseq"] for r in inv}, key=int)
    # final answers to the initial INVITE(s), as the caller saw them
    f["initial_invite_statuses"] = []
    for c in initial_cseqs:
        fin = [r for r in rows if r["status"] and r["status"] >= 200 and r["sip.CSeq.method"] == "INVITE"
               and r["cseq"] == c and r["ip.dst"] == ip["uac"]]
        if fin:
            f["initial_invite_statuses"].append(fin[0]["status"])
    ok = [r for r in rows if r["status"] and r["status"] // 100 == 2 and r["sip.CSeq.method"] == "INVITE"
          and r["cseq"] in initial_cseqs]
    f["established"] = bool(ok)
    if not ok:
        f.update(has_session_timer=False, session_expires=se_value(f["invite_session_expires"]),
                 refresher=None, refreshes=[], refresh_methods=[], bye_time=None, bye_sender=None)
        return f
    ok_at_uac = [r for r in ok if r["ip.dst"] == ip["uac"]][0]
    ok_at_uas = [r for r in ok if r["ip.src"] == ip["uas"]][0]
    f["invite_2xx_time"] = round(ok_at_uac["t"], 6)
    f["invite_2xx_session_expires"] = ok_at_uac["sip.Session-Expires"] or None
    f["invite_2xx_has_require_timer"] = "timer" in (ok_at_uac["sip.Require"] or "")
    f["has_session_timer"] = bool(f["invite_2xx_session_expires"])
    f["refresher"] = se_refresher(f["invite_2xx_session_expires"])
    refresher = f["refresher"] or "uac"
    t_ref = (ok_at_uac if refresher == "uac" else ok_at_uas)["t"]
    se = se_value(f["invite_2xx_session_expires"])
    # refreshes: in-dialog INVITE/UPDATE, keyed by sender and CSeq
    reqs = [r for r in rows if r["sip.Method"] in ("INVITE", "UPDATE") and r["sip.to.tag"] and r["ip.src"] in side]
    seen = []
    for r in reqs:
        k = (r["ip.src"], r["cseq"], r["sip.Method"])
        if k not in seen:
            seen.append(k)
    f["refreshes"] = []
    for src, cseq, method in seen:
        me = side[src]
        peer = ip["uas"] if me == "uac" else ip["uac"]
        sent = [r for r in reqs if (r["ip.src"], r["cseq"], r["sip.Method"]) == (src, cseq, method)]
        resp = [r for r in rows if r["status"] and r["cseq"] == cseq and r["sip.CSeq.method"] == method]
        fin_peer = [r for r in resp if r["status"] >= 200 and r["ip.src"] == peer]
        fin_me = [r for r in resp if r["status"] >= 200 and r["ip.dst"] == src]
        x = {"sender": me, "time": round(sent[0]["t"], 6), "method": method, "cseq": cseq,
             "retransmissions": len(sent) - 1,
             "final_status_from_peer": fin_peer[0]["status"] if fin_peer else None,
             "final_status_at_refresher": fin_me[0]["status"] if fin_me else None}
        if fin_peer:
            x["peer_2xx_has_session_expires"] = bool(fin_peer[0]["sip.Session-Expires"])
            x["peer_2xx_has_contact"] = bool(fin_peer[0]["sip.Contact"])
            x["peer_2xx_retransmissions"] = len(fin_peer) - 1
        if fin_me:
            a = fin_me[0]
            x["time_final_at_refresher"] = round(a["t"], 6)
            if a["status"] // 100 == 2:
                x["2xx_session_expires"] = a["sip.Session-Expires"] or None
                x["2xx_has_session_expires"] = bool(a["sip.Session-Expires"])
                x["2xx_has_contact"] = bool(a["sip.Contact"])
                x["2xx_has_require_timer"] = "timer" in (a["sip.Require"] or "")
        if method == "INVITE":
            x["acked"] = any(r["sip.Method"] == "ACK" and r["cseq"] == cseq and r["ip.src"] == src for r in rows)
        f["refreshes"].append(x)
        if refresh_ok(x):
            t_ref = fin_me[0]["t"]
            se = se_value(fin_me[0]["sip.Session-Expires"]) or se
    f["refresh_methods"] = sorted({x["method"] for x in f["refreshes"]})
    f["session_expires"] = se
    f["last_valid_refresh_time"] = round(t_ref, 6)
    f["deadline"] = round(t_ref + se, 6)
    f["teardown_point"] = round(t_ref + se - min(32, se / 3), 6)
    bye = [r for r in rows if r["sip.Method"] == "BYE" and r["ip.src"] in side]
    f["bye_time"] = round(bye[0]["t"], 6) if bye else None
    f["bye_sender"] = side[bye[0]["ip.src"]] if bye else None
    if bye:
        f["bye_minus_teardown_point"] = round(bye[0]["t"] - f["teardown_point"], 6)
        f["bye_minus_deadline"] = round(bye[0]["t"] - f["deadline"], 6)
    return f


def main():
    out = {"contract": {
        "finding_codes": JUDGED,
        "end_classes": ["NORMAL_BYE", "TIMER_TEARDOWN", "EXPIRED_NO_BYE", "ACTIVE", "CANCELLED", "FAILED"],
        "fields": {
            "expected_findings": "a correct monitor reports these codes for the dialog: exactly these among "
                                 "finding_codes (the judged ten); a code outside the ten listed here is required too "
                                 "(the capture exists for it); other codes are not judged",
            "optional_findings": "defensible either way; neither required nor penalised",
            "refresher": "dialog-level refresher relative to the initial INVITE (uac = caller), from the INVITE 2xx; "
                         "null when the 2xx names none",
            "refresh_methods": "methods of the refresh requests actually sent (excluding retransmissions)",
            "doomed": "the dialog is doomed at the end of the capture (docs/session-timers.md, Doomed)",
            "deadline": "last_valid_refresh_time (2xx with Session-Expires and Contact delivered to the refresher; "
                        "else the INVITE 2xx on the refresher's leg) + session_expires",
            "teardown_point": "deadline - min(32, SE/3)",
            "times": "frame.time_relative seconds in the pcap (real timing)",
        }},
        "pcaps": {}}
    problems = 0
    for name, (net, kind, exp, opt, doomed, end, note, check) in V.items():
        pcap = os.path.join(DIR, name + ".pcap")
        if not os.path.exists(pcap):
            print("MISSING %s" % pcap)
            problems += 1
            continue
        rows, cap_end = packets(pcap)
        call_id = "%s-1@127.0.%d.10" % (name, net)
        f = facts(rows, net, call_id)
        why = check(f, cap_end)
        if why:
            problems += 1
            print("BAD %s: %s" % (name, "; ".join(why)))
        d = {"call_id": call_id, "kind": kind, "transport": f["transport"],
             "has_session_timer": f["has_session_timer"], "session_expires": f["session_expires"],
             "min_se": f["min_se"], "refresher": f["refresher"], "refresh_methods": f["refresh_methods"],
             "expected_findings": exp, "optional_findings": opt, "doomed": doomed, "end_class": end, "note": note}
        d.update({k: v for k, v in f.items() if k not in d})
        out["pcaps"][name + ".pcap"] = {
            "scenario": name, "kind": kind, "transport": f["transport"],
            "addresses": {"uac": "127.0.%d.10:5060" % net, "proxy": "127.0.%d.20:5060" % net,
                          "uas": "127.0.%d.30:5060" % net},
            "capture_end_time": round(cap_end, 6), "dialogs": [d]}
        print("%-32s %-14s doomed=%-5s %s %s" % (name, end, doomed, exp, ("optional " + str(opt)) if opt else ""))
    with open(os.path.join(DIR, "expected.json"), "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    if problems:
        print("%d capture(s) do not show what their verdict assumes: fix the scenario and re-record" % problems)
        sys.exit(1)


if __name__ == "__main__":
    main()
