#!/bin/sh
# Kernel drops are counted, and the same count shows everywhere (issue 17,
# item 3).  sipwatch captures live on lo (the dashboard in a private tmux
# server, 120x40, and --metrics) with the smallest capture buffer (-B 1: one
# ring block), filtered to 127.0.210.0/24; a Python sender floods UDP port 5060
# there as fast as it can, so the kernel must drop.  Then, once the counters
# have settled:
#   - Prometheus: sipwatch_dropped_packets_total{where="kernel"} > 0;
#   - the captures row's dropped = the metrics' sum = the dashboard's "drops N";
#   - each packet sent was either captured or counted as dropped, once: on lo
#     every packet passes the packet socket twice, and the outgoing copies
#     used to double the drop count (capture/source_open.c);
#   - after q: the final captures row is at least what was seen live, and the
#     text and JSON reports say exactly the final row.
# Exact numbers depend on the machine's load and are never asserted.  About 10 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and tmux python3 curl sqlite3 jq flock
live_lock sw17s_drops
LC_ALL=C.UTF-8
export LC_ALL

NET=127.0.210
MPORT=21064
DB=$T/drops.db
sock="sw17s-drops-$$"
X() { tmux -L "$sock" -f /dev/null "$@"; }
LIVE_ON_EXIT="tmux -L $sock -f /dev/null kill-server >/dev/null 2>&1"
pane() { X capture-pane -t dash -p 2>/dev/null; }

X new-session -d -s dash -x 120 -y 40 "env LANG=C.UTF-8 TZ=UTC sh -c 'echo \$\$ >\"$T/pid\";
	exec \"$SIPWATCH\" -i lo -B 1 -f \"udp and net $NET.0/24\" -d \"$DB\" --metrics $NET.1:$MPORT \
	2>\"$T/dash.err\"'; echo EXIT=\$?; sleep 30"
waitfor 10 sh -c "[ -s '$T/pid' ]"
PID=$(cat "$T/pid" 2>/dev/null)
[ -n "$PID" ] && track "$PID"
if waitfor 10 sw_ready "${PID:-0}" "$DB" && alive "${PID:-0}" && waitfor 10 sh -c "tmux -L $sock capture-pane -t dash -p | grep -q 'drops 0'"
then ok "sipwatch live on lo with -B 1: the dashboard says drops 0"
else notok "sipwatch did not start: $(cat "$T/dash.err" 2>/dev/null) $(pane | head -3)"; exit 0; fi

metric() { # NAME: the value of the sample whose line starts with NAME
	curl -s --max-time 2 "http://$NET.1:$MPORT/metrics" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'
}
kernel() { metric 'sipwatch_dropped_packets_total{where="kernel"}'; }
cat >"$T/flood.py" <<'EOF'
import socket, sys, time
src, dst, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind((dst, 5060))  # bound and never read: no ICMP port unreachable back
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.bind((src, 5060))
pay, n, end = b"not SIP, a flood " * 20, 0, time.monotonic() + secs
while time.monotonic() < end:
    for _ in range(500):
        tx.sendto(pay, (dst, 5060))
    n += 500
print(n)
EOF
# Flood 2 s at a time until the kernel has dropped (at most 3 rounds).
sent=0 round=0
while [ "$round" -lt 3 ]; do
	round=$((round + 1))
	n=$(timeout 10 python3 "$T/flood.py" "$NET.11" "$NET.12" 2) || n=0
	sent=$((sent + n))
	sleep 1.2 # the capture thread reads the kernel's counters once a second
	[ "$(kernel)" != "" ] && [ "$(kernel)" -gt 0 ] 2>/dev/null && break
done
echo "# $round flood round(s), $sent packets sent"

# Settled: the kernel count unchanged over 1.5 s and the db row caught up
# (it is written once a second); bounded.
row() { q "$DB" "select dropped from captures order by id desc limit 1"; }
dash() { pane | head -1 | sed -n 's/.* drops \([0-9][0-9]*\) .*/\1/p'; }
sum() { echo $(($(kernel) + $(metric 'sipwatch_dropped_packets_total{where="queue"}'))); }
settled() {
	a=$(sum)
	sleep 1.5
	[ "$a" = "$(sum)" ] && [ "$a" = "$(row)" ] && [ "$a" = "$(dash)" ]
}
waitfor 15 settled
k=$(kernel)
m=$(sum)
if [ -n "$k" ] && [ "$k" -gt 0 ] 2>/dev/null; then ok "Prometheus: kernel drops counted ($k)"
else notok "Prometheus: kernel drops = '$k' after $sent packets sent with -B 1"; fi
check "captures row: dropped = the metrics' kernel + queue drops" "$m" "$(row)"
check "dashboard top bar: drops = the metrics' count" "$m" "$(dash)"
live_pkts=$(metric sipwatch_packets_total)
check "every packet sent is captured or dropped, counted once (lo)" "$sent" "$((live_pkts + k))"

X send-keys -t dash q
if waitfor 15 sh -c "tmux -L $sock capture-pane -t dash -p | grep -q 'EXIT='"; then
	check "q: sipwatch exits 0" "EXIT=0" "$(pane | grep -o 'EXIT=[0-9]*' | head -1)"
else notok "sipwatch did not exit after q: $(pane | tail -3 | tr '\n' ' ')"; fi
check "nothing on stderr" "" "$(cat "$T/dash.err")"
final=$(row)
if [ -n "$final" ] && [ "$final" -ge "$m" ] 2>/dev/null; then ok "final captures row: dropped $final >= $m seen live"
else notok "final captures row: dropped '$final', live $m"; fi
"$SIPWATCH" --open "$DB" --report json </dev/null >"$T/r.json" 2>"$T/r.err"
check "JSON report: capture.dropped = the captures row" "$final" "$(jq -r .capture.dropped "$T/r.json" 2>/dev/null)"
"$SIPWATCH" --open "$DB" --report text </dev/null >"$T/r.txt" 2>"$T/r.err"
check "text report: dropped = the captures row" "$final" "$(awk '$1 == "dropped" { print $2 }' "$T/r.txt")"
exit 0
