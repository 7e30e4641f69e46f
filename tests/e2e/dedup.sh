#!/bin/sh
# Mirror duplicates versus retransmissions (issue 15 item 5).  A packet seen
# twice 1 ms apart with the same IPv4 ID is one message; a 200 OK sent again
# 9 ms later with a new IPv4 ID is a second message, marked retransmission
# (tests/captures/dedup/make_dedup.py).  And on every bundled capture without
# mirror duplicates the messages table holds exactly as many rows as tshark
# shows SIP messages.
. tests/e2e/lib.sh
D=tests/captures/dedup/u03_mirror_and_retransmission.pcap
timeout 60 $SIPWATCH -r $D -d "$T/d.db" --no-ui --report json >"$T/d.json" 2>"$T/d.err"
check "dedup: exit status" 0 "$?"
check "dedup: messages, duplicates" "22 1" "$(jq -r '"\(.capture.sip_messages) \(.capture.duplicates)"' "$T/d.json")"
check "dedup: db rows" 22 "$(sqlite3 "$T/d.db" 'select count(*) from messages')"
check "dedup: the 9 ms retransmission is kept and marked" "200|UPDATE|1" \
	"$(sqlite3 "$T/d.db" 'select status, cseq_method, retransmission from messages where retransmission = 1')"
check "dedup: the call is still healthy" '["NORMAL_BYE"]' "$(jq -c '[.dialogs[].end_class]' "$T/d.json")"

if ! command -v tshark >/dev/null 2>&1; then
	echo "skip - tshark not installed: messages rows against tshark's SIP count"
	exit 0
fi
n=0
for f in tests/captures/corpus/*.pcap tests/captures/peers/*.pcap \
	tests/captures/tunnels/u03_vxlan_frag.pcap tests/captures/tunnels/u02_sctp.pcap $D; do
	n=$((n + 1))
	# one CSeq per SIP message: a frame may carry several (TCP, SCTP bundles)
	want=$(tshark -n -r "$f" -Y sip -T fields -e sip.CSeq 2>/dev/null | tr ',' '\n' | grep -c .)
	[ "$f" = $D ] && want=$((want - 1)) # its one mirror duplicate
	timeout 60 $SIPWATCH -r "$f" -d "$T/$n.db" --no-ui >/dev/null 2>&1
	check "$(basename "$f"): messages rows = tshark SIP messages" "$want" \
		"$(sqlite3 "$T/$n.db" 'select count(*) from messages')"
done
