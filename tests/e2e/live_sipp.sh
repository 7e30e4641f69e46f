#!/bin/sh
# Live capture with real peers on loopback: sipwatch -i lo watches SIPp calls
# as they happen.  Two ranges run in parallel, each with its own sipwatch
# (-f restricts it to its range, so other tests do not interfere):
#   127.0.41.x  direct, SIPp caller → SIPp callee
#   127.0.42.x  through Kamailio (tests/peers/kamailio.cfg, DROP_2XX_NO_CONTACT)
# In each: a healthy call (refresh UPDATE at 45 s answered properly, BYE at
# 50 s) and the outage call (Session-Expires 90; the callee answers the refresh
# UPDATE at 45 s with a 200 lacking Contact and Session-Expires; direct, the
# caller gets it; through the proxy it is dropped; either way the caller tears
# down at the teardown point, 60 s).  session-timers.md "Risk and proof": the
# bad 200 puts the call at risk at once; through the proxy the evidence (the
# caller's retransmission of the UPDATE the proxy never answered, or the
# proxy's relay time) dooms it with RESPONSE_NOT_RELAYED while the call is
# still up (the latency is printed, asserted only within the contract's 32 s);
# direct, the caller got the 200 and its BYE at the teardown point dooms it.
# The report after SIGINT must agree.  About 65 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and sipp kamailio sqlite3 jq ss timeout flock
live_lock live_sipp

LIMIT=90 # seconds a SIPp call may take at most

# start_range NAME NET VIA: sipwatch + callees (+ Kamailio) + callers for 127.0.NET.x
start_range() {
	name=$1 net=127.0.$2 via=$3
	sw_start "sw-$name" "$T/$name.db" -i lo -f "net $net.0/24" --report json --events "$T/$name.events"
	eval "SW_$name=\$SW_PID"
	if alive "$SW_PID"; then ok "$name: sipwatch capturing on lo"; else
		notok "$name: sipwatch did not start: $(cat "$T/sw-$name.err")"; return 1; fi
	target_h=$net.30:5060 target_b=$net.31:5060
	if [ "$via" = proxy ]; then
		kam_start "$T/$name-kam" "$net.20" $((LIMIT + 30)) DROP_2XX_NO_CONTACT ||
			{ notok "$name: kamailio did not start: $(grep -m3 -iE 'error|crit' "$T/$name-kam/kamailio.log")"; return 1; }
		target_h=$net.20:5060 target_b=$net.20:5060
	fi
	sipp_uas "$T/$name-uas-h" "$net.30" standard $((LIMIT + 20)) ||
		{ notok "$name: healthy callee did not start"; return 1; }
	sipp_uas "$T/$name-uas-b" "$net.31" update_2xx_bare $((LIMIT + 20)) ||
		{ notok "$name: outage callee did not start"; return 1; }
	sipp_uac "$T/$name-uac-h" "$net.10" "$target_h" "$net.30:5060" one_update "live-$name-healthy" $LIMIT
	eval "UACH_$name=\$UAC_PID"
	sipp_uac "$T/$name-uac-b" "$net.11" "$target_b" "$net.31:5060" teardown_60 "live-$name-outage" $LIMIT \
		-max_retrans 5 -max_non_invite_retrans 5
	eval "UACB_$name=\$UAC_PID"
	# Poll the db while the calls run: the first wall time the outage dialog reads doomed.
	col=doomed
	[ "$via" = proxy ] || col=at_risk
	poll_doomed "$T/$name.db" "live-$name-outage-1@$net.11" "$T/$name.seen" "$col" &
	track $!
	return 0
}

# poll_doomed DB CALL_ID OUT COLUMN: writes the wall time when the dialog first shows
# COLUMN (doomed or at_risk) = 1, and what the doomed_dialogs view says at that moment.
poll_doomed() {
	end=$(($(date +%s) + LIMIT + 10))
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ "$(q "$1" "select max($4) from dialogs where call_id = '$2'")" = 1 ]; then
			now >"$3"
			q "$1" "select call_id from doomed_dialogs" >"$3.view"
			return 0
		fi
		sleep 0.1
	done
}

started=""
start_range direct 41 direct && started="$started direct"
start_range proxy 42 proxy && started="$started proxy"

