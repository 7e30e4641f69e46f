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

count() { # name logfile status
	p=$(grep -cE '^(\[       OK \]|ok( |$))' "$2")
	f=$(grep -cE '^(\[  FAILED  \] [a-z_0-9]+$|\[  ERROR   \]|not ok)' "$2")
	s=$(grep -cE '^(\[  SKIPPED \] [a-z_0-9]+$|skip )' "$2")
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	if [ "$f" != 0 ]; then
		failures="$failures $1"
		echo "FAIL $1 ($p passed, $f failed; log: $2)"
		grep -E '^(\[  FAILED  \]|\[  ERROR   \]|not ok|#)' "$2" | head -20 | sed 's/^/    /'
	else
		echo "ok   $1 ($p passed${s:+, $s skipped})"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	timeout 300 "$t" >"$LOG/$n.log" 2>&1
	count "$n" "$LOG/$n.log" $?
done

for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	timeout 600 sh "$t" >"$LOG/$n.log" 2>&1
	count "$n" "$LOG/$n.log" $?
done

[ -n "$failures" ] && echo "failed:$failures"
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
