#!/bin/sh
# End to end: capture file → decode → dialogs → db → report, on the motivating
# outage (SIPp + Kamailio, UDP, Session-Expires 90): exact report fields, exact
# db rows, and the same dialogs and messages whatever the link type, VLAN stack,
# IP version, fragmentation or transport.
. tests/e2e/lib.sh
CAP=samples/outage-update-200-dropped.pcap

$SIPWATCH -r $CAP -d "$T/a.db" --no-ui --report json >"$T/a.json" 2>"$T/a.err"
check "outage: exit status" 0 $?
check "outage: nothing on stderr" "" "$(cat "$T/a.err")"
j() { jq -r "$1" "$T/a.json"; }
check "outage: packets" 21 "$(j .capture.packets)"
check "outage: sip_messages" 21 "$(j .capture.sip_messages)"
check "outage: parse_errors" 0 "$(j .capture.parse_errors)"
check "outage: kind" file "$(j .capture.kind)"
check "outage: first_ts = frame 1" "$(tshark -r $CAP -Y 'frame.number==1' -T fields -e frame.time_epoch 2>/dev/null | cut -c1-17)" "$(j .capture.first_ts)"
check "outage: one dialog" 1 "$(j '.dialogs|length')"
check "outage: call_id" "u02-1-14299@127.0.1.10" "$(j '.dialogs[0].call_id')"
check "outage: doomed" true "$(j '.dialogs[0].doomed')"
check "outage: end_class" TIMER_TEARDOWN "$(j '.dialogs[0].end_class')"
check "outage: session_expires" 90 "$(j '.dialogs[0].session_expires')"
check "outage: refresher" uac "$(j '.dialogs[0].refresher')"
check "outage: transport" udp "$(j '.dialogs[0].transport')"
# t_ref = the INVITE's 200 on the caller's leg (frame 7); teardown = t_ref + 90 - 30; deadline = t_ref + 90
t_ref=$(tshark -r $CAP -Y 'frame.number==7' -T fields -e frame.time_epoch 2>/dev/null | cut -c1-17)
check "outage: no successful refresh" "null 0 1" "$(j '.dialogs[0]|"\(.last_refresh) \(.refreshes_ok) \(.refreshes_failed)"')"
check "outage: teardown_expected = t_ref + 60" "$(echo "$t_ref + 60" | bc)" "$(j '.dialogs[0].teardown_expected')"
check "outage: deadline = t_ref + 90" "$(echo "$t_ref + 90" | bc)" "$(j '.dialogs[0].deadline')"
doomed_at=$(tshark -r $CAP -Y 'frame.number==12' -T fields -e frame.time_epoch 2>/dev/null | cut -c1-17)
# session-timers.md "Risk and proof": the malformed 200 puts the call at risk;
# the proxy relayed the INVITE's 200 in under a millisecond, so 500 ms (the
# relay-time floor) without the 200 on the caller's leg dooms it
# (RESPONSE_NOT_RELAYED), before the caller's retransmission (frame 13)
check "outage: at_risk_at = the malformed 200 (frame 12)" "$doomed_at" "$(j '.dialogs[0].at_risk_at')"
check "outage: doomed_at = the malformed 200 + 0.5 s" "$(echo "$doomed_at + 0.5" | bc)" "$(j '.dialogs[0].doomed_at')"
check "outage: not at risk any more: doomed" "false true" "$(j '.dialogs[0]|"\(.at_risk) \(.doomed)"')"
check "outage: finding codes" "REFRESH_2XX_NO_CONTACT REFRESH_2XX_NO_SESSION_EXPIRES RESPONSE_NOT_RELAYED TIMER_TEARDOWN" \
	"$(j '[.dialogs[0].findings[].code]|sort|join(" ")')"
check "outage: the malformed 200 blamed on the UCMA side" "127.0.1.30:5060" \
	"$(j '.dialogs[0].findings[]|select(.code=="REFRESH_2XX_NO_CONTACT").endpoint')"
