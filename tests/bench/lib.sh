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

bench_machine() {
	cores=$(nproc 2>/dev/null || echo "?")
	model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
	load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
	echo "machine: $cores cores, ${model:-unknown CPU}, load average ${load:-?} before the runs"
}
