#!/bin/sh
# make fuzz: build the libFuzzer targets with clang (ASan+UBSan) and run each for
# FUZZ_TIME seconds (default 60) from seed corpora made of the test captures'
# SIP payloads and the RFC 4475 torture messages.  Any crash fails the run and
# leaves its input under build-fuzz/ to become a regression test.
set -eu
FUZZ_TIME=${FUZZ_TIME:-60}
B=build-fuzz
mkdir -p "$B"
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CFL="-std=c11 -g -O1 -I. -D_DEFAULT_SOURCE -Wall -Wextra -Werror -pthread"
LIBSRC=$(ls common/*.c capture/*.c analyzer/*.c | grep -v '^capture/source')
for t in packet sip; do
	clang $CFL $SAN -o "$B/fuzz_$t" "tests/fuzz/fuzz_$t.c" $LIBSRC \
		-lpcap -losipparser2 -losip2 -lpthread
done
# Seeds: SIP messages for fuzz_sip (leg byte + time step + text), frames for fuzz_packet.
mkdir -p "$B/seed_sip" "$B/seed_packet" "$B/corpus_sip" "$B/corpus_packet"
for f in tests/data/rfc4475/*.dat; do
	[ -f "$f" ] || continue
	{ printf '\001\144\000'; cat "$f"; } >"$B/seed_sip/$(basename "$f")"
done
if [ -x build/tools/pcap_frames ]; then
	for p in tests/captures/*/*.pcap samples/*.pcap; do
		[ -f "$p" ] && build/tools/pcap_frames "$p" "$B/seed_packet" "$B/seed_sip"
	done
fi
status=0
for t in packet sip; do
	echo "fuzz_$t: ${FUZZ_TIME}s"
	if ! "$B/fuzz_$t" -max_total_time="$FUZZ_TIME" -max_len=65536 -rss_limit_mb=1024 \
		-artifact_prefix="$B/crash-$t-" -print_final_stats=1 \
		"$B/corpus_$t" "$B/seed_$t" >"$B/fuzz_$t.log" 2>&1; then
		echo "fuzz_$t: FAILED — see $B/fuzz_$t.log and $B/crash-$t-*"
		tail -30 "$B/fuzz_$t.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$B/fuzz_$t.log" | sed "s/^/fuzz_$t: /"
	fi
done
exit $status
