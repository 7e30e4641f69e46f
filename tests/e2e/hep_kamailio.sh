#!/bin/sh
# HEP v3 from a real capture agent: Kamailio (tests/peers/kamailio.cfg with
# siptrace, trace_mode 1, agent id 2001, DROP_2XX_NO_CONTACT) relays the seed
# outage call (SIPp teardown_60 caller → proxy → update_2xx_bare callee, all on
# 127.0.150.x) and mirrors every message it receives and sends to
#   A: sipwatch --hep-listen 127.0.150.5:9060 (nothing else: HEP is its only input)
#   B: sipwatch -i lo -f 'net 127.0.150.0/24', which sees each message twice,
#      on the wire and inside the HEP packets to A (decoded on port 9060)
# Asserted: A builds the dialog from HEP alone (HEP's own addresses, the agent
# id on every message), with findings for the bad 200 and doomed before the
# BYE (what holds whether a header defect dooms or only RESPONSE_NOT_RELAYED
# does); B stores each message once (as many as A) and counts the HEP copies
# as duplicates.  About 65 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and sipp kamailio sqlite3 jq ss timeout flock
live_lock sw15h-hep

LIMIT=90
NET=127.0.150
BAD=hep-outage-1@$NET.11

sw_start swa "$T/a.db" --hep-listen "$NET.5:9060" --report json
SWA=$SW_PID
sw_start swb "$T/b.db" -i lo -f "net $NET.0/24" --report json
SWB=$SW_PID
if alive "$SWA" && alive "$SWB"; then ok "both sipwatch instances started"
else notok "sipwatch did not start: $(cat "$T/swa.err" "$T/swb.err")"; exit 0; fi
check "A: listens on UDP and TCP $NET.5:9060" "2" \
	"$( (ss -Hlun "src $NET.5:9060"; ss -Hltn "src $NET.5:9060") | grep -c .)"

kam_start "$T/kam" "$NET.20" $((LIMIT + 30)) DROP_2XX_NO_CONTACT "HEP_URI=\"sip:$NET.5:9060\"" ||
	{ notok "kamailio did not start: $(grep -m3 -iE 'error|crit' "$T/kam/kamailio.log")"; exit 0; }
sipp_uas "$T/uas" "$NET.31" update_2xx_bare $((LIMIT + 20)) || { notok "callee did not start"; exit 0; }
sipp_uac "$T/uac" "$NET.11" "$NET.20:5060" "$NET.31:5060" teardown_60 hep-outage $LIMIT \
	-max_retrans 5 -max_non_invite_retrans 5
UAC=$UAC_PID

# While the call runs: the first wall time A's db shows the dialog doomed.
end=$(($(date +%s) + LIMIT + 10))
seen=""
while [ "$(date +%s)" -lt "$end" ] && alive "$UAC"; do
	if [ -z "$seen" ] && [ "$(q "$T/a.db" "select max(doomed) from dialogs where call_id = '$BAD'")" = 1 ]; then
		seen=$(now)
	fi
	sleep 0.2
done
wait_exit "$UAC" 15
check "SIPp caller completed its call" 0 "$RC"
sleep 1
kill -INT "$SWA" "$SWB" 2>/dev/null
wait_exit "$SWA" 20
check "A: SIGINT: exit status" 0 "$RC"
wait_exit "$SWB" 20
check "B: SIGINT: exit status" 0 "$RC"
check "A: nothing on stderr" "" "$(cat "$T/swa.err")"

a() { q "$T/a.db" "$1"; }
dq() { a "select $1 from messages m join dialogs d on d.id = m.dialog_id where d.call_id = '$BAD' and $2"; }
nmsg=$(a "select count(*) from messages")
if [ "${nmsg:-0}" -ge 10 ]; then ok "A: $nmsg messages from HEP"; else notok "A: only '$nmsg' messages from HEP"; fi
check "A: every message carries agent id 2001" "2001|$nmsg" \
	"$(a "select group_concat(distinct hep_agent_id), count(*) from messages")"
check "A: messages keep HEP's addresses (never the agent→collector leg)" 0 \
	"$(a "select count(*) from messages where src like '$NET.5:%' or dst like '$NET.5:%' or src not like '$NET.%'")"
check "A: the bad 200 to UPDATE came from the callee" "$NET.31:5060" \
	"$(dq "m.src" "m.status = 200 and m.cseq_method = 'UPDATE' limit 1")"
check "A: a finding for the bad 200" "REFRESH_2XX_NO_CONTACT" \
	"$(a "select distinct f.code from findings f join dialogs d on d.id = f.dialog_id where d.call_id = '$BAD' and f.code = 'REFRESH_2XX_NO_CONTACT'")"
check "A: the dialog is doomed at the end" 1 "$(a "select doomed from dialogs where call_id = '$BAD'")"
tsbye=$(dq "printf('%.6f', min(m.ts))" "m.method = 'BYE'")
if [ -n "$seen" ] && [ -n "$tsbye" ] && fge "$tsbye" "$seen"; then
	ok "A: doomed visible while the call was up ($seen, BYE at $tsbye)"
else
	notok "A: doomed not seen before the BYE (seen '$seen', BYE '$tsbye')"
fi
check "A: report: source and kind" "hep:$NET.5:9060 live" \
	"$(jq -r '"\(.capture.source) \(.capture.kind)"' "$T/swa.out" 2>/dev/null)"

# B: the wire and the HEP copies of each message are one message.
nb=$(q "$T/b.db" "select count(*) from messages")
check "B: mirror + HEP copies stored once (as many messages as A)" "$nmsg" "$nb"
dup=$(q "$T/b.db" "select duplicates from captures")
if [ "${dup:-0}" -ge "$nmsg" ]; then ok "B: the HEP copies counted as duplicates ($dup)"
else notok "B: duplicates $dup < $nmsg messages"; fi
check "B: the same dialog doomed" 1 "$(q "$T/b.db" "select doomed from dialogs where call_id = '$BAD'")"
exit 0
