#!/bin/sh
# Live capture on a real (virtual) link: two network namespaces joined by a
# veth pair, a SIPp caller in one, a SIPp callee in the other, sipwatch
# capturing on the caller's veth end inside its namespace with the default
# filter.  The 10.241.0.0/24 addresses exist only inside the namespaces made
# here, which are deleted on exit.  Skips when network namespaces are not
# available.  About 10 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and sipp ip sqlite3 jq ss timeout

NA=swlive-a-$$ NB=swlive-b-$$ VA=swla$$ VB=swlb$$
if ! ip netns add "$NA" 2>/dev/null; then
	echo "skip - ip netns add does not work here (no network namespaces)"
	exit 0
fi
LIVE_ON_EXIT="ip netns del $NA 2>/dev/null; ip netns del $NB 2>/dev/null"
A=10.241.0.10 B=10.241.0.30
setup() {
	ip netns add "$NB" &&
		ip link add "$VA" type veth peer name "$VB" &&
		ip link set "$VA" netns "$NA" && ip link set "$VB" netns "$NB" &&
		ip -n "$NA" addr add "$A/24" dev "$VA" && ip -n "$NB" addr add "$B/24" dev "$VB" &&
		ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
		ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up
}
if ! setup 2>"$T/setup.err"; then
	echo "skip - cannot set up the veth pair: $(head -1 "$T/setup.err")"
	exit 0
fi
ok "two namespaces joined by a veth pair"
link_up() { ip -n "$1" link show "$2" 2>/dev/null | grep -q 'state UP'; }
if waitfor 5 link_up "$NA" "$VA" && waitfor 5 link_up "$NB" "$VB"; then ok "both veth ends up"
else notok "veth not up: $(ip -n "$NA" -br link show "$VA" 2>&1)"; fi

SW_PREFIX="ip netns exec $NA"
sw_start ns "$T/ns.db" -i "$VA" --report json --events "$T/ns.ev"
pid=$SW_PID
if alive "$pid"; then ok "sipwatch capturing on $VA inside $NA"
else notok "sipwatch did not start: $(cat "$T/ns.err")"; fi

SIPP_PREFIX="ip netns exec $NB"
sipp_uas "$T/uas" "$B" standard 30 || notok "callee did not start: $(tail -3 "$T/uas/uas.out")"
SIPP_PREFIX="ip netns exec $NA"
sipp_uac "$T/uac" "$A" "$B:5060" "$B:5060" live_quick live-netns 30
wait_exit "$UAC_PID" 40
check "SIPp caller completed its call across the veth" 0 "$RC"
sleep 0.5
kill -INT "$pid"
wait_exit "$pid" 15
check "SIGINT: exit status 0" 0 "$RC"
check "nothing on stderr" "" "$(cat "$T/ns.err")"

R=$T/ns.out
j() { jq -r "$1" "$R" 2>/dev/null; }
check "report: live on the veth" "live $VA" "$(j '"\(.capture.kind) \(.capture.source)"')"
check "report: one dialog, the SIPp call" "live-netns-1@$A" "$(j '.dialogs[0].call_id')"
check "report: classified: NORMAL_BYE, not doomed" "NORMAL_BYE false" "$(j '.dialogs[0] | "\(.end_class) \(.doomed)"')"
check "report: session timer seen: 90 s, refresher uac, udp" "90 uac udp" \
	"$(j '.dialogs[0] | "\(.session_expires) \(.refresher) \(.transport)"')"
check "report: no findings" 0 "$(j '.dialogs[0].findings | length')"
check "report: every SIP message parsed, none dropped" "0 0" "$(j '"\(.capture.parse_errors) \(.capture.dropped)"')"
check "db: INVITE 200 ACK BYE 200 in order (provisionals aside)" "INVITE 200 ACK BYE 200" \
	"$(q "$T/ns.db" "select coalesce(method, status) from messages where coalesce(status, 200) >= 200 order by ts" | tr '\n' ' ' | sed 's/ $//')"
check "db: messages from both namespaces" "$A:5060 $B:5060" \
	"$(q "$T/ns.db" "select distinct src from messages order by src" | tr '\n' ' ' | sed 's/ $//')"
check "events: nothing doomed" 0 "$(grep -c doomed "$T/ns.ev")"
exit 0
