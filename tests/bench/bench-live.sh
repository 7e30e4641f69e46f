#!/bin/sh
# make bench-live: live capture throughput.  Replays the bench capture on lo with
# tcpreplay at rising packet rates while `sipwatch -i lo` captures, and reports
# per rate what sipwatch received, analysed and dropped (capture.dropped: kernel
# plus queue), then the highest rate with no drop.
#
# tcpreplay runs on the same machine and takes CPU from sipwatch: the rates are a
# floor for a dedicated monitor.  Traffic stays on lo: the capture has Ethernet
# frames with 127.0.x.y addresses, which lo drops after the taps have seen them.
# Needs root (or CAP_NET_RAW) for both programs; skips (exit 0) without it.
#
# Environment: BUILD, BENCH_CALLS/SEED/RATE (the capture, as for make bench),
# BENCH_LIVE_RATES (packets/s, "max" = --topspeed; default
# "10000 25000 50000 100000 200000"), BENCH_LIVE_PACKETS (packets per rate;
# default the whole capture), BENCH_LIVE_SETTLE (s after the replay before
# SIGINT, default 3), SIPWATCH (default ./sipwatch).
set -u
BUILD=${BUILD:-build}
RATES=${BENCH_LIVE_RATES:-"10000 25000 50000 100000 200000"}
SETTLE=${BENCH_LIVE_SETTLE:-3}
IFACE=lo
# Only the generator's addresses (127.0.50.x callers, 127.0.60.x callees), so that
# other loopback SIP traffic (tests running meanwhile) is not counted.
FILTER="udp and net 127.0.48.0/20"
. tests/bench/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "bench-live: needs root (live capture and tcpreplay on $IFACE): skipped"
	exit 0
fi
for c in tcpreplay jq sqlite3; do
	command -v "$c" >/dev/null 2>&1 || bench_die "$c missing (make deps)"
done
bench_capture
bench_private_sipwatch "${SIPWATCH:-./sipwatch}"
total=$PACKETS
LIMIT=${BENCH_LIVE_PACKETS:-0}

trap 'bench_cleanup; exit 1' INT TERM HUP

db=$DIR/live.db
failed=""
best=""
fmt='%-8s %10s %9s %9s %9s %9s %7s %10s\n'
each=$total
[ "$LIMIT" -gt 0 ] && each=$LIMIT
echo "sipwatch bench-live: $pcap replayed on $IFACE, $each packets at each rate"
bench_machine
echo "tcpreplay runs on the same cores as sipwatch: a dedicated monitor does better"
# captured = capture.packets, SIP msgs = capture.sip_messages, dropped = capture.dropped;
# loss = what was sent but not analysed, whether counted as dropped or never seen;
# not stored = message rows the db skipped while its writer was behind (captures.db_skipped).
printf "$fmt" "rate pps" "actual pps" "sent" "captured" "SIP msgs" "dropped" "loss %" "not stored"
for r in $RATES; do
	rm -f "$db" "$db-wal" "$db-shm"
	if ! bench_sipwatch_start "$db" "$DIR/live.json" "$DIR/live.err" -i "$IFACE" -f "$FILTER" \
		--report json; then
		echo "bench-live: sipwatch -i $IFACE failed:" >&2
		cat "$DIR/live.err" >&2
		SW=""
		failed="$failed sipwatch@$r"
		break
	fi
	sleep 0.5
	if [ "$r" = max ]; then
		speed=--topspeed
		secs=600
	else
		speed=--pps=$r
		n=${total:-1100000}
		[ "$LIMIT" -gt 0 ] && n=$LIMIT
		secs=$((n / r + 120))
	fi
	lim=""
	[ "$LIMIT" -gt 0 ] && lim=--limit=$LIMIT
	bench_threads_snap "$SW" "$DIR/threads.a"
	t0=$(date +%s%3N)
	# shellcheck disable=SC2086
	bench_replay_start "$IFACE" $speed $lim
	if ! bench_replay_wait "$secs"; then
		echo "bench-live: tcpreplay at $r failed or was stopped:" >&2
		cat "$DIR/replay.txt" >&2
		failed="$failed tcpreplay@$r"
	fi
	bench_threads_snap "$SW" "$DIR/threads.b"
	threads=$(bench_threads_cpu "$DIR/threads.a" "$DIR/threads.b" $(($(date +%s%3N) - t0)))
	sleep "$SETTLE"
	# SIGINT: sipwatch drains its queue, writes and reports; that may take a while.
	bench_stop_pid "$SW" 300 || failed="$failed sipwatch-stop@$r"
	wait "$SW"
	src=$?
	SW=""
	# 4: done, the db incomplete (message rows skipped while the writer was
	# behind the capture: counted in the "not stored" column)
	if [ "$src" != 0 ] && [ "$src" != 4 ]; then
		echo "bench-live: sipwatch at $r exited with status $src:" >&2
		cat "$DIR/live.err" >&2
		failed="$failed sipwatch@$r"
		continue
	fi
	sent=$REPLAY_SENT
	apps=$REPLAY_PPS
	got=$(jq -r '.capture.packets' "$DIR/live.json")
	sip=$(jq -r '.capture.sip_messages' "$DIR/live.json")
	drop=$(jq -r '.capture.dropped' "$DIR/live.json")
	skipped=$(sqlite3 "$db" 'select db_skipped from captures order by id desc limit 1' 2>/dev/null)
	pct=$(awk -v a="$sip" -v s="${sent:-0}" 'BEGIN { if (s > 0) printf "%.1f", 100 * (s - a) / s; else print "-" }')
	printf "$fmt" "$r" "${apps:-?}" "${sent:-?}" "$got" "$sip" "$drop" "$pct" "${skipped:-0}"
	echo "         CPU of one core during the replay: $threads"
	[ "$drop" = 0 ] && [ "${sent:-0}" -gt 0 ] && [ "$sip" -ge "$sent" ] && best=$r
done
rm -f "$db" "$db-wal" "$db-shm"

if [ -n "$best" ]; then
	echo "highest replay rate with no drop: $best packets/s (one SIP message a packet)"
else
	echo "no rate tried was free of drops"
fi
if [ -n "$failed" ]; then
	echo "bench-live: FAILED:$failed" >&2
	exit 1
fi
exit 0
