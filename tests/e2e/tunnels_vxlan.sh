#!/bin/sh
# Real calls across a real kernel VXLAN tunnel (issue 15).  Two network
# namespaces joined by a veth pair (the underlay, 10.140.0.0/24), a VXLAN
# device on each end (VNI 42, UDP 4789; the overlay, 10.140.1.0/24); SIPp
# callers in one, SIPp callees in the other; sipwatch captures on the
# underlay veth with its default filter, so it sees only VXLAN packets.  The
# same two calls -- the seed outage (the refresh UPDATE answered by a 200
# without Contact and Session-Expires, teardown at 60 s) and a healthy timer
# call (refresh at 45 s, BYE at 50 s) -- run at the same time on plain
# loopback (127.0.140.x) under a second sipwatch.  The verdicts must be
# identical and the stored messages carry the inner (overlay) addresses.
# The other tunnel types are probed in a namespace: this kernel's modules
# decide (the recorded captures of tunnels.sh cover them all).  About 70 s,
# the length of the scenarios (a refresh at 45 s, the teardown at 60 s).
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and sipp ip sqlite3 jq ss timeout flock
live_lock sw15t-tunnels

NA=sw15t-a-$$ NB=sw15t-b-$$ VA=sw15ta$$ VB=sw15tb$$
if ! ip netns add "$NA" 2>/dev/null; then
	echo "skip - ip netns add does not work here (no network namespaces)"
	exit 0
fi
LIVE_ON_EXIT="ip netns del $NA 2>/dev/null; ip netns del $NB 2>/dev/null"
UA=10.140.0.1 UB=10.140.0.2             # underlay
CA=10.140.1.10 CB=10.140.1.11           # callers (overlay, in NA)
EH=10.140.1.30 EB=10.140.1.31           # callees (overlay, in NB)
LIMIT=90

# Which tunnel devices this kernel can make (a namespace of our own).
for kind in gre gretap ip6gre erspan geneve ipip sit; do
	case $kind in
	geneve) args="id 7 remote 10.140.9.2" ;;
	erspan) args="seq key 1 erspan_ver 1 erspan 3 local 10.140.9.1 remote 10.140.9.2" ;;
	ip6gre) args="local 2001:db8::1 remote 2001:db8::2" ;;
	*) args="local 10.140.9.1 remote 10.140.9.2" ;;
	esac
	# shellcheck disable=SC2086
	if ip -n "$NA" link add "sw15t$kind" type $kind $args 2>/dev/null; then
		ip -n "$NA" link del "sw15t$kind" 2>/dev/null
		echo "# kernel: $kind available (covered by the recorded captures of tunnels.sh)"
	else
		echo "# kernel: no $kind device here (module missing); tunnels.sh covers it with recorded captures"
	fi
done

setup() {
	ip netns add "$NB" &&
		ip link add "$VA" type veth peer name "$VB" &&
		ip link set "$VA" netns "$NA" && ip link set "$VB" netns "$NB" &&
		ip -n "$NA" addr add "$UA/24" dev "$VA" && ip -n "$NB" addr add "$UB/24" dev "$VB" &&
		ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
		ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up &&
		ip -n "$NA" link add vx42 type vxlan id 42 local $UA remote $UB dstport 4789 dev "$VA" &&
		ip -n "$NB" link add vx42 type vxlan id 42 local $UB remote $UA dstport 4789 dev "$VB" &&
		ip -n "$NA" addr add $CA/24 dev vx42 && ip -n "$NA" addr add $CB/24 dev vx42 &&
		ip -n "$NB" addr add $EH/24 dev vx42 && ip -n "$NB" addr add $EB/24 dev vx42 &&
		ip -n "$NA" link set vx42 up && ip -n "$NB" link set vx42 up
}
if ! setup 2>"$T/setup.err"; then
	echo "skip - cannot build the VXLAN tunnel: $(head -1 "$T/setup.err")"
	exit 0
fi
ok "two namespaces, a veth underlay, a kernel VXLAN overlay (VNI 42, UDP 4789)"

