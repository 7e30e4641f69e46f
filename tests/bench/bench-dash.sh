#!/bin/sh
# make bench-dash: the live dashboard at scale.  Replays the bench capture
# (140k calls) on lo with tcpreplay at each rate while `sipwatch -i lo` runs
# with its dashboard open in a private tmux server (200x50), and reports per
# rate: packets dropped (captures.dropped), the ui thread's CPU during the
# replay (the main thread: /proc/PID/task/PID/stat utime+stime), the key
# latency once every dialog is listed (Down, then capture-pane polled until
# the screen, with its attributes, changes; median and max of BENCH_DASH_KEYS presses), and RSS:
# at the end of the replay, and settled, BENCH_DASH_SETTLE seconds (default 45)
# after it, when every ended call has left the analyzer (64*T1 at most) and
# the heap has been trimmed (every 10 s live): the 140k dialogs in the list
# and the db, none in the analyzer.
#
# Goals (issue 18): no drop, ui thread < 5% of a core, key latency < 50 ms,
# RSS < 128 MiB.  tcpreplay, tmux and the polling run on the same cores: the
# numbers are a floor for a dedicated monitor.  Needs root; skips without it.
#
# Environment: BUILD, BENCH_CALLS/SEED/RATE (the capture, as for make bench),
# BENCH_DASH_RATES (default "40000 50000"), BENCH_DASH_KEYS (default 10),
# BENCH_DASH_ARGS (more sipwatch options, e.g. "-B 8192"), SIPWATCH (default
# ./sipwatch), BENCH_DASH_SETTLE (0 = no settled reading).  Below each rate: the threads'
# CPU and where the RSS is.
set -u
BUILD=${BUILD:-build}
RATES=${BENCH_DASH_RATES:-"40000 50000"}
KEYS=${BENCH_DASH_KEYS:-10}
ARGS=${BENCH_DASH_ARGS:-}
SETTLE=${BENCH_DASH_SETTLE:-45}
IFACE=lo
FILTER="udp and net 127.0.48.0/20"
. tests/bench/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "bench-dash: needs root (live capture and tcpreplay on $IFACE): skipped"
	exit 0
fi
for c in tcpreplay tmux sqlite3; do
	command -v "$c" >/dev/null 2>&1 || bench_die "$c missing (make deps)"
