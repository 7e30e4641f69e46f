#!/bin/sh
# Wire text never breaks a reader (issue 17): a hostile capture made by
# tests/e2e/wire_text_pcap.py (scapy) with invalid UTF-8, overlongs, encoded
# surrogates, NUL, C1 controls and ESC in Call-ID, From/To, User-Agent,
# Server, Reason, CSeq and Session-Expires, and malformed Content-Length
# values over UDP and TCP.  Every row of every table and view is read with
# the sqlite3 CLI and with Python's sqlite3 (default text factory: raises on
# invalid UTF-8) without error; every text value is valid UTF-8 without NUL
# and escaped as common/utf8.h says; messages.raw is a BLOB equal to the
# UDP payloads of the pcap byte for byte; the Content-Length defects are
# findings and counts, and TCP framing resumes after one.
. tests/e2e/lib.sh
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
if ! $PY -c 'import scapy.all' >/dev/null 2>&1; then
	echo "skip - python3-scapy missing (make deps)"
	exit 0
fi
for t in sqlite3 jq; do
	command -v $t >/dev/null 2>&1 || { echo "skip - $t missing (make deps)"; exit 0; }
done
start=$(date +%s)
$PY tests/e2e/wire_text_pcap.py "$T/wt.pcap" >"$T/want.json"
check "hostile capture written" 0 $?
$SIPWATCH -r "$T/wt.pcap" -d "$T/wt.db" --no-ui --report json >"$T/r.json" 2>"$T/r.err"
check "sipwatch reads it (exit 0, stderr empty)" "0 0" "$? $(wc -c <"$T/r.err")"
$SIPWATCH --open "$T/wt.db" --no-ui --report text >"$T/r.txt" 2>&1 </dev/null ||
	$SIPWATCH -r "$T/wt.pcap" -d "$T/wt2.db" --no-ui --report text >"$T/r.txt" 2>&1

# sqlite3 CLI: every row of every table and view, in list and JSON mode
bad=""
for t in $(sqlite3 "$T/wt.db" "SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'"); do
	sqlite3 "$T/wt.db" "SELECT * FROM $t" >/dev/null 2>"$T/cli.err" || bad="$bad $t"
	sqlite3 -json "$T/wt.db" "SELECT * FROM $t" >"$T/cli.json" 2>>"$T/cli.err" || bad="$bad $t(json)"
	[ -s "$T/cli.json" ] && { jq . "$T/cli.json" >/dev/null 2>&1 || bad="$bad $t(jq)"; }
done
check "sqlite3 CLI reads every row of every table and view" "" "$bad$(head -c 200 "$T/cli.err")"

# Python: the strict reader, the escape rule, raw byte for byte
$PY - "$T/wt.db" "$T/want.json" "$T/r.json" "$T/r.txt" >"$T/py.out" 2>&1 <<'PYEOF'
import json, sqlite3, sys
db, want = sqlite3.connect(sys.argv[1]), json.load(open(sys.argv[2]))
report = json.load(open(sys.argv[3]))
text_report = open(sys.argv[4], encoding="utf-8").read()
def check(name, ok):
    print(("ok - " if ok else "not ok - ") + name)
names = [r[0] for r in db.execute(
    "SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'")]
rows = texts = 0
errors = []
for t in names:
    try:
        for row in db.execute("SELECT * FROM %s" % t):
            rows += 1
            for v in row:
                if isinstance(v, str):
                    texts += 1
                    if "\x00" in v:
                        errors.append("%s: NUL in %r" % (t, v))
                    v.encode("utf-8")  # a lone surrogate would fail here
    except Exception as e:  # sqlite3.OperationalError: Could not decode to UTF-8
        errors.append("%s: %s" % (t, e))
check("python sqlite3 reads all %d rows of %d tables and views (%d text values)"
      % (rows, len(names), texts), not errors and rows > 50)
for e in errors[:5]:
    print("# " + e)
# the stored text is the escape rule applied to the wire (common/utf8.h)
d = db.execute("SELECT call_id, from_uri, caller_ua FROM dialogs WHERE call_id LIKE 'wt-a-%'").fetchall()
check("call A's Call-ID, From URI escaped \\xHH", len(d) == 1 and d[0][0] == want["call_a"]
      and d[0][1] == want["from_a"])
if d and d[0][0] != want["call_a"]:
    print("# got %r want %r" % (d[0][0], want["call_a"]))
check("the escaped Call-ID finds its row (idempotent)", db.execute(
    "SELECT count(*) FROM messages WHERE call_id = ?", (want["call_a"],)).fetchone()[0] >= 8)
agents = [r[0] for r in db.execute("SELECT agent FROM findings WHERE agent LIKE 'Srv' || char(27) || '%'")] + \
    [r[0] for r in db.execute("SELECT agent FROM endpoints")]
check("findings and endpoints keep the hostile Server, escaped",
      len(agents) >= 2 and all("\\xe0\\x80\\xaf" in a for a in agents))
# raw: a BLOB, the UDP payloads byte for byte, in order
raw = [r[0] for r in db.execute("SELECT raw FROM messages WHERE transport = 'udp' ORDER BY id")]
payloads = [bytes.fromhex(h) for h in want["udp_payloads"]]
check("messages.raw is a BLOB (bytes) for every message",
      all(isinstance(r, bytes) for r in raw) and len(raw) == len(payloads))
check("messages.raw equals the UDP payloads byte for byte", raw == payloads)
# the JSON report says what the db says
jd = [x for x in report["dialogs"] if x["call_id"].startswith("wt-a-")]
check("JSON report: the same Call-ID string as the db", len(jd) == 1 and jd[0]["call_id"] == want["call_a"])
check("text report: the Call-ID escaped as in the db", "wt-a-\\xff\\xfe\\xc0\\xaf" in text_report)
# Content-Length: findings (warnings), counts, TCP resumes
f = db.execute("SELECT count(*), count(DISTINCT dialog_id), max(severity) FROM findings"
               " WHERE code = 'CONTENT_LENGTH_MALFORMED'").fetchone()
check("CONTENT_LENGTH_MALFORMED findings: %d, warnings" % f[0],
      f[0] == want["bad_clen_findings"] and f[2] == "warning")
ends = [r[0] for r in db.execute("SELECT DISTINCT d.end_class || d.doomed || d.at_risk FROM dialogs d"
                                 " JOIN findings f ON f.dialog_id = d.id"
                                 " WHERE f.code = 'CONTENT_LENGTH_MALFORMED'")]
check("their calls end healthy (NORMAL_BYE, not doomed, not at risk)", ends == ["NORMAL_BYE00"])
c = db.execute("SELECT value FROM capture_counts WHERE name = 'malformed.content_length'").fetchone()
check("capture_counts malformed.content_length = %s" % (c and c[0]),
      c is not None and c[0] == want["bad_clen_count"])
check("JSON report: capture.bad_content_length", report["capture"]["bad_content_length"] == want["bad_clen_count"])
tcp = [r[0] for r in db.execute("SELECT call_id FROM messages WHERE transport = 'tcp' ORDER BY id")]
check("TCP: framing resumes after the bad Content-Length (%s)" % tcp, tcp == want["tcp_call_ids"])
PYEOF
cat "$T/py.out"
[ -s "$T/py.out" ] && ! grep -q '^not ok\|Traceback' "$T/py.out"
check "python checks ran clean" 0 $?
echo "# wire_text: $(($(date +%s) - start)) s"
