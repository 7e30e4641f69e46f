#!/bin/bash
# Records methods.pcap: SIP outside INVITE dialogs between real components on
# loopback 127.0.220.0/24 — a SIPp client (127.0.220.10) registering with a
# Kamailio registrar (127.0.220.20, kamailio.cfg) that challenges it (401)
# twice (first registration and refresh, same Call-ID), three OPTIONS pings
# and a MESSAGE to Kamailio, and a SUBSCRIBE/NOTIFY subscription with a SIPp
# notifier (127.0.220.30) ended by an unsubscribe.  tcpdump records on lo.
#
#   sudo tests/captures/methods/record.sh    # writes methods.pcap, methods.txt
#
# Every process runs under timeout(1) and is stopped by its PID.  Needs root,
# sipp, kamailio, tcpdump, tshark.  Expected verdicts: expected.txt.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NET=127.0.220
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sw18m-record.XXXXXX") || exit 1
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in $pids; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

MPATH=
for d in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/kamailio/modules; do
	[ -f "$d/tm.so" ] && MPATH=$d && break
done
[ -n "$MPATH" ] || { echo "no kamailio modules"; exit 1; }

waitfor() { # seconds cmd...
	local n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
udp_up() { ss -Hlun "src $1" 2>/dev/null | grep -q .; }

timeout -k 2 120 tcpdump -i lo -n -s 0 -U -w "$tmp/cap.pcap" "net $NET.0/24" >"$tmp/tcpdump.log" 2>&1 &
pids="$pids $!"
waitfor 10 grep -qs "listening on" "$tmp/tcpdump.log" || { echo "tcpdump did not start"; exit 1; }

timeout -k 2 100 kamailio -f "$HERE/kamailio.cfg" -L "$MPATH" -DD -E -Y "$tmp" -P "$tmp/k.pid" \
	-w "$tmp" -m 32 -M 4 -A PROXY_IP=$NET.20 >"$tmp/kamailio.log" 2>&1 &
pids="$pids $!"
waitfor 10 udp_up $NET.20:5060 || { echo "kamailio did not start"; cat "$tmp/kamailio.log"; exit 1; }

common="-t u1 -bind_local -nostdin -timeout 30s -timeout_error -p 5060 -trace_err"
(cd "$tmp" && exec timeout -k 2 60 sipp -sf "$HERE/subscribe.uas.xml" -i $NET.30 -m 1 $common \
	>uas.out 2>&1 </dev/null) &
uas=$!
pids="$pids $uas"
waitfor 10 udp_up $NET.30:5060 || { echo "sipp notifier did not start"; exit 1; }

run() { # name dest scenario extra...
	local name=$1 dest=$2 sf=$3
	shift 3
	(cd "$tmp" && timeout -k 2 40 sipp "$dest" -sf "$HERE/$sf" -i $NET.10 $common \
		-cid_str "sw18m-$name-%u@%s" "$@" >"$name.out" 2>&1 </dev/null) ||
		{ echo "sipp $name failed:"; tail -5 "$tmp/$name.out"; cat "$tmp"/*err* 2>/dev/null | tail -20; exit 1; }
}
run register $NET.20:5060 register.uac.xml -m 1
run options $NET.20:5060 options.uac.xml -m 3 -r 2
run message $NET.20:5060 message.uac.xml -m 1
run subscribe $NET.30:5060 subscribe.uac.xml -m 1
wait "$uas" || { echo "sipp notifier failed"; tail -5 "$tmp/uas.out"; exit 1; }
sleep 0.5
cp "$tmp/cap.pcap" "$HERE/methods.pcap.part"
sleep 0.2
kill -TERM $pids 2>/dev/null
sleep 0.5
cp "$tmp/cap.pcap" "$HERE/methods.pcap"
rm -f "$HERE/methods.pcap.part"
{
	echo "# tshark -r methods.pcap -Y sip  (times: frame.time_relative)"
	tshark -r "$HERE/methods.pcap" -Y sip -T fields -e frame.number -e frame.time_relative \
		-e ip.src -e ip.dst -e sip.Method -e sip.Status-Code -e sip.CSeq -e sip.Call-ID 2>/dev/null
} >"$HERE/methods.txt"
echo "recorded $HERE/methods.pcap ($(grep -vc '^#' "$HERE/methods.txt") SIP messages)"
