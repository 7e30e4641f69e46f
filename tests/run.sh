#!/bin/sh
# The test runner behind `make check`: every cmocka unit binary, then every
# end-to-end script, each in its own process with a time limit.  Counts each
# cmocka test and each "ok"/"not ok" line of a script; ends with one line
# "N passed, N failed".  A binary or script that dies without reporting counts
# as one failure, so a run that tested nothing is visible.
set -u
BUILD=${BUILD:-build}
export BUILD
export SIPWATCH="${SIPWATCH:-$(pwd)/sipwatch}"
LOG=$BUILD/test-logs
mkdir -p "$LOG"
passed=0
failed=0
skipped=0
failures=""

# cmocka binaries: their own summary lines "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s), listed below:".  Scripts: "ok"/"not ok"/"skip" lines.
count() { # kind name logfile status
	if [ "$1" = cmocka ]; then
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$3" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' "$3" | tail -1)
		s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:.*/\1/p' "$3" | tail -1)
	else
		p=$(grep -cE '^ok( |$)' "$3")
		f=$(grep -cE '^not ok' "$3")
		s=$(grep -cE '^skip( |$)' "$3")
	fi
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	if [ "$4" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	if [ "$f" != 0 ]; then
		failures="$failures $2"
		echo "FAIL $2 ($p passed, $f failed; log: $3)"
		grep -E '^(\[  FAILED  \]|\[  ERROR   \]|not ok|#)' "$3" | head -20 | sed 's/^/    /'
	elif [ "$s" != 0 ]; then
		echo "ok   $2 ($p passed, $s skipped)"
	else
		echo "ok   $2 ($p passed)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	timeout 300 "$t" >"$LOG/$n.log" 2>&1
	count cmocka "$n" "$LOG/$n.log" $?
done

for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ "$n" = lib ] && continue # sourced by the others, not a test
	timeout 600 sh "$t" >"$LOG/$n.log" 2>&1
	count script "$n" "$LOG/$n.log" $?
done

[ -n "$failures" ] && echo "failed:$failures"
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
