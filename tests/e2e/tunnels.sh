#!/bin/sh
# Tunnels (issue 15): the recorded seed outage (u02) and healthy
# timer call (u03), wrapped by Scapy in every encapsulation sipwatch opens
# (tests/captures/tunnels/make_tunnels.py; tshark confirmed each), give the
# same verdicts as the plain call, as many stored messages as tshark sees
# SIP messages, with the inner addresses, and a non-zero counter for the
# encapsulation.  tunnels_vxlan.sh: real SIPp calls across a real kernel VXLAN tunnel
# between network namespaces, captured on the underlay (skipped without
# root, netns or the vxlan module).
. tests/e2e/lib.sh
C=tests/captures/tunnels
P=tests/captures/corpus

# verdicts PCAP OUT: run sipwatch, keep the JSON report and the db
run_sw() {
	timeout 60 $SIPWATCH -r "$1" -d "$2.db" --no-ui --report json >"$2.json" 2>"$2.err"
}
# what must not depend on the wrapping: per dialog its end class, doom,
# findings, refresh counts and session interval; the summary
verdict() {
	jq -c '[.summary, [.dialogs[] | {call_id, end_class, doomed, refreshes_ok,
		refreshes_failed, session_expires, codes: [.findings[].code]}]]' "$1"
}
addrs() {
	sqlite3 "$1" "select src || '>' || dst || ' ' || transport from messages order by id"
}

for plain in u02_seed_dropped_se90_realtime u03_healthy_update_se90_realtime; do
	run_sw "$P/$plain.pcap" "$T/$plain"
	verdict "$T/$plain.json" >"$T/$plain.verdict"
	addrs "$T/$plain.db" | sed 's/ udp$//' >"$T/$plain.addrs"
done

grep -v '^#' $C/expected.txt | while read -r cap plain counter msgs; do
	[ -n "$cap" ] || continue
	base=${plain%.pcap}
	out="$T/$cap"
	run_sw "$C/$cap" "$out"
	check "$cap: exit status" 0 "$?"
	check "$cap: verdicts as on the plain call" "$(cat "$T/$base.verdict")" "$(verdict "$out.json")"
	check "$cap: SIP messages (tshark: $msgs)" "$msgs" "$(jq .capture.sip_messages "$out.json")"
	check "$cap: db message rows" "$msgs" "$(sqlite3 "$out.db" 'select count(*) from messages')"
	check "$cap: nothing left undecoded" "{}" "$(jq -c .capture.not_decoded "$out.json")"
	n=$(jq ".capture.encapsulations.$counter // 0" "$out.json")
	if [ "$n" -gt 0 ]; then ok "$cap: encap.$counter counted ($n)"; else notok "$cap: encap.$counter is 0"; fi
	case $cap in
	*_sit.pcap) ;; # the inner packets are IPv6 there
	*_sctp.pcap)
		check "$cap: inner addresses, sctp" "$(sed 's/$/ sctp/' "$T/$base.addrs")" "$(addrs "$out.db")" ;;
	*)
		check "$cap: inner addresses" "$(cat "$T/$base.addrs")" "$(addrs "$out.db" | sed 's/ udp$//')" ;;
	esac
done
