#!/bin/sh
# make check-tsan: ThreadSanitizer on the capture → analyzer → db writer
# handoffs — the packet ring, queue, source and writer unit tests, and
# sipwatch -r on captures (the reader thread feeding the analyzer thread
# through the packet ring,
# the analyzer feeding the store's writer thread).  Any race report fails.
# Usage: tsan.sh BUILD_DIR.  Ends with "check-tsan: PASS" or "check-tsan: FAIL".
set -u
B=${1:-build-thread}
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1}"
L=$B/test-logs
mkdir -p "$L"
T=$(mktemp -d /tmp/sipwatch-tsan.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
run() { # name command...
	name=$1; shift
	if timeout 600 "$@" >"$L/tsan-$name.log" 2>&1 && ! grep -q 'WARNING: ThreadSanitizer' "$L/tsan-$name.log"; then
		echo "ok   tsan $name"
	else
		echo "FAIL tsan $name (log: $L/tsan-$name.log)"
		grep -A12 'WARNING: ThreadSanitizer' "$L/tsan-$name.log" | head -30 | sed 's/^/    /'
		tail -5 "$L/tsan-$name.log" | sed 's/^/    /'
		fail=1
	fi
}
run test_pkt_ring "$B/tests/test_pkt_ring"
run test_queue "$B/tests/test_queue"
run test_source "$B/tests/test_source"
run test_writer "$B/tests/test_writer"
run test_dashboard_feed "$B/tests/test_dashboard_feed"
run outage "$B/sipwatch" -r samples/outage-update-200-dropped.pcap -d "$T/a.db" --no-ui --report json
run peers-tcp "$B/sipwatch" -r tests/captures/peers/p21_tcp_healthy_update.pcap -d "$T/b.db" --no-ui
run stdin "$B/sipwatch" -r - -d "$T/c.db" --no-ui <tests/captures/peers/p01_healthy_update.pcap
# far more packets than the ring holds (2 MiB offline): the reader waits on a
# full ring and the analyzer drains it, many times over
"$B/tools/gen_flood" invites 20000 "$T/flood.pcap"
run flood "$B/sipwatch" -r "$T/flood.pcap" -d "$T/d.db" --no-ui --max-dialogs 500
# the monitoring threads (issue 19): the HEP sender draining its queue and the
# metrics HTTP thread reading the counters while the analyzer runs
run monitoring sh -c '"$1" -r "$2" -d "$3" --no-ui --max-dialogs 500 --hep-send udp:127.0.190.5:19063 \
	--metrics 127.0.190.1:19467 & p=$!; i=0
	while [ $i -lt 50 ] && kill -0 $p 2>/dev/null; do
		curl -s --max-time 2 http://127.0.190.1:19467/metrics >/dev/null; sleep 0.1; i=$((i + 1)); done
	wait $p' sh "$B/sipwatch" "$T/flood.pcap" "$T/e.db"
if [ $fail = 0 ]; then echo "check-tsan: PASS"; else echo "check-tsan: FAIL"; fi
exit $fail