check "outage: endpoint table, callee malformed" 1 \
	"$(j '.endpoints[]|select(.endpoint=="127.0.1.30:5060").malformed')"
check "outage: endpoint table, proxy lost" 1 "$(j '.endpoints[]|select(.endpoint=="127.0.1.20:5060").lost')"
check "outage: summary by_end_class" 1 "$(j '.summary.by_end_class.TIMER_TEARDOWN')"

q() { sqlite3 "$1" "$2"; }
check "db: 21 message rows" 21 "$(q "$T/a.db" 'select count(*) from messages')"
check "db: 6 UPDATE observations (request on the first leg + 5 retransmissions)" 6 \
	"$(q "$T/a.db" "select count(*) from messages where method='UPDATE' and src='127.0.1.10:5060'")"
check "db: the malformed 200 only on the callee→proxy leg" "127.0.1.30:5060|127.0.1.20:5060" \
	"$(q "$T/a.db" "select src, dst from messages where status=200 and cseq_method='UPDATE'")"
check "db: doomed_dialogs view" "u02-1-14299@127.0.1.10" "$(q "$T/a.db" 'select call_id from doomed_dialogs')"
check "db: raw text stored" 2 "$(q "$T/a.db" "select count(*) from messages where method='INVITE' and CAST(raw AS TEXT) like '%v=0%'")"

