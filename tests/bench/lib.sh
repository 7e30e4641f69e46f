# Shared by bench.sh and bench-live.sh (sourced, POSIX sh): the bench capture.
#
# bench_capture sets $pcap to the generated capture, making it only when it is
# missing or was made with other parameters or another gen_bench.c.
# Needs BUILD; reads BENCH_CALLS (or its argument), BENCH_SEED, BENCH_RATE, BENCH_TCP.

bench_die() {
	echo "bench: $*" >&2
	exit 1
}

bench_capture() { # [calls]
	CALLS=${1:-${BENCH_CALLS:-140000}}
	SEED=${BENCH_SEED:-1}
	RATE=${BENCH_RATE:-300}
	tflag=""
	tname=udp
	if [ "${BENCH_TCP:-0}" = 1 ]; then
		tflag=--tcp
		tname=tcp
	fi
	DIR=$BUILD/bench
	mkdir -p "$DIR" || bench_die "cannot create $DIR"
	[ -x "$BUILD/tools/gen_bench" ] || bench_die "$BUILD/tools/gen_bench missing (make tools)"
	pcap=$DIR/bench-$tname-$CALLS-$SEED-$RATE.pcap
	stamp="$CALLS $SEED $RATE $tname $(cksum <tests/tools/gen_bench.c)"
	if [ -f "$pcap" ] && [ -f "$pcap.params" ] &&
		[ "$(head -n 1 "$pcap.params")" = "$stamp" ]; then
		echo "bench: reusing $pcap" >&2
	else
		rm -f "$pcap" "$pcap.params"
		# shellcheck disable=SC2086
		"$BUILD/tools/gen_bench" -n "$CALLS" --seed "$SEED" --rate "$RATE" $tflag \
			-o "$pcap" 2>"$DIR/gen.txt" || { cat "$DIR/gen.txt" >&2; bench_die "gen_bench failed"; }
		cat "$DIR/gen.txt" >&2
		{
			echo "$stamp"
			sed -n 's/.*), \([0-9]*\) messages, .*/packets=\1/p' "$DIR/gen.txt"
		} >"$pcap.params"
	fi
	# packets in the capture (one SIP message each over UDP)
	PACKETS=$(sed -n 's/^packets=//p' "$pcap.params")
}

# A private copy of the binary: "make" elsewhere rewrites ./sipwatch in place,
# which kills a process running from it (SIGBUS on its next page-in).
bench_private_sipwatch() {
	[ -x "$1" ] || bench_die "$1 missing (make all)"
	cp "$1" "$DIR/sipwatch.run" || bench_die "cannot copy $1"
	SIPWATCH=$DIR/sipwatch.run
}

# Before each timed run: write back the dirty pages of what came before (the
# capture just generated, the previous run's db), so that no program pays for
# another's writeback.  Measured 2026-12-04: the first sipwatch run right after
# gen_bench took 9.8 s wall, 15.0 CPU s; the same binary alone 6.9-7.2 s, 9.8-10.2.
bench_settle() {
	sync
}

bench_machine() {
	cores=$(nproc 2>/dev/null || echo "?")
	model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
	load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
	echo "machine: $cores cores, ${model:-unknown CPU}, load average ${load:-?} before the runs"
}

