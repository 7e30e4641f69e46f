#!/bin/sh
# Service integration (issue 17, item 4), as contrib/sipwatch.service runs it,
# without systemd as PID 1: sipwatch runs as nobody with only the unit's
# capabilities (its CapabilityBoundingSet, ambient, no root, no -Z) on a state
# directory nobody owns, live on lo (127.0.210.x, hand-made SIP from
# tests/peers/live_send.py).  A Python AF_UNIX datagram listener stands in for
# systemd's $NOTIFY_SOCKET, with WATCHDOG_USEC=2 s and WATCHDOG_PID set:
#   - READY=1 once the capture runs, then WATCHDOG=1 about every second (half
#     the period), never a gap of a whole period, STOPPING=1 at SIGTERM;
#   - SIGTERM ends it with status 0; started again on the same db it appends a
#     second captures row, and the first capture's dialogs, messages and
#     findings are exactly as before; integrity_check ok; files still nobody's;
#   - without the capabilities it cannot start (one line, status 1);
#   - systemd-analyze verify accepts the unit (where systemd-analyze exists).
# About 12 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and python3 setpriv sqlite3 flock
live_lock sw17s_service
SEND="python3 tests/peers/live_send.py"
NET=127.0.210
F="net $NET.0/24"
UNIT=contrib/sipwatch.service
chmod 711 "$T"
mkdir -p "$T/state" "$T/pids" && chown nobody:nogroup "$T/state" "$T/pids" && chmod 750 "$T/state"
DB=$T/state/sipwatch.db
# nobody may not reach the checkout (CI's clone): a copy it can run
mkdir -p "$T/pub" && chmod 755 "$T/pub" && cp "$SIPWATCH" "$T/pub/sipwatch" && chmod 755 "$T/pub/sipwatch"
SW_BIN=$T/pub/sipwatch

grep -q '^Type=notify$' "$UNIT" && grep -q '^WatchdogSec=' "$UNIT" && grep -q '^Restart=on-failure$' "$UNIT"
check "unit: Type=notify, WatchdogSec, Restart=on-failure" 0 $?
check "unit: no CAP_DAC_OVERRIDE" 0 "$(grep -v '^#' "$UNIT" | grep -c DAC_OVERRIDE)"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z ' 'a-z,' | sed 's/cap_/+/g')
check "unit: capture capabilities only" "+net_raw,+net_admin" "$caps"

# The listener: one line per datagram, "SECONDS.MICROS MESSAGE" (newlines as |).
cat >"$T/listen.py" <<'EOF'
import os, socket, sys, time
path, out, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)  # sipwatch writes to it as nobody
s.settimeout(0.2)
end = time.monotonic() + limit
with open(out, "a", buffering=1) as f:
    while time.monotonic() < end:
        try:
            m = s.recv(4096)
        except socket.timeout:
            continue
        f.write("%.6f %s\n" % (time.monotonic(), m.decode(errors="replace").replace("\n", "|")))
EOF
NS=$T/notify.sock
python3 "$T/listen.py" "$NS" "$T/notify.log" 40 &
track $!
waitfor 5 test -S "$NS"

# run N: sipwatch as the unit runs it; its PID in $T/pids/N (WATCHDOG_PID must be it)
run() {
	: >"$T/notify.log"
	setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps "$caps" --ambient-caps "$caps" \
		--bounding-set "-all,$caps" --no-new-privs \
		sh -c 'echo $$ >"$0/pids/$1"; NOTIFY_SOCKET=$0/notify.sock WATCHDOG_USEC=2000000 WATCHDOG_PID=$$ \
		exec "$2" -i lo -f "$3" --no-ui --strict-peers -d "$0/state/sipwatch.db" --events "$0/state/events.jsonl"' \
		"$T" "$1" "$SW_BIN" "$F" >"$T/run$1.out" 2>"$T/run$1.err" </dev/null &
	track $!
	waitfor 5 test -s "$T/pids/$1"
	PID=$(cat "$T/pids/$1")
	track "$PID"
}
said() { grep -c "$1" "$T/notify.log"; }
ready() { [ "$(said 'READY=1')" -ge 1 ]; }