# The same SIP in every wrapping gives the same dialogs and messages.
sig() { # db → a canonical listing that ignores addresses and transport
	sqlite3 "$1" "select printf('%.6f', ts), coalesce(method, status), cseq, cseq_method from messages order by ts, id;
		select call_id, doomed, end_class, printf('%.6f', teardown_expected), printf('%.6f', doomed_at) from dialogs;
		select code from findings order by code;"
}
sig "$T/a.db" >"$T/ref.sig"
for v in "link113:--link 113" "sll2-qinq:--link 276 --vlan 2" "eth-vlan:--vlan 1" "eth-qinq3:--vlan 3" \
	"null:--link 0" "loop:--link 108" "raw:--link 101" "raw4:--link 228" "ipv6:--v6" "raw6:--link 229 --v6" \
	"frag:--frag 256" "frag-v6:--v6 --frag 200" "tcp:--tcp" "tcp-split:--tcp --tcp-split 4" \
	"tcp-reorder:--tcp --tcp-split 3 --tcp-reorder" "tcp-v6-vlan:--tcp --v6 --vlan 1"; do
	name=${v%%:*}
	# shellcheck disable=SC2086
	$TOOLS/pcap_rewrap $CAP "$T/$name.pcap" ${v#*:} 2>/dev/null
	$SIPWATCH -r "$T/$name.pcap" -d "$T/$name.db" --no-ui >/dev/null 2>&1
	sig "$T/$name.db" >"$T/$name.sig"
	if cmp -s "$T/ref.sig" "$T/$name.sig"; then ok "same dialogs and messages: $name"; else
		notok "same dialogs and messages: $name"; diff "$T/ref.sig" "$T/$name.sig" | head -5 | sed 's/^/# /'; fi
done
check "ipv6 addresses shown as [v6]:port" "[fd00::7f:0:1:a]:5060" \
	"$(q "$T/ipv6.db" "select src from messages order by ts limit 1")"
check "tcp transport recorded" tcp "$(q "$T/tcp.db" "select transport from dialogs")"

# A mirror port's copies: identical bytes on the same leg within 50 ms.
$TOOLS/pcap_rewrap $CAP "$T/dup.pcap" --mirror-dup 2>/dev/null
$SIPWATCH -r "$T/dup.pcap" -d "$T/dup.db" --no-ui --report json >"$T/dup.json" 2>/dev/null
check "mirror duplicates counted" 21 "$(jq .capture.duplicates "$T/dup.json")"
check "mirror duplicates not stored" 21 "$(q "$T/dup.db" 'select count(*) from messages')"

# stdin, and two runs giving the same results
$SIPWATCH -r - -d "$T/stdin.db" --no-ui <$CAP >/dev/null 2>&1
check "stdin: exit" 0 $?
sig "$T/stdin.db" >"$T/stdin.sig"
check_cmd "stdin: same results" cmp -s "$T/ref.sig" "$T/stdin.sig"
$SIPWATCH -r $CAP -d "$T/b.db" --no-ui --report json >"$T/b.json" 2>/dev/null
check_cmd "two runs, same report" cmp -s "$T/a.json" "$T/b.json"

# Standard input may be a live pipe (tcpdump -w - | sipwatch -r -): unlike a
# file, whose dialog rows wait for their end, a dialog's row is in the db
# while the call is still up.  The healthy call up to its ACK, a pause, the rest.
HU=samples/healthy-update.pcap
editcap -F pcap -r $HU "$T/head.pcap" 1-9 2>/dev/null
editcap -F pcap -r $HU "$T/rest.pcap" 10-100000 2>/dev/null
mkfifo "$T/pipe"
$SIPWATCH -r - -d "$T/pipe.db" --no-ui <"$T/pipe" >/dev/null 2>&1 &
PIPE_PID=$!
exec 3>"$T/pipe"
cat "$T/head.pcap" >&3
state=""
i=0
while [ $i -lt 100 ]; do # 10 s at most
	state=$(q "$T/pipe.db" "select state from dialogs" 2>/dev/null)
	[ "$state" = confirmed ] && break
	sleep 0.1
	i=$((i + 1))
done
tail -c +25 "$T/rest.pcap" >&3 # without the file header
exec 3>&-
wait $PIPE_PID
check "stdin pipe: exit" 0 $?
check "stdin pipe: the dialog's row in the db while the call is up" confirmed "$state"
$SIPWATCH -r $HU -d "$T/hu.db" --no-ui >/dev/null 2>&1
row="select end_class, n_messages, refreshes_ok, established, ended from dialogs"
check "stdin pipe: its final row the same as from the file" "$(q "$T/hu.db" "$row")" \
	"$(q "$T/pipe.db" "$row")"

# Several captures appended to one db
$SIPWATCH -r samples/healthy-update.pcap -d "$T/a.db" --no-ui --report json >"$T/c.json" 2>/dev/null
check "append: two captures rows" 2 "$(q "$T/a.db" 'select count(*) from captures')"
check "append: report covers only its capture" "u03-1-14297@127.0.2.10" "$(jq -r '.dialogs[].call_id' "$T/c.json")"
check "append: healthy call not doomed" "false NORMAL_BYE 0" "$(jq -r '.dialogs[0]|"\(.doomed) \(.end_class) \(.findings|length)"' "$T/c.json")"

# --headers-only keeps headers, drops bodies
$SIPWATCH -r $CAP -d "$T/h.db" --no-ui --headers-only >/dev/null 2>&1
check "headers-only: no SDP stored" 0 "$(q "$T/h.db" "select count(*) from messages where CAST(raw AS TEXT) like '%v=0%'")"
check "headers-only: headers stored" 2 "$(q "$T/h.db" "select count(*) from messages where method='INVITE' and CAST(raw AS TEXT) like '%Session-Expires%'")"

# Exit statuses and events
$SIPWATCH -r $CAP -d "$T/f.db" --no-ui --fail-on-doomed >/dev/null 2>&1
check "--fail-on-doomed: exit 3" 3 $?
$SIPWATCH -r samples/healthy-update.pcap -d "$T/f.db" --no-ui --fail-on-doomed >/dev/null 2>&1
check "--fail-on-doomed on a healthy call: exit 0" 0 $?
$SIPWATCH -r $CAP -d "$T/e.db" --no-ui --events "$T/events.jsonl" >/dev/null 2>&1
check "events: at risk, doomed, teardown" "at_risk doomed teardown" "$(jq -r .event "$T/events.jsonl" | tr '\n' ' ' | sed 's/ $//')"
check "events: doomed event names the call" "u02-1-14299@127.0.1.10" "$(jq -r 'select(.event=="doomed").call_id' "$T/events.jsonl")"
