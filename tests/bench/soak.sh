#!/bin/sh
# make soak (issue 17): sipwatch always on, at load, for minutes.  The bench
# capture (1,082,846 SIP messages, tests/tools/gen_bench) is replayed with
# tcpreplay, looped, at SOAK_RATE packets/s into one end of a veth pair; the
# other end is in a second network namespace, where sipwatch captures it with
# --db-max-size.  Both namespaces are made here and deleted on exit; nothing
# leaves them.  Every SOAK_SAMPLE seconds it samples sipwatch's RSS, CPU, the
# db + WAL size and the kernel and queue drops (--metrics inside the
# namespace); at the end it prints RSS flatness after warm-up (every sample
# within +-10 % of their median), the drops, the largest db + WAL against the
# cap (+10 %), and CPU per message.  Not part of CI.
#
# Looping one file repeats its Call-IDs every loop (~22 s at 50k/s): dialogs
# of one loop meet those of the next; the load is what is measured.
#
# Environment: BUILD, SOAK_MINUTES (10), SOAK_RATE (50000), SOAK_DB_MAX (128M),
# SOAK_SAMPLE (10 s), SOAK_WARMUP (s; default a fifth of the run, at most 120),
# SOAK_STRICT=1 (exit 1 when a target is missed), SIPWATCH (./sipwatch),
# BENCH_CALLS/SEED/RATE (the capture, as for make bench).
set -u
BUILD=${BUILD:-build}
MINUTES=${SOAK_MINUTES:-10}
PPS=${SOAK_RATE:-50000}
CAP=${SOAK_DB_MAX:-128M}
SAMPLE=${SOAK_SAMPLE:-10}
SECS=$((MINUTES * 60))
WARMUP=${SOAK_WARMUP:-$((SECS / 5 > 120 ? 120 : SECS / 5))}
. tests/bench/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "soak: needs root (network namespaces, live capture, tcpreplay): skipped"
	exit 0
fi
for c in tcpreplay jq sqlite3 curl ip; do
	command -v "$c" >/dev/null 2>&1 || bench_die "$c missing (make deps)"
done
bench_capture
bench_private_sipwatch "${SIPWATCH:-./sipwatch}"

NA=sw17s-soak-a-$$ NB=sw17s-soak-b-$$ VA=sw17sa$$ VB=sw17sb$$
cleanup_all() {
	bench_cleanup
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
}
trap 'cleanup_all' EXIT
trap 'exit 1' INT TERM HUP
ip netns add "$NA" && ip netns add "$NB" &&
	ip link add "$VA" type veth peer name "$VB" &&
	ip link set "$VA" netns "$NA" && ip link set "$VB" netns "$NB" &&
	ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
	ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up ||
	bench_die "cannot make the namespaces and the veth pair"
n=0
until ip -n "$NB" link show "$VB" | grep -q 'state UP'; do
	[ "$n" -ge 50 ] && bench_die "$VB never came up"
	sleep 0.1
	n=$((n + 1))
done

db=$DIR/soak.db
rm -f "$db" "$db-wal" "$db-shm"
MPORT=9464
echo "sipwatch soak: $pcap looped through a veth pair at $PPS packets/s for $MINUTES min, --db-max-size $CAP"
bench_machine
echo "tcpreplay runs on the same cores as sipwatch: a dedicated monitor does better"
BENCH_PREFIX="ip netns exec $NB"
bench_sipwatch_start "$db" "$DIR/soak.json" "$DIR/soak.err" -i "$VB" --report json \
	--db-max-size "$CAP" --metrics "127.0.0.1:$MPORT" || {
	cat "$DIR/soak.err" >&2
	bench_die "sipwatch -i $VB did not start"
}
BENCH_PREFIX="ip netns exec $NA"
bench_replay_start "$VA" --pps="$PPS" --loop=0 --duration="$SECS"
BENCH_PREFIX=""