# Wait for the callers (bounded by their own timeout), then stop each sipwatch with SIGINT.
for name in $started; do
	for v in UACH UACB; do
		eval "pid=\$${v}_$name"
		wait_exit "$pid" $((LIMIT + 15))
		check "$name: SIPp caller ($v) completed its call" 0 "$RC"
		[ "$RC" = 0 ] || tail -5 "$T/$name-uac-$(echo $v | cut -c4 | tr HB hb)/uac.out" | sed 's/^/# /'
	done
done
sleep 1
for name in $started; do
	eval "pid=\$SW_$name"
	kill -INT "$pid" 2>/dev/null
done

for name in $started; do
	case $name in direct) net=127.0.41 ;; proxy) net=127.0.42 ;; esac
	eval "pid=\$SW_$name"
	wait_exit "$pid" 20
	check "$name: SIGINT: sipwatch exit status" 0 "$RC"
	check "$name: nothing on stderr" "" "$(cat "$T/sw-$name.err")"
	db=$T/$name.db rep=$T/sw-$name.out
	bad=live-$name-outage-1@$net.11 good=live-$name-healthy-1@$net.10
	j() { jq -r "$1" "$rep" 2>/dev/null; }
	jd() { jq -r --arg c "$1" ".dialogs[] | select(.call_id == \$c) | $2" "$rep" 2>/dev/null; }
	dq() { q "$db" "select $2 from messages m join dialogs d on d.id = m.dialog_id where d.call_id = '$1' and $3"; }

	# While the call was up.
	ts200=$(dq "$bad" "printf('%.6f', min(m.ts))" "m.status = 200 and m.cseq_method = 'UPDATE'")
	tsbye=$(dq "$bad" "printf('%.6f', min(m.ts))" "m.method = 'BYE'")
	what=doomed
	[ "$name" = proxy ] || what="at risk"
	if [ -s "$T/$name.seen" ] && [ -n "$ts200" ]; then
		seen=$(cat "$T/$name.seen")
		lat=$(fsub "$seen" "$ts200")
		echo "# $name: the db showed the dialog $what $lat s after the bad 200 (BYE came $(fsub "$tsbye" "$seen") s later)"
		# The latency is printed (make bench-live measures speed); asserted are
		# the order (after the bad 200, before the BYE) and the contract's bound.
		if fge "$lat" 0 && fge 32 "$lat"; then ok "$name: db shows $what after the bad 200 ($lat s, within 32 s)"
		else notok "$name: db showed $what $lat s after the bad 200"; fi
		if fge "$tsbye" "$seen"; then ok "$name: $what visible while the call was still up"
		else notok "$name: $what only visible at $seen, after the BYE at $tsbye"; fi
		if [ "$name" = proxy ]; then
			check "$name: doomed_dialogs view readable mid-capture" "$bad" "$(cat "$T/$name.seen.view")"
		else
			check "$name: doomed_dialogs view: not doomed while only at risk" "" "$(cat "$T/$name.seen.view")"
		fi
	else
		notok "$name: the db never showed the outage dialog $what during the call (200 at '$ts200')"
	fi
	# the moment it was doomed: the evidence (proxy: RESPONSE_NOT_RELAYED; direct: the BYE)
	tsdoom=$(q "$db" "select printf('%.6f', min(f.ts)) from findings f join dialogs d on d.id = f.dialog_id
		where d.call_id = '$bad' and f.severity = 'doom'")
	[ "$name" = proxy ] && echo "# $name: RESPONSE_NOT_RELAYED $(fsub "$tsdoom" "$ts200") s after the bad 200 (packet times)"

	# Events, as they happened.
	ev=$T/$name.events
	evc() { jq -r --arg c "$1" --arg e "$2" 'select(.call_id == $c and .event == $e) | .ts' "$ev" 2>/dev/null | wc -l | tr -d ' '; }
	check "$name: events: one doomed event for the outage call" 1 "$(evc "$bad" doomed)"
	check "$name: events: one at_risk event for the outage call" 1 "$(evc "$bad" at_risk)"
	check "$name: events: at_risk event stamped with the bad 200" "$ts200" \
		"$(jq -r --arg c "$bad" 'select(.call_id == $c and .event == "at_risk") | .ts' "$ev" 2>/dev/null | head -1 | xargs printf '%.6f' 2>/dev/null)"
	check "$name: events: doomed event stamped with the evidence" "$tsdoom" \
		"$(jq -r --arg c "$bad" 'select(.call_id == $c and .event == "doomed") | .ts' "$ev" 2>/dev/null | head -1 | xargs printf '%.6f' 2>/dev/null)"
	check "$name: events: a teardown event for the outage call" 1 "$(evc "$bad" teardown)"
	check "$name: events: nothing doomed for the healthy call" 0 "$(evc "$good" doomed)"

	# The final report agrees.
	check "$name: report: kind live, source lo" "live lo" "$(j '"\(.capture.kind) \(.capture.source)"')"
	check "$name: report: no drops" 0 "$(j .capture.dropped)"
	check "$name: report: two dialogs" 2 "$(j '.dialogs | length')"
	if [ "$(j '.dialogs | length')" != 2 ]; then # say what the extra ones are made of
		q "$db" "select d.id, d.call_id, d.from_tag, d.to_tag, d.end_class, printf('%.3f', m.ts), m.src, m.dst,
			coalesce(m.method, m.status), m.cseq, m.cseq_method from dialogs d join messages m on m.dialog_id = d.id
			order by d.id, m.ts" | sed 's/^/# /'
	fi
	check "$name: report: outage call doomed, TIMER_TEARDOWN" "true TIMER_TEARDOWN" \
		"$(jd "$bad" '"\(.doomed) \(.end_class)"')"
	want="REFRESH_2XX_NO_CONTACT REFRESH_2XX_NO_SESSION_EXPIRES TIMER_TEARDOWN"
	[ "$name" = proxy ] && want="REFRESH_2XX_NO_CONTACT REFRESH_2XX_NO_SESSION_EXPIRES RESPONSE_NOT_RELAYED TIMER_TEARDOWN"
	check "$name: report: outage findings" "$want" \
		"$(jd "$bad" '[.findings[].code | select(. != "REFRESH_UNANSWERED")] | unique | join(" ")')"
	check "$name: report: malformed 200 blamed on the callee" "$net.31:5060" \
		"$(jd "$bad" '.findings[] | select(.code == "REFRESH_2XX_NO_CONTACT") | .endpoint')"
	check "$name: report: at_risk_at = the bad 200" "$ts200" "$(jd "$bad" '.at_risk_at' | xargs printf '%.6f')"
	check "$name: report: doomed_at = the evidence" "$tsdoom" "$(jd "$bad" '.doomed_at' | xargs printf '%.6f')"
	if [ "$name" = proxy ]; then
		check "$name: report: doomed by RESPONSE_NOT_RELAYED" RESPONSE_NOT_RELAYED \
			"$(jd "$bad" '[.findings[] | select(.severity == "doom")][0].code')"
	else
		check "$name: report: doomed by the teardown" TIMER_TEARDOWN \
			"$(jd "$bad" '[.findings[] | select(.severity == "doom")][0].code')"
	fi
	check "$name: report: healthy call not doomed, NORMAL_BYE, one good refresh" "false NORMAL_BYE 1" \
		"$(jd "$good" '"\(.doomed) \(.end_class) \(.refreshes_ok)"')"
	check "$name: report: healthy call has no doom finding" 0 \
		"$(jd "$good" '[.findings[] | select(.severity == "doom")] | length')"
	check "$name: db: final dialog rows" "live-$name-healthy|0|NORMAL_BYE live-$name-outage|1|TIMER_TEARDOWN" \
		"$(q "$db" "select substr(call_id, 1, instr(call_id, '-1@') - 1), doomed, end_class from dialogs order by call_id" | tr '\n' ' ' | sed 's/ $//')"
	check "$name: db: captures row closed, counts match the report" "$(j '"live|\(.capture.packets)|0"')" \
		"$(q "$db" "select kind, packets, dropped from captures where ended is not null")"
	check_cmd "$name: db integrity" sh -c "[ \"\$(sqlite3 '$db' 'pragma integrity_check')\" = ok ]"
done
exit 0
