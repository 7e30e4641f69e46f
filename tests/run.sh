#!/bin/sh
# The test runner behind `make check`: every cmocka unit binary, then every
# end-to-end script (UNIT_ONLY=1, `make unit`: the unit binaries only), each
# in its own process with a time limit.  Counts each
# cmocka test and each "ok"/"not ok" line of a script; ends with one line
# "N passed, N failed".  A binary or script that dies without reporting counts
# as one failure, so a run that tested nothing is visible.
set -u
BUILD=${BUILD:-build}
export BUILD
# A sanitizer build tests its own binary, never the ./sipwatch of a normal build.
if [ -n "${SAN:-}" ]; then
	export SIPWATCH="${SIPWATCH:-$(pwd)/$BUILD/sipwatch}"
else
	export SIPWATCH="${SIPWATCH:-$(pwd)/sipwatch}"
fi
# Sanitizer reports fail the process that has them (and so its test): leaks
# included, UB aborts (the build has -fno-sanitize-recover).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:exitcode=86}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-exitcode=86}"
# a config file of the machine (~/.config/sipwatch/config, /etc/sipwatch.conf) must not change the tests
export SIPWATCH_CONFIG="${SIPWATCH_CONFIG:-/dev/null}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:exitcode=66}"
LOG=$BUILD/test-logs
mkdir -p "$LOG"
passed=0
failed=0
skipped=0
failures=""

# cmocka binaries: their own summary lines "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s), listed below:".  Scripts: "ok"/"not ok"/"skip" lines.
count() { # kind name logfile status [seconds]
	secs=${5:+, ${5} s}
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
		echo "FAIL $2 ($p passed, $f failed$secs; log: $3)"
		grep -E '^(\[  FAILED  \]|\[  ERROR   \]|not ok|#)' "$3" | head -20 | sed 's/^/    /'
	elif [ "$s" != 0 ]; then
		echo "ok   $2 ($p passed, $s skipped$secs)"
	else
		echo "ok   $2 ($p passed$secs)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	timeout 300 "$t" >"$LOG/$n.log" 2>&1
	count cmocka "$n" "$LOG/$n.log" $?
done

# UNIT_ONLY=1 (make unit): the cmocka binaries only
for t in tests/e2e/*.sh; do
	[ -n "${UNIT_ONLY:-}" ] && break
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ "$n" = lib ] && continue # sourced by the others, not a test
	t0=$(date +%s)
	timeout 600 sh "$t" >"$LOG/$n.log" 2>&1
	rc=$?
	count script "$n" "$LOG/$n.log" $rc $(($(date +%s) - t0))
done

[ -n "$failures" ] && echo "failed:$failures"
[ -n "${SAN:-}" ] && echo "(SAN=$SAN: $SIPWATCH)"
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