# ---- live replay, shared by bench-live.sh and soak.sh ----
# BENCH_PREFIX: a command prefix that execs, for both programs (e.g. "ip netns
# exec NS"; the PIDs stay those of sipwatch and tcpreplay).  Every started
# process is waited for with a bound, then SIGINT/TERM/KILL.
BENCH_PREFIX=${BENCH_PREFIX:-}
SW=""
RP=""
bench_alive() { kill -0 "$1" 2>/dev/null; }
bench_wait_gone() { # PID SECONDS: 0 when it is gone in time
	_n=0
	while bench_alive "$1"; do
		[ "$_n" -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		_n=$((_n + 1))
	done
	return 0
}
bench_stop_pid() { # PID SECONDS: SIGINT, then TERM and KILL if it does not end
	bench_alive "$1" || return 0
	kill -INT "$1" 2>/dev/null
	bench_wait_gone "$1" "$2" && return 0
	echo "bench: pid $1 ignored SIGINT for $2 s: SIGTERM" >&2
	kill -TERM "$1" 2>/dev/null
	bench_wait_gone "$1" 5 && return 0
	kill -KILL "$1" 2>/dev/null
	bench_wait_gone "$1" 5
	return 1
}
bench_cleanup() {
	[ -n "$RP" ] && bench_stop_pid "$RP" 5
	[ -n "$SW" ] && bench_stop_pid "$SW" 30
}

# bench_sipwatch_start DB OUT ERR ARGS...: $SIPWATCH -d DB --no-ui ARGS in the
# background (SW = its PID), ready once its captures row exists (the capture
# is open before the db); 1 when it died or was not ready within 10 s.
bench_sipwatch_start() {
	_db=$1 _out=$2 _err=$3
	shift 3
	# shellcheck disable=SC2086
	$BENCH_PREFIX "$SIPWATCH" -d "$_db" --no-ui "$@" >"$_out" 2>"$_err" </dev/null &
	SW=$!
	_n=0
	until [ "$(sqlite3 "$_db" 'select count(*) from captures' 2>/dev/null)" = 1 ]; do
		if ! bench_alive "$SW" || [ "$_n" -ge 100 ]; then
			break
		fi
		sleep 0.1
		_n=$((_n + 1))
	done
	bench_alive "$SW"
}

# bench_replay_start IFACE TCPREPLAY-ARGS...: tcpreplay of $pcap on IFACE in the
# background (RP = its PID), its output in $DIR/replay.txt.
bench_replay_start() {
	_if=$1
	shift
	# shellcheck disable=SC2086
	$BENCH_PREFIX tcpreplay -i "$_if" "$@" "$pcap" >"$DIR/replay.txt" 2>&1 &
	RP=$!
}

# bench_replay_wait SECONDS: waits for the replay (stopped past SECONDS);
# returns its status (1 when stopped), sets REPLAY_SENT and REPLAY_PPS from
# tcpreplay's own "Actual:" and "Rated:" lines.
bench_replay_wait() {
	_rc=0
	if ! bench_wait_gone "$RP" "$1"; then
		echo "bench: tcpreplay still running after $1 s: stopped" >&2
		bench_stop_pid "$RP" 5
		_rc=1
	fi
	wait "$RP"
	_w=$?
	[ "$_rc" = 0 ] && _rc=$_w
	RP=""
	REPLAY_SENT=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$DIR/replay.txt" | head -n 1)
	REPLAY_PPS=$(sed -n 's/^Rated: .*, \([0-9.]*\) pps.*/\1/p' "$DIR/replay.txt" | head -n 1)
	return "$_rc"
}

# bench_threads_snap PID FILE: each thread's name and CPU ticks (utime+stime)
# into FILE; the threads are named (common/thread_role.h), the main one (the
# analyzer headless, the dashboard with one) is listed as "main".
bench_threads_snap() {
	for _t in /proc/"$1"/task/*; do
		_c=$(cat "$_t/comm" 2>/dev/null) || continue
		[ "${_t##*/}" = "$1" ] && _c=main
		awk -v c="$_c" '{ sub(/^.*\) /, ""); print c, $12 + $13 }' "$_t/stat" 2>/dev/null
	done >"$2"
}
# bench_threads_cpu BEFORE AFTER MS: "name N% ..." of one core per thread name
# over MS milliseconds, largest first (threads of one name added).
bench_threads_cpu() {
	_hz=$(getconf CLK_TCK)
	awk -v hz="$_hz" -v ms="$3" 'NR == FNR { a[$1] += $2; next } { b[$1] += $2 }
		END { for (n in b) printf "%s %.0f%%\n", n, 100 * (b[n] - a[n]) / hz / (ms / 1000) }' \
		"$1" "$2" | sort -k2 -rn | tr '\n' ' ' | sed 's/ $//'
}
# bench_rss_parts PID: where its resident memory is, from /proc/PID/smaps:
# the capture's kernel ring (a packet socket's mapping), the packet ring
# (common/pkt_ring.c maps it alone: the most resident anonymous mapping of
# its exact power-of-two size, 32 MiB live), the rest of the anonymous memory (malloc:
# dialogs, the dashboard's list, SQLite's caches, queues), files (libraries).
bench_rss_parts() {
	awk -v ring_kib="${2:-32768}" '
		/^[0-9a-f]+-[0-9a-f]+ / { name = $6; next }
		/^Size:/ { size = $2; next }
		/^Rss:/ {
			if (name ~ /^socket:/) k = "socket"
			else if (name == "" && size == ring_kib) {
				# a malloc arena may have a part of that size too: the
				# ring is the most resident one
				k = "anon"
				if ($2 > ring_rss) { v["anon"] += ring_rss; ring_rss = $2; next }
			}
			else if (name == "" || name ~ /^\[(heap|stack)/) k = "anon"
			else k = "files"
			v[k] += $2
		}
		END { v["ring"] = ring_rss; printf "kernel capture ring %.0f, packet ring %.0f, heap and other anonymous %.0f, files %.0f MiB",
			v["socket"] / 1024, v["ring"] / 1024, v["anon"] / 1024, v["files"] / 1024 }' \
		"/proc/$1/smaps" 2>/dev/null
}
