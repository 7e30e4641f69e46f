#!/bin/sh
# make fuzz: build the libFuzzer targets with clang (ASan+UBSan) and run each for
# FUZZ_TIME seconds (default 60) from seed corpora made of the test captures'
# frames and SIP payloads and the RFC 4475 torture messages.  Targets:
#   fuzz_packet      link layer → IP fragments / TCP streams → SIP payloads
#   fuzz_sip         payload → parse → dialogs, transactions, session timers
#   fuzz_parse_diff  libosip2 (sip_parse_strict) vs sip_parse (the scanner) must agree
#   fuzz_decap       tunnels: VXLAN, GENEVE, GRE, ERSPAN, MPLS, IP-in-IP, PPPoE, SCTP
#   fuzz_tls         TLS records and sessions, with tests/captures/tls/*.keys loaded
#   fuzz_ws          WebSocket framing and permessage-deflate
#   fuzz_pcapng      pcapng files → capture/pcapng.c → decoder (seeds: tests/fuzz/seed_pcapng)
#   fuzz_hep         HEP3 datagrams and TCP streams → capture/hep.c (seeds: tests/fuzz/seed_hep)
# Any crash, leak, UB or disagreement fails the run and leaves its input as
# build-fuzz/crash-TARGET-*; make it a capture under tests/captures/regress/.
# FUZZ_TARGETS picks a subset; FUZZ_JOBS > 1 runs that many workers per target;
# FUZZ_SEED fixes libFuzzer's random seed (CI does, so a CI failure replays
# the same mutations on a developer's machine; unset: a new seed each run).
# Ends with one line "fuzz: PASS ..." or "fuzz: FAIL ...".
set -eu
FUZZ_TIME=${FUZZ_TIME:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-packet sip parse_diff tls ws hep pcapng decap}
B=build-fuzz
mkdir -p "$B"
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CFL="-std=c11 -g -O1 -I. -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2
 -Wstrict-prototypes -Wmissing-prototypes -Wvla -pthread"
