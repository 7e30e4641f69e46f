#!/bin/sh
# --syslog and SIGHUP.  syslog: sipwatch runs in a private mount namespace
# whose /dev is a test directory holding a test-owned datagram socket as
# /dev/log (and /dev/null, /dev/urandom bound from the real /dev), so the
# system's syslog is never touched; each event of the seed capture must
# arrive there as one line, facility local3, with RFC 5424 structured data.
# SIGHUP: the seed capture is piped in two halves; between them the --events
# file is renamed (as logrotate does) and SIGHUP sent; the old file and the
# new one together hold every event once.  About 5 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and unshare mount python3 jq timeout
CAP=samples/outage-update-200-dropped.pcap

# ---- syslog on a test-owned /dev/log ----
mkdir -p "$T/dev"
: >"$T/dev/null"
: >"$T/dev/urandom"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.5)
out = open(sys.argv[2], "ab", buffering=0)
end = time.time() + 30
while time.time() < end:
    try: out.write(s.recv(65536) + b"\n")
    except socket.timeout: pass' "$T/dev/log" "$T/syslog.txt" &
RX=$!
track "$RX"
waitfor 5 test -S "$T/dev/log" || { notok "test syslog socket not created"; exit 0; }
# shellcheck disable=SC2016
unshare -m --propagation private sh -c '
	mount --bind /dev/null "$1/dev/null" && mount --bind /dev/urandom "$1/dev/urandom" &&
	mount --rbind "$1/dev" /dev && exec "$2" -r "$3" -d "$1/s.db" --no-ui --events "$1/s.events" --syslog local3' \
	sh "$T" "$(command -v "$SIPWATCH" || echo "$SIPWATCH")" "$CAP" >"$T/s.out" 2>"$T/s.err" </dev/null
check "sipwatch --syslog in a private namespace: exit status" 0 "$?"
check "nothing on stderr" "" "$(cat "$T/s.err")"
nev=$(wc -l <"$T/s.events" | tr -d ' ')
got() { [ "$(grep -c 'sipwatch' "$T/syslog.txt" 2>/dev/null)" -ge "$nev" ]; }
waitfor 5 got
check "one syslog line per event ($nev)" "$nev" "$(grep -c 'sipwatch\[[0-9]*\]: \[sipwatch@32473 event=' "$T/syslog.txt")"
# <PRI> = facility local3 (19) * 8 + severity: doomed warning (4), teardown err (3)
check "doomed: facility local3, warning" 1 "$(grep -c '^<156>.*\[sipwatch@32473 event="doomed"' "$T/syslog.txt")"
check "teardown: facility local3, err" 1 "$(grep -c '^<155>.*\[sipwatch@32473 event="teardown"' "$T/syslog.txt")"
cid=$(jq -r 'select(.event == "doomed") | .call_id' "$T/s.events")
code=$(jq -r 'select(.event == "doomed") | .code' "$T/s.events")
ep=$(jq -r 'select(.event == "doomed") | .endpoint' "$T/s.events")
check "doomed line: structured data call_id, code, severity, endpoint" 1 \
	"$(grep -F "event=\"doomed\"" "$T/syslog.txt" | grep -F "call_id=\"$cid\" code=\"$code\" severity=\"doom\" endpoint=\"$ep\"" | grep -c 'teardown_expected="20[0-9-]*T[0-9:.]*Z"\] ')"
stop_pid "$RX"

# ---- SIGHUP reopens --events: nothing lost across a rotation ----
# (--strict-peers: the capture's defective answer dooms at once, so the doom is the event
# written before SIGHUP; by default it would first put the call at risk)
"$SIPWATCH" -r "$CAP" -d "$T/ref.db" --no-ui --events "$T/ref.events" --strict-peers >/dev/null 2>&1
mkfifo "$T/fifo"
"$SIPWATCH" -r - -d "$T/h.db" --no-ui --events "$T/h.events" --strict-peers <"$T/fifo" >"$T/h.out" 2>"$T/h.err" &
SW=$!
track "$SW"
python3 - "$CAP" "$T/fifo" "$T/h.events" "$SW" <<'EOP'
import os, signal, struct, sys, time
cap, fifo, events, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = open(cap, "rb").read()
hdr, off, recs = data[:24], 24, []
while off + 16 <= len(data):
    n = struct.unpack("<I", data[off + 8:off + 12])[0]
    recs.append(data[off:off + 16 + n]); off += 16 + n
# The first half up to the doom: the bad 200 is the first 200 to the UPDATE.
cut = next(i for i, r in enumerate(recs) if b"SIP/2.0 200" in r and b"UPDATE" in r) + 1
with open(fifo, "wb", buffering=0) as f:
    f.write(hdr + b"".join(recs[:cut]))
    end = time.time() + 10
    while time.time() < end and (not os.path.exists(events) or os.path.getsize(events) == 0):
        time.sleep(0.05)
    os.rename(events, events + ".1")   # logrotate's move
    os.kill(pid, signal.SIGHUP)        # its postrotate
    time.sleep(0.3)
    f.write(b"".join(recs[cut:]))
EOP
wait_exit "$SW" 15
check "SIGHUP run: exit status" 0 "$RC"
check "SIGHUP run: nothing on stderr" "" "$(cat "$T/h.err")"
check "rotated file holds the events before SIGHUP (the doom)" doomed \
	"$(jq -r .event "$T/h.events.1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
if [ -s "$T/h.events" ]; then ok "events after SIGHUP went to a new file"; else notok "no new events file after SIGHUP"; fi
check "old + new file = every event once (as without rotation)" \
	"$(jq -c '[.event, .call_id, .code]' "$T/ref.events" | sort)" \
	"$(cat "$T/h.events.1" "$T/h.events" 2>/dev/null | jq -c '[.event, .call_id, .code]' | sort)"
exit 0