SW_PREFIX="ip netns exec $NA"
sw_start vx "$T/vx.db" -i "$VA" --report json
SW_VX=$SW_PID
SW_PREFIX=""
sw_start lo "$T/lo.db" -i lo -f "net 127.0.140.0/24" --report json
SW_LO=$SW_PID
if alive "$SW_VX" && alive "$SW_LO"; then ok "sipwatch on the underlay and on lo"
else notok "sipwatch did not start: $(cat "$T/vx.err" "$T/lo.err")"; fi

# calls PREFIX_CALLER PREFIX_CALLEE NAME CALLER_H CALLER_B CALLEE_H CALLEE_B
calls() {
	SIPP_PREFIX=$2
	sipp_uas "$T/$3-uas-h" "$6" standard $((LIMIT + 20)) || notok "$3: healthy callee did not start"
	sipp_uas "$T/$3-uas-b" "$7" update_2xx_bare $((LIMIT + 20)) || notok "$3: outage callee did not start"
	SIPP_PREFIX=$1
	sipp_uac "$T/$3-uac-h" "$4" "$6:5060" "$6:5060" one_update "$3-healthy" $LIMIT
	eval "UACH_$3=\$UAC_PID"
	sipp_uac "$T/$3-uac-b" "$5" "$7:5060" "$7:5060" teardown_60 "$3-outage" $LIMIT \
		-max_retrans 5 -max_non_invite_retrans 5
	eval "UACB_$3=\$UAC_PID"
}
calls "ip netns exec $NA" "ip netns exec $NB" vx $CA $CB $EH $EB
calls "" "" lo 127.0.140.10 127.0.140.11 127.0.140.30 127.0.140.31
for name in vx lo; do
	for v in UACH UACB; do
		eval "pid=\$${v}_$name"
		wait_exit "$pid" $((LIMIT + 15))
		check "$name: SIPp caller ($v) completed its call" 0 "$RC"
	done
done
sleep 1
kill -INT "$SW_VX" "$SW_LO" 2>/dev/null
wait_exit "$SW_VX" 20
check "underlay sipwatch: exit status" 0 "$RC"
wait_exit "$SW_LO" 20
check "loopback sipwatch: exit status" 0 "$RC"

# per call role: doomed, end class, refreshes, the findings
verdicts() {
	jq -c '[.dialogs[] | {role: (.call_id | sub("^[a-z]+-"; "") | sub("-1@.*"; "")),
		doomed, end_class, refreshes_ok, session_expires,
		codes: ([.findings[].code | select(. != "REFRESH_UNANSWERED")] | unique)}]
		| sort_by(.role)' "$1"
}
check "verdicts across the VXLAN tunnel = on loopback" "$(verdicts "$T/lo.out")" "$(verdicts "$T/vx.out")"
check "the outage call is doomed, TIMER_TEARDOWN" "true TIMER_TEARDOWN" \
	"$(jq -r '.dialogs[] | select(.call_id | startswith("vx-outage")) | "\(.doomed) \(.end_class)"' "$T/vx.out")"
check "the healthy call: NORMAL_BYE, not doomed" "false NORMAL_BYE" \
	"$(jq -r '.dialogs[] | select(.call_id | startswith("vx-healthy")) | "\(.doomed) \(.end_class)"' "$T/vx.out")"
n=$(jq '.capture.encapsulations.vxlan // 0' "$T/vx.out")
if [ "$n" -gt 0 ]; then ok "encap.vxlan counted ($n packets)"; else notok "no VXLAN packet counted"; fi
check "same number of messages on both" "$(jq .capture.sip_messages "$T/lo.out")" "$(jq .capture.sip_messages "$T/vx.out")"
check "stored messages carry the overlay addresses" 0 \
	"$(q "$T/vx.db" "select count(*) from messages where src not like '10.140.1.%' or dst not like '10.140.1.%'")"
check "captures row: encap.vxlan stored" "$n" \
	"$(q "$T/vx.db" "select value from capture_counts where name = 'encap.vxlan'")"
exit 0
