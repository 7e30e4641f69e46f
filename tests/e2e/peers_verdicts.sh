#!/bin/sh
# Real-traffic verdicts: runs sipwatch on every capture of tests/captures/peers
# (recorded by tests/peers/record.sh) and of the shared corpus
# (${SHARED:-../shared}/corpus/captures), and compares its JSON report
# (docs: contract.md) with the capture directory's expected.json, dialog by
# dialog, matched by Call-ID:
#   - doomed and end_class equal;
#   - every code of expected_findings reported;
#   - no code of contract.finding_codes (the judged ones) reported outside
#     expected_findings + optional_findings.
# One line per expected dialog: "ok - CAPTURE CALL-ID" or
# "not ok - CAPTURE CALL-ID: why (expected X, got Y)".
set -u

SIPWATCH=${SIPWATCH:-$(pwd)/sipwatch}
SHARED=${SHARED:-../shared}
PEERS_DIR=${PEERS_DIR:-tests/captures/peers}
UA_DIR=${UA_DIR:-tests/captures/ua} # real user agents (issue 13)
CORPUS_DIR=$SHARED/corpus/captures

if ! command -v jq >/dev/null 2>&1; then
	echo "not ok - peers_verdicts: jq is not installed (.ci/deps.sh)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipwatch-verdicts.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM INT HUP

failed=0

# Prints the ok / not ok lines of one capture.  $1 expected.json, $2 capture
# file name (key of .pcaps), $3 sipwatch's report (or an empty file), $4 why
# the report is missing (empty when there is one).
judge() {
	jq -r -n --slurpfile exp "$1" --rawfile got "$3" --arg name "$2" --arg err "$4" '
	def codes($x): [$x.findings[]?.code] | unique;
	def list($a): "[" + ($a | join(",")) + "]";
	$exp[0] as $E
	| ($E.contract.finding_codes // []) as $judged
	| ($E.pcaps[$name].dialogs // [])[] as $d
	| if $err != "" then "not ok - \($name) \($d.call_id): \($err)"
	  else
	    (try ($got | fromjson) catch null) as $G
	    | if ($G | type) != "object" then
	        "not ok - \($name) \($d.call_id): report is not a JSON object (expected the contract.md report)"
	      else
	        [ $G.dialogs[]? | select(.call_id == $d.call_id) ] as $m
	        | if ($m | length) == 0 then
	            "not ok - \($name) \($d.call_id): dialog missing from the report (expected 1 dialog, got 0)"
	          else
	            # several dialogs with one Call-ID (forks, an early dialog
	            # before a 422 retry): judge the established one
	            (([ $m[] | select(.established != null) ] | .[-1]) // $m[-1]) as $x
	            | codes($x) as $got_codes
	            | ($d.expected_findings - $got_codes) as $missing
	            | ([ $got_codes[] | select(. as $c | any($judged[]; . == $c)) ]
	               - $d.expected_findings - ($d.optional_findings // [])) as $extra
	            | [ (if $x.doomed != $d.doomed then "doomed (expected \($d.doomed), got \($x.doomed))" else empty end),
	                (if $x.end_class != $d.end_class then "end_class (expected \($d.end_class), got \($x.end_class))" else empty end),
	                (if ($d | has("at_risk")) and $x.at_risk != $d.at_risk then "at_risk (expected \($d.at_risk), got \($x.at_risk))" else empty end),
	                (if ($d | has("refreshes_ok")) and $x.refreshes_ok != $d.refreshes_ok then "refreshes_ok (expected \($d.refreshes_ok), got \($x.refreshes_ok))" else empty end),
	                (if ($missing | length) > 0 then "findings missing \(list($missing)) (expected \(list($d.expected_findings)), got \(list($got_codes)))" else empty end),
	                (if ($extra | length) > 0 then "unexpected findings \(list($extra)) (expected \(list($d.expected_findings)), optional \(list($d.optional_findings // [])), got \(list($got_codes)))" else empty end)
	              ] as $why
	            | if ($why | length) == 0 then "ok - \($name) \($d.call_id)"
	              else "not ok - \($name) \($d.call_id): \($why | join("; "))" end
	          end
	      end
	  end'
}

check_dir() { # dir
	dir=$1
	exp=$dir/expected.json
	if [ ! -f "$exp" ]; then
		echo "not ok - $dir: no expected.json"
		failed=1
		return
	fi
	if ! jq -e '.pcaps | type == "object"' "$exp" >/dev/null 2>&1; then
		echo "not ok - $exp: not valid JSON with a .pcaps object"
		failed=1
		return
	fi
	for name in $(jq -r '.pcaps | keys[]' "$exp"); do
		f=$dir/$name
		out=$tmp/$name.json
		: >"$out"
		err=""
		if [ ! -f "$f" ]; then
			err="capture file missing"
		elif [ ! -x "$SIPWATCH" ]; then
			err="sipwatch not built ($SIPWATCH)"
		else
			timeout 120 "$SIPWATCH" -r "$f" --no-ui --report json -d "$tmp/$name.db" \
				>"$out" 2>"$tmp/$name.err" </dev/null
			rc=$?
			# 3: --fail-on-doomed semantics are not asked for, but tolerate it
			if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
				err="sipwatch exited $rc: $(head -c 200 "$tmp/$name.err" | tr '\n' ' ')"
			fi
		fi
		judge "$exp" "$name" "$out" "$err" >"$tmp/lines" 2>"$tmp/jq.err" ||
			echo "not ok - $name: jq failed: $(head -c 200 "$tmp/jq.err")" >>"$tmp/lines"
		cat "$tmp/lines"
		grep -q '^not ok' "$tmp/lines" && failed=1
	done
}

if [ -d "$PEERS_DIR" ]; then
	check_dir "$PEERS_DIR"
else
	echo "not ok - peers_verdicts: $PEERS_DIR missing"
	failed=1
fi

if [ -d "$UA_DIR" ]; then
	check_dir "$UA_DIR"
else
	echo "not ok - peers_verdicts: $UA_DIR missing"
	failed=1
fi

if [ -d "$CORPUS_DIR" ]; then
	check_dir "$CORPUS_DIR"
else
	echo "skip - corpus captures: $CORPUS_DIR absent (set SHARED)"
fi

exit $failed