LIBSRC=$(ls common/*.c capture/*.c analyzer/*.c | grep -v '^capture/source')
# The library once (instrumented, two compilers at a time), then each target.
mkdir -p "$B/obj"
export CFL B
echo "$LIBSRC" | tr ' ' '\n' | xargs -P2 -I{} sh -c \
	'o="$B/obj/$(echo {} | tr / _).o"; clang $CFL -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -c -o "$o" {}' ||
	{ echo "fuzz: FAIL (build)"; exit 1; }
OBJS=$(for f in $LIBSRC; do echo "$B/obj/$(echo "$f" | tr / _).o"; done)
for t in $FUZZ_TARGETS; do
	# shellcheck disable=SC2086
	clang $CFL $SAN -o "$B/fuzz_$t" "tests/fuzz/fuzz_$t.c" $OBJS \
		-lpcap -losipparser2 -losip2 -lpthread -lcrypto -lz
done
# Seeds: SIP messages for fuzz_sip (leg byte + time step + text) and
# fuzz_parse_diff (text alone), frames for fuzz_packet.
for d in seed_sip seed_packet seed_parse_diff corpus_sip corpus_packet corpus_parse_diff \
	seed_tls corpus_tls seed_ws corpus_ws seed_hep corpus_hep seed_pcapng corpus_pcapng \
	seed_decap corpus_decap; do
	mkdir -p "$B/$d"
done
cp tests/fuzz/seed_hep/* "$B/seed_hep/"
cp tests/fuzz/seed_pcapng/* "$B/seed_pcapng/"
for f in tests/data/rfc4475/*.dat; do
	[ -f "$f" ] || continue
	{ printf '\001\144\000'; cat "$f"; } >"$B/seed_sip/$(basename "$f")"
done
# shellcheck disable=SC2086
clang $CFL -O1 -o "$B/pcap_frames" tests/tools/pcap_frames.c $LIBSRC -lpcap -losipparser2 -losip2 \
	-lcrypto -lz
# fuzz_tls / fuzz_ws seeds: the first connection of each tests/captures/tls capture,
# as [direction][length][bytes] chunks (TLS), or the client's frames after its
# Upgrade request with the options byte in front (WebSocket).
for p in tests/captures/tls/*.pcap; do
	[ -f "$p" ] || continue
	tshark -r "$p" -Y 'tcp.len > 0' -T fields -e tcp.srcport -e tcp.dstport -e tcp.payload \
		2>/dev/null | python3 -c '
import sys
rows = [l.rstrip("\n").split("\t") for l in sys.stdin if l.count("\t") == 2]
if not rows:
    sys.exit()
pair = {rows[0][0], rows[0][1]}
tls, ws = bytearray(), bytearray()
for sp, dp, hexs in rows:
    if {sp, dp} != pair:
        continue
    b = bytes.fromhex(hexs.replace(":", ""))
    d = 0 if sp == rows[0][0] else 1
    for i in range(0, len(b), 65535):
        c = b[i:i + 65535]
        tls += bytes([d, len(c) & 255, len(c) >> 8]) + c
    if d == 0:
        ws += b
name = sys.argv[1]
if b"\r\n\r\n" in ws and ws.startswith(b"GET"):
    open(sys.argv[3], "wb").write(bytes([0x41 if b"deflate" in ws[:400] else 0x40]) +
                                  bytes(ws[ws.index(b"\r\n\r\n") + 4:]))
open(sys.argv[2], "wb").write(bytes(tls))
' "$p" "$B/seed_tls/$(basename "$p")" "$B/seed_ws/$(basename "$p")" || true
done
find samples tests/captures -name '*.pcap' | sort | while read -r p; do
	"$B/pcap_frames" "$p" "$B/seed_packet" "$B/seed_sip" || true
done
# fuzz_decap: the tunnel captures' frames as Ethernet records (selector 0, the
# rest of the input), and two consecutive frames as one input.
prev=""
for f in "$B"/seed_packet/u0[23]_*; do
	[ -f "$f" ] || continue
	{ printf '\000\377\377'; tail -c +6 "$f"; } >"$B/seed_decap/$(basename "$f")"
	if [ -n "$prev" ]; then
		n=$(tail -c +6 "$prev" | wc -c)
		# shellcheck disable=SC2059
		{ printf "\\000\\$(printf %o $((n / 256)))\\$(printf %o $((n % 256)))"
		  tail -c +6 "$prev"; printf '\000\377\377'; tail -c +6 "$f"; } \
			>"$B/seed_decap/pair-$(basename "$f")"
	fi
	prev=$f
done
for f in tests/captures/regress/*.sip; do # past finds
	[ -f "$f" ] || continue
	{ printf '\001\144\000'; cat "$f"; } >"$B/seed_sip/$(basename "$f")"
done
for f in "$B"/seed_sip/*; do # the same messages without the 3-byte prefix
	tail -c +4 "$f" >"$B/seed_parse_diff/$(basename "$f")"
done
# fuzz_sip also gets each capture's whole conversation as one input: its
# messages in order, separated as fuzz_sip.c's FUZZ_SEP.
find samples tests/captures -name '*.pcap' | sort | while read -r p; do
	base=$(basename "$p")
	n=0
	out="$B/seed_sip/conv-$base"
	: >"$out"
	while [ -f "$B/seed_sip/$base-sip-$n" ]; do
		[ $n -gt 0 ] && printf '\377\376\375\374' >>"$out"
		cat "$B/seed_sip/$base-sip-$n" >>"$out"
		n=$((n + 1))
	done
done
status=0
summary=""
for t in $FUZZ_TARGETS; do
	echo "fuzz_$t: ${FUZZ_TIME}s"
	jobs=""
	MAXLEN=65536
	[ $t = sip ] && MAXLEN=262144 # whole conversations
	[ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs="-fork=$FUZZ_JOBS -ignore_crashes=0"
	[ -n "${FUZZ_SEED:-}" ] && jobs="$jobs -seed=$FUZZ_SEED"
	# shellcheck disable=SC2086
	if ! timeout $((FUZZ_TIME + 120)) "$B/fuzz_$t" -max_total_time="$FUZZ_TIME" -max_len=$MAXLEN \
		-rss_limit_mb=2048 -timeout=20 $jobs \
		-artifact_prefix="$B/crash-$t-" -print_final_stats=1 \
		"$B/corpus_$t" "$B/seed_$t" >"$B/fuzz_$t.log" 2>&1; then
		echo "fuzz_$t: FAILED — see $B/fuzz_$t.log and $B/crash-$t-*"
		grep -E 'ERROR|SUMMARY|differs|#[0-9]+ +in ' "$B/fuzz_$t.log" | head -20
		status=1
		summary="$summary fuzz_$t=FAIL"
	else
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz_$t.log" | tail -1)
		rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$B/fuzz_$t.log" | tail -1)
		echo "fuzz_$t: ${execs:-?} executions in ${FUZZ_TIME}s, peak RSS ${rss:-?} MB, corpus $(ls "$B/corpus_$t" | wc -l)"
		summary="$summary fuzz_$t=${execs:-?}"
	fi
done
if [ $status = 0 ]; then echo "fuzz: PASS ($FUZZ_TIME s per target:$summary)"; else
	echo "fuzz: FAIL ($summary )"; fi
exit $status