done
bench_capture
bench_private_sipwatch "${SIPWATCH:-./sipwatch}"
HZ=$(getconf CLK_TCK)
sock="sw18-bench-dash-$$"
T() { tmux -L "$sock" -f /dev/null "$@"; }
# the replay as bench-live.sh and soak.sh run it (lib.sh: RP, bench_replay_*,
# bench_stop_pid); sipwatch runs in the tmux pane, stopped by q or by its PID
cleanup() {
	bench_cleanup
	T kill-server >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now_ms() { date +%s%3N; }
# ui thread ticks (utime + stime of the main thread; the comm field has no spaces)
ui_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat" 2>/dev/null || echo 0; }
all_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# key_latency PANE: ms from send-keys until the pane differs (bounded at 5 s)
key_latency() {
	before=$(T capture-pane -t "$1" -p -e)
	t0=$(now_ms)
	T send-keys -t "$1" "$2"
	i=0
	while [ "$i" -lt 5000 ]; do
		[ "$(T capture-pane -t "$1" -p -e)" != "$before" ] && break
		i=$((i + 1))
	done
	echo $(($(now_ms) - t0))
}

echo "sipwatch bench-dash: $pcap ($PACKETS packets) replayed on $IFACE, dashboard open under tmux"
bench_machine
fmt='%-7s %9s %9s %8s %9s %9s %10s %9s %9s\n'
printf "$fmt" "rate" "sent" "dropped" "dialogs" "ui CPU%" "all CPU%" "key ms med" "key max" "RSS MiB"
for r in $RATES; do
	db=$DIR/dash.db
	rm -f "$db" "$db-wal" "$db-shm"
	T kill-server >/dev/null 2>&1
	T new-session -d -s d -x 200 -y 50 "exec $SIPWATCH -i $IFACE -f '$FILTER' -d $db $ARGS 2>$DIR/dash.err"
	pid=$(T display -p -t d '#{pane_pid}')
	n=0
	until [ "$(sqlite3 "$db" 'select count(*) from captures' 2>/dev/null)" = 1 ]; do
		{ bench_alive "$pid" && [ "$n" -lt 100 ]; } || break
		sleep 0.1
		n=$((n + 1))
	done
	bench_alive "$pid" || { cat "$DIR/dash.err" >&2; bench_die "sipwatch -i $IFACE did not start"; }
	SW=$pid # bench_cleanup stops it if the script ends early
	sleep 0.5
	u0=$(ui_ticks "$pid")
	a0=$(all_ticks "$pid")
	bench_threads_snap "$pid" "$DIR/threads.a"
	t0=$(now_ms)
	bench_replay_start "$IFACE" --pps="$r"
	# bounded: the capture's time at this rate, and a minute more
	bench_replay_wait $((${PACKETS:-0} / r + 60)) || echo "bench-dash: the replay at $r pps failed or was stopped" >&2
	t1=$(now_ms)
	bench_threads_snap "$pid" "$DIR/threads.b"
	threads=$(bench_threads_cpu "$DIR/threads.a" "$DIR/threads.b" $((t1 - t0)))
	u1=$(ui_ticks "$pid")
	a1=$(all_ticks "$pid")
	sleep 3 # the analyzer and the list catch up
	lat=""
	k=0
	while [ "$k" -lt "$KEYS" ]; do
		key=Down
		[ $((k % 2)) = 1 ] && key=Up
		lat="$lat $(key_latency d "$key")"
		k=$((k + 1))
	done
	rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
	parts=$(bench_rss_parts "$pid")
	shown=$(T capture-pane -t d -p | sed -n 's/^ *\([0-9]*\) of \([0-9]*\) dialogs.*/\2/p')
	settled=""
	if [ "$SETTLE" -gt 0 ]; then
		left=$((SETTLE - ($(now_ms) - t1) / 1000))
		[ "$left" -gt 0 ] && sleep "$left"
		bench_alive "$pid" && settled="$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status") MiB: $(bench_rss_parts "$pid")"
	fi
	T send-keys -t d q
	bench_wait_gone "$pid" 60 || { echo "bench-dash: sipwatch did not quit on q" >&2; bench_stop_pid "$pid" 30; }
	SW=""
	sent=$REPLAY_SENT
	drop=$(sqlite3 "$db" 'select dropped from captures order by id desc limit 1' 2>/dev/null)
	secs_ms=$((t1 - t0))
	ui=$(awk -v a="$u0" -v b="$u1" -v hz="$HZ" -v ms="$secs_ms" 'BEGIN { printf "%.1f", 100 * (b - a) / hz / (ms / 1000) }')
	all=$(awk -v a="$a0" -v b="$a1" -v hz="$HZ" -v ms="$secs_ms" 'BEGIN { printf "%.1f", 100 * (b - a) / hz / (ms / 1000) }')
	med=$(echo "$lat" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	max=$(echo "$lat" | tr ' ' '\n' | sed '/^$/d' | sort -n | tail -n 1)
	printf "$fmt" "$r" "${sent:-?}" "${drop:-?}" "${shown:-?}" "$ui" "$all" "$med" "$max" "$rss (peak $hwm)"
	echo "        CPU of one core during the replay (main = the dashboard): $threads"
	echo "        RSS at the end: $parts"
	[ -n "$settled" ] && echo "        RSS settled, ${SETTLE} s after the replay: $settled"
	# live, message rows give way to packets when the db falls behind (store_set_pressed)
	lost=$(sed -n 's/.*db incomplete: \([0-9]*\) records not stored.*/\1/p' "$DIR/dash.err" | tail -n 1)
	echo "        message rows not stored (the writer behind, packets first): ${lost:-0}"
	rm -f "$db" "$db-wal" "$db-shm"
done
echo "ui CPU% = the dashboard thread during the replay, of one core; all CPU% = every sipwatch thread"
echo "key ms = Down/Up until the pane changed, at the end of the replay (capture-pane polling included)"
