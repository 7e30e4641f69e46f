#!/bin/sh
# The --hep-listen collector under attack: while 80 TCP connections (more than
# the 64 allowed) sit on half a HEP header, others send HTTP, and 20000
# garbage UDP datagrams and 2000 lying HEP packets (zero-length chunks,
# lengths beyond the packet) arrive, a real call (samples/outage-update-200-
# dropped.pcap, each SIP message wrapped in HEP3 by tests/e2e/hep_send.py) is
# sent between them, over UDP and over one TCP connection.  Every message of
# the call must be stored, the verdict must be the one of the pcap, the
# garbage counted as parse errors, sipwatch's memory bounded.  A few seconds.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
command -v python3 >/dev/null 2>&1 || { echo "skip - python3 not installed"; exit 0; }
command -v jq >/dev/null 2>&1 || { echo "skip - jq not installed"; exit 0; }
command -v sqlite3 >/dev/null 2>&1 || { echo "skip - sqlite3 not installed"; exit 0; }
live_lock sw15h-hep-flood
O=samples/outage-update-200-dropped.pcap
ADDR=127.0.150.8
PORT=9061

"$SIPWATCH" -r "$O" -d "$T/ref.db" --no-ui --report json >"$T/ref.json" 2>/dev/null
sw_start sw "$T/h.db" --hep-listen "$ADDR:$PORT" --hep-password k3y --report json
SW=$SW_PID
alive "$SW" || { notok "sipwatch did not start: $(cat "$T/sw.err")"; exit 0; }
if timeout 60 python3 tests/e2e/hep_send.py "$O" "$ADDR" "$PORT" k3y >"$T/send.out" 2>&1; then
	ok "sender: $(tail -1 "$T/send.out")"
else
	notok "sender failed: $(tail -3 "$T/send.out")"
fi
sleep 1
rss=$(awk '/VmHWM/ {print $2}' "/proc/$SW/status" 2>/dev/null)
kill -INT "$SW"
wait_exit "$SW" 20
check "SIGINT: exit status" 0 "$RC"
echo "# peak RSS ${rss:-?} kB"
if [ "${rss:-999999}" -lt 200000 ]; then ok "peak RSS ${rss} kB (< 200 MB)"; else notok "peak RSS ${rss} kB"; fi
nref=$(jq -r .capture.sip_messages "$T/ref.json")
check "every message of the call stored (UDP + TCP copies are one)" "$nref" \
	"$(q "$T/h.db" "select count(*) from messages")"
dl() { jq -r '[.dialogs[] | "\(.call_id) \(.doomed) \(.end_class) \(.findings | map(.code) | unique | join(","))"] | sort | join(" ; ")' "$1"; }
check "the same verdict as the pcap" "$(dl "$T/ref.json")" "$(dl "$T/sw.out")"
pe=$(jq -r .capture.parse_errors "$T/sw.out")
if [ "${pe:-0}" -ge 22000 ]; then ok "garbage and lying HEP counted as parse errors ($pe)"
else notok "parse errors $pe < 22000"; fi
check "captures row: HEP errors, wrong keys, listener connections closed counted" "1 1 1" \
	"$(q "$T/h.db" "select hep_errors >= 21990, hep_auth_failed >= 200, hep_tcp_closed >= 26 from captures" | tr '|' ' ')"
check "agent id of the sender on every message" "77" "$(q "$T/h.db" "select group_concat(distinct hep_agent_id) from messages")"
exit 0