run 1
if waitfor 10 ready; then ok "start 1: READY=1 ($(grep -m1 -o 'STATUS=[^|]*' "$T/notify.log"))"
else notok "start 1: no READY=1: $(cat "$T/notify.log" "$T/run1.err")"; fi
$SEND dialog "$NET.11" "$NET.31" sw17s-healthy invite,ok,ack,update,update_ok,bye,bye_ok
$SEND doomed "$NET.12" "$NET.32" sw17s-doomed 2 0.05
sleep 3.2
n=$(said 'WATCHDOG=1')
if [ "$n" -ge 2 ]; then ok "start 1: WATCHDOG=1 every half period ($n in about 3 s)"
else notok "start 1: $n WATCHDOG=1 in 3 s: $(tr '\n' ' ' <"$T/notify.log")"; fi
gap=$(awk '/WATCHDOG=1/ { if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { printf "%.2f", m }' "$T/notify.log")
if fge 1.9 "$gap"; then ok "start 1: longest gap between pings ${gap} s, under the 2 s period"
else notok "start 1: a ${gap} s gap between pings (period 2 s)"; fi
kill -TERM "$PID"
wait_exit "$PID" 15
check "start 1: SIGTERM: exit status 0, nothing on stderr" "0 " "$RC $(cat "$T/run1.err")"
check "start 1: STOPPING=1 said" 1 "$(said 'STOPPING=1')"
c1() { q "$DB" "select (select count(*) from dialogs where capture_id = 1) || ' ' ||
	(select count(*) from messages m join dialogs d on d.id = m.dialog_id where d.capture_id = 1) || ' ' ||
	(select count(*) from findings where capture_id = 1)"; }
before=$(c1)
case $before in 3\ *) ok "start 1: 3 dialogs stored ($before: dialogs messages findings)" ;;
*) notok "start 1: stored '$before' (want 3 dialogs)" ;; esac

run 2
if waitfor 10 ready; then ok "start 2 on the same db: READY=1"; else notok "start 2: no READY=1: $(cat "$T/run2.err")"; fi
$SEND dialog "$NET.13" "$NET.33" sw17s-second invite,ok,ack,bye,bye_ok
waitfor 5 sh -c "[ \"\$(sqlite3 '$DB' 'select count(*) from dialogs where capture_id = 2' 2>/dev/null)\" = 1 ]"
kill -TERM "$PID"
wait_exit "$PID" 15
check "start 2: SIGTERM: exit status 0, nothing on stderr" "0 " "$RC $(cat "$T/run2.err")"
check "restart: a second captures row, both ended" "2 2" \
	"$(q "$DB" "select count(*) || ' ' || count(ended) from captures")"
check "restart: the first capture's dialogs, messages and findings unchanged" "$before" "$(c1)"
check "restart: the second capture holds its dialog" "sw17s-second" \
	"$(q "$DB" "select call_id from dialogs where capture_id = 2")"
check "db: integrity_check ok" ok "$(q "$DB" 'pragma integrity_check')"
check "db and events file owned by nobody" "65534 65534" \
	"$(stat -c %u "$DB" "$T/state/events.jsonl" | tr '\n' ' ' | sed 's/ $//')"

# Without the capabilities the unit grants: no capture, one line, status 1.
setpriv --reuid nobody --regid nogroup --clear-groups --bounding-set -all --no-new-privs \
	"$SW_BIN" -i lo -f "$F" --no-ui -d "$T/state/nocaps.db" >"$T/nocaps.out" 2>"$T/nocaps.err" </dev/null
check "without CAP_NET_RAW: status 1, one line naming the capability" "1 1" \
	"$? $(grep -c 'CAP_NET_RAW' "$T/nocaps.err")"

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the ExecStart binary and the user to exist: this build, root
	# (and the man page installed: --man=no)
	sed -e "s|/usr/local/bin/sipwatch|$(cd "$(dirname "$SIPWATCH")" && pwd)/$(basename "$SIPWATCH")|" \
		-e 's/^User=sipwatch/User=root/' -e 's/^Group=sipwatch/Group=root/' "$UNIT" >"$T/sipwatch.service"
	if systemd-analyze verify --man=no "$T/sipwatch.service" >"$T/verify.out" 2>&1; then ok "systemd-analyze verify accepts the unit"
	else notok "systemd-analyze verify: $(head -3 "$T/verify.out" | tr '\n' ' ')"; fi
else
	echo "skip - systemd-analyze not installed: the unit is not verified"
fi
exit 0
