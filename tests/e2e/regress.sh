#!/bin/sh
# Regression captures (tests/captures/regress/TESTLIST): each input that once
# crashed, hung or was misread runs through the whole pipeline, bounded in
# time, and must give its exit status and counters exactly, a valid JSON
# report and a db with as many message rows as SIP messages.
. tests/e2e/lib.sh
R=tests/captures/regress
n=0
grep -v '^#' $R/TESTLIST | while read -r cap ex pk sip perr dl _; do
	[ -n "$cap" ] || continue
	n=$((n + 1))
	timeout 120 $SIPWATCH -r "$R/$cap" -d "$T/$n.db" --no-ui --report json >"$T/$n.json" 2>"$T/$n.err"
	check "$cap: exit status" "$ex" "$?"
	check "$cap: packets sip_messages parse_errors dialogs" "$pk $sip $perr $dl" \
		"$(jq -r '"\(.capture.packets) \(.capture.sip_messages) \(.capture.parse_errors) \(.dialogs|length)"' "$T/$n.json" 2>&1)"
	check "$cap: db message rows" "$sip" "$(sqlite3 "$T/$n.db" 'select count(*) from messages' 2>&1)"
done
