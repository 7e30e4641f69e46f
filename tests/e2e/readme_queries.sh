#!/bin/sh
# The queries of README.md's "Query the db" section work as printed (every
# ```sql block must be marked; each also runs on the demo db): each
# ```sql block preceded by a marker line "<!-- query: NAME -->" is run with
# sqlite3 against a db built from the real-peer recordings, and its output
# compared with tests/e2e/readme_queries/NAME.out (checked by hand).
#
# The db: p08 re-timed a day earlier (from stdin: yesterday's capture), the 21
# recordings tests/captures/peers/p*.pcap appended in order, and p05 cut
# before its BYE (from stdin: a doomed call still up when the capture ends;
# p05 is doomed by RESPONSE_NOT_RELAYED while up — p04's defect alone only
# puts it at risk, session-timers.md "Risk and proof").
#
#   UPDATE=1 sh tests/e2e/readme_queries.sh   rewrites the .out files (then check them by hand)
. tests/e2e/lib.sh
EXP=tests/e2e/readme_queries
PEERS=tests/captures/peers
DB=$T/q.db

editcap -F pcap -t -86400 $PEERS/p08_update_481.pcap "$T/yesterday.pcap"
editcap -F pcap -r $PEERS/p05_outage_b_2xx_dropped.pcap "$T/cut.pcap" 1-29
st=0
$SIPWATCH -r - -d "$DB" --no-ui <"$T/yesterday.pcap" >/dev/null 2>>"$T/build.err" || st=1
for f in $PEERS/p*.pcap; do
	$SIPWATCH -r "$f" -d "$DB" --no-ui >/dev/null 2>>"$T/build.err" || st=1
done
$SIPWATCH -r - -d "$DB" --no-ui <"$T/cut.pcap" >/dev/null 2>>"$T/build.err" || st=1
check "db built: every run exit 0, nothing on stderr" "0 " "$st $(cat "$T/build.err")"
check "db built: one captures row per run" 23 "$(sqlite3 "$DB" 'SELECT count(*) FROM captures')"

# Extract: NAME<TAB>line for every line of every marked block.
awk '
	/^<!-- query: [a-z0-9_]+ -->$/ { name = $3; want = 1; next }
	want && /^```sql$/ { inblock = 1; want = 0; next }
	inblock && /^```$/ { inblock = 0; n++; next }
	inblock { print name "\t" $0 }
' README.md >"$T/blocks"
names=$(cut -f1 "$T/blocks" | uniq)
count=$(echo "$names" | grep -c .)
check "README has at least six marked queries" 1 "$([ "$count" -ge 6 ] && echo 1)"
dups=$(echo "$names" | sort | uniq -d)
check "query names are unique" "" "$dups"

for name in $names; do
	awk -F'\t' -v n="$name" '$1 == n { sub(/^[^\t]*\t/, ""); print }' "$T/blocks" >"$T/$name.sql"
	sqlite3 -header "$DB" <"$T/$name.sql" >"$T/$name.out" 2>&1
	st=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$T/$name.out" "$EXP/$name.out"
	fi
	if [ $st != 0 ]; then
		notok "query $name runs: sqlite3 exit $st"
		sed 's/^/# /' "$T/$name.out" | head -5
	elif [ ! -f "$EXP/$name.out" ]; then
		notok "query $name: no expected output $EXP/$name.out"
	elif [ ! -s "$T/$name.out" ]; then
		notok "query $name: no rows"
	elif cmp -s "$EXP/$name.out" "$T/$name.out"; then
		ok "query $name: $(($(wc -l <"$T/$name.out") - 1)) rows as expected"
	else
		notok "query $name: output differs from $EXP/$name.out"
		diff "$EXP/$name.out" "$T/$name.out" | head -10 | sed 's/^/# /'
	fi
	# The indexes serve it: no full scan of messages or findings.
	plan=$( (echo "EXPLAIN QUERY PLAN"; cat "$T/$name.sql") | sqlite3 "$DB" 2>&1)
	if echo "$plan" | grep -qE 'SCAN (m|messages|f|findings)( |$)'; then
		case $name in
		findings_per_day | evidence) ok "query $name: scans findings (it reads them all)" ;;
		*) notok "query $name: scans a big table"; echo "$plan" | sed 's/^/# /' ;;
		esac
	else
		ok "query $name: uses indexes for messages and findings"
	fi
done
# Every ```sql block is marked (so every one runs above) ...
nblocks=$(grep -c '^```sql$' README.md)
check "every sql block of README.md is a marked query" "$nblocks" "$count"
# ... and runs against the demo db too (make demo: the bundled outage capture),
# with rows: a recipe must not need the recordings' Call-IDs.
$SIPWATCH -r samples/outage-update-200-dropped.pcap -d "$T/demo.db" --no-ui >/dev/null 2>&1
for name in $names; do
	out=$(sqlite3 -header "$T/demo.db" <"$T/$name.sql" 2>&1)
	st=$?
	rows=$(printf '%s\n' "$out" | sed 1d | grep -c .)
	if [ $st != 0 ]; then
		notok "query $name on the demo db: sqlite3 exit $st"
		printf '%s\n' "$out" | head -3 | sed 's/^/# /'
	else
		case $name in
		# the outage capture has one call, no refresh statistics per day, one capture
		call_flow | doomed_all | blame | captures | evidence)
			if [ "$rows" -gt 0 ]; then ok "query $name on the demo db: $rows rows"; else notok "query $name on the demo db: no rows"; fi ;;
		*) ok "query $name on the demo db: runs ($rows rows)" ;;
		esac
	fi
done
for f in "$EXP"/*.out; do
	n=$(basename "$f" .out)
	if echo "$names" | grep -qx "$n"; then :; else notok "stale expected output $f (no such query in README.md)"; fi
done