metric() { # NAME: the sample whose line starts with NAME, 0 if none
	_v=$(awk -v n="$1" '$1 == n { print $2 }' "$DIR/soak.metrics")
	echo "${_v:-0}"
}
bytes() { stat -c %s "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
cap_bytes=$(echo "$CAP" | awk '{ n = $0 + 0; u = toupper(substr($0, length($0)))
	print int(n * (u == "G" ? 1073741824 : u == "M" ? 1048576 : u == "K" ? 1024 : 1)) }')
tick=$(getconf CLK_TCK)
t0=$(date +%s)
csv=$DIR/soak.csv
echo "t_s,rss_kib,cpu_s,db_wal_bytes,sip_messages,kernel_drops,queue_drops" >"$csv"
printf '%6s %9s %8s %11s %12s %10s %10s\n' "t s" "RSS MiB" "CPU s" "db+WAL MiB" "SIP msgs" "kernel" "queue"
# Bounded: the replay's duration plus a minute.
while bench_alive "$RP" && [ $(($(date +%s) - t0)) -le $((SECS + 60)) ]; do
	sleep "$SAMPLE"
	ip netns exec "$NB" curl -s --max-time 3 "http://127.0.0.1:$MPORT/metrics" >"$DIR/soak.metrics" 2>/dev/null
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SW/status" 2>/dev/null)
	cpu=$(awk -v t="$tick" '{ printf "%.1f", ($14 + $15) / t }' "/proc/$SW/stat" 2>/dev/null)
	size=$(bytes "$db" "$db-wal")
	t=$(($(date +%s) - t0))
	sip=$(metric sipwatch_sip_messages_total)
	k=$(metric 'sipwatch_dropped_packets_total{where="kernel"}')
	qd=$(metric 'sipwatch_dropped_packets_total{where="queue"}')
	echo "$t,${rss:-0},${cpu:-0},$size,$sip,$k,$qd" >>"$csv"
	printf '%6s %9.1f %8s %11.1f %12s %10s %10s\n' "$t" "$(echo "${rss:-0}" | awk '{ print $1 / 1024 }')" \
		"${cpu:-?}" "$(echo "$size" | awk '{ print $1 / 1048576 }')" "$sip" "$k" "$qd"
done
failed=""
BENCH_PREFIX="ip netns exec $NA"
bench_replay_wait 60 || failed="$failed tcpreplay"
BENCH_PREFIX=""
sleep 3
cpu_end=$(awk -v t="$tick" '{ printf "%.1f", ($14 + $15) / t }' "/proc/$SW/stat" 2>/dev/null)
bench_stop_pid "$SW" 300 || failed="$failed sipwatch-stop"
wait "$SW"
src=$?
SW=""
[ "$src" = 0 ] || { cat "$DIR/soak.err" >&2; failed="$failed sipwatch(status $src)"; }
size_end=$(bytes "$db" "$db-wal")

sip=$(jq -r '.capture.sip_messages // 0' "$DIR/soak.json" 2>/dev/null)
drop=$(jq -r '.capture.dropped // 0' "$DIR/soak.json" 2>/dev/null)
integrity=$(sqlite3 "$db" 'pragma quick_check' 2>&1 | head -1)
echo
echo "replayed: ${REPLAY_SENT:-?} packets at ${REPLAY_PPS:-?} packets/s (asked $PPS)"
echo "analysed: ${sip:-?} SIP messages; dropped ${drop:-?} (kernel + queue, final captures row)"
awk -F, -v w="$WARMUP" -v cap="$cap_bytes" -v end="$size_end" -v sip="${sip:-0}" -v cpu="${cpu_end:-0}" '
NR > 1 { if ($2 > 0 && $1 >= w) r[++n] = $2; if ($4 > maxdb) maxdb = $4 }
END {
	if (end > maxdb) maxdb = end
	if (n > 0) {
		# median of the samples after warm-up
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
		med = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
		lo = (r[1] - med) / med * 100; hi = (r[n] - med) / med * 100
		printf "RSS after %d s warm-up: %d samples, median %.1f MiB, %+.1f%% .. %+.1f%%: %s\n", w, n,
			med / 1024, lo, hi, (lo >= -10 && hi <= 10) ? "flat (within 10%)" : "NOT flat"
	} else print "RSS: no sample after the warm-up"
	printf "db + WAL: at most %.1f MiB against a cap of %.1f MiB (+10%% = %.1f): %s\n", maxdb / 1048576,
		cap / 1048576, cap * 1.1 / 1048576, maxdb <= cap * 1.1 ? "within" : "OVER"
	if (sip > 0) printf "CPU: %.1f s for %d SIP messages: %.1f us a message (capture, analysis, db)\n",
		cpu, sip, cpu * 1e6 / sip
}' "$csv"
echo "db after the run: quick_check $integrity"
echo "samples: $csv"
[ "$drop" = 0 ] && echo "drops: none" || echo "drops: $drop (the target is none at $PPS packets/s)"
if [ -n "$failed" ]; then
	echo "soak: FAILED:$failed" >&2
	exit 1
fi
if [ "${SOAK_STRICT:-0}" = 1 ] && { [ "$drop" != 0 ] || [ "$integrity" != ok ]; }; then
	exit 1
fi
exit 0
