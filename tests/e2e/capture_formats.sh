#!/bin/sh
# Every capture file users hand over gives the same dialogs as the plain pcap:
#   - mergecap of an Ethernet and a Linux SLL2 capture (pcapng, two interfaces
#     of different link types: libpcap refuses it) = the two read separately
#   - that file gzip-compressed (told by its bytes: named .bin), and on stdin
#   - a nanosecond pcap (editcap -F nsecpcap), times kept to the microsecond
#   - a pcapng with a custom block (0x00000BAD) and an unknown block type
#     between its packets, and with its second interface's snaplen at 64 bytes
#   - a truncated pcapng (and .gz): what was read is reported, then one line.
# A few seconds.
. tests/e2e/lib.sh
for t in mergecap editcap jq python3 gzip; do
	command -v $t >/dev/null 2>&1 || { echo "skip - $t not installed (.ci/deps.sh)"; exit 0; }
done
H=samples/healthy-update.pcap
O=samples/outage-update-200-dropped.pcap
"$TOOLS/pcap_rewrap" "$O" "$T/o_sll2.pcap" --link 276 >/dev/null 2>&1 ||
	{ notok "pcap_rewrap failed"; exit 0; }

# summary FILE [ARGS]: "packets sip_messages | call_id doomed end_class ..." of the report
summary() {
	f=$1
	shift
	rm -f "$T/s.db" "$T/s.db-wal" "$T/s.db-shm"
	"$SIPWATCH" -r "$f" -d "$T/s.db" --no-ui --report json "$@" >"$T/s.json" 2>"$T/s.err" </dev/null
	echo $? >"$T/rc"
	jq -r "$SUM" "$T/s.json" 2>/dev/null
}
SUM='"\(.capture.packets) \(.capture.sip_messages) | " + ([.dialogs[] | "\(.call_id) \(.doomed) \(.end_class) \(.findings | map(.code) | unique | join(","))"] | sort | join(" ; "))'
rc() { cat "$T/rc"; }
summary_stdin() {
	rm -f "$T/s.db" "$T/s.db-wal" "$T/s.db-shm"
	"$SIPWATCH" -r - -d "$T/s.db" --no-ui --report json <"$1" >"$T/s.json" 2>"$T/s.err"
	jq -r "$SUM" "$T/s.json" 2>/dev/null
}
sh_=$(summary "$H")
so=$(summary "$T/o_sll2.pcap")
sp=$(summary "$O")
check "SLL2 rewrap gives the same dialog as the Ethernet original" "$sp" "$so"
# the two separately, merged: counts add up, dialogs are the union
summary "$H" >/dev/null; cp "$T/s.json" "$T/h.json"
summary "$T/o_sll2.pcap" >/dev/null; cp "$T/s.json" "$T/o.json"
want=$(jq -rs '(map(.capture.packets) | add | tostring) + " " + (map(.capture.sip_messages) | add | tostring) + " | " + ([.[].dialogs[] | "\(.call_id) \(.doomed) \(.end_class) \(.findings | map(.code) | unique | join(","))"] | sort | join(" ; "))' "$T/h.json" "$T/o.json")

mergecap -w "$T/merged.pcapng" "$H" "$T/o_sll2.pcap"
check "mergecap Ethernet + SLL2 (pcapng, two link types): the same dialogs as read separately" \
	"$want" "$(summary "$T/merged.pcapng")"
check "mixed pcapng: exit 0, nothing on stderr" "0 " "$(rc) $(cat "$T/s.err")"
check "mixed pcapng with -f 'udp port 5060': the same" "$want" "$(summary "$T/merged.pcapng" -f 'udp port 5060')"
want_h=$(summary "$H" -f 'host 127.0.2.10')
check "mixed pcapng with -f 'host 127.0.2.10': what the filter keeps of the Ethernet file" \
	"$want_h" "$(summary "$T/merged.pcapng" -f 'host 127.0.2.10')"

gzip -c "$T/merged.pcapng" >"$T/merged.bin"
check "gzip-compressed pcapng, named .bin (told by its bytes)" "$want" "$(summary "$T/merged.bin")"
check "gzip-compressed pcapng on stdin" "$want" "$(summary_stdin "$T/merged.bin")"
gzip -c "$O" >"$T/o.pcap.gz"
check "gzip-compressed pcap" "$sp" "$(summary "$T/o.pcap.gz")"

editcap -F nsecpcap "$O" "$T/o_ns.pcap"
check "nanosecond pcap (magic a1b23c4d)" "4d3cb2a1" "$(od -An -tx1 -N4 "$T/o_ns.pcap" | tr -d ' ')"
check "nanosecond pcap: same dialogs" "$sp" "$(summary "$T/o_ns.pcap")"
t_us=$(summary "$O" >/dev/null; jq -r '.capture.started' "$T/s.json")
t_ns=$(summary "$T/o_ns.pcap" >/dev/null; jq -r '.capture.started' "$T/s.json")
check "nanosecond pcap: same start time" "$t_us" "$t_ns"

# Custom (0x00000BAD) and unknown (0x12345678) blocks after every packet block,
# and the SLL2 interface's snaplen set to 64: the dialogs of the Ethernet one stay.
python3 - "$T/merged.pcapng" "$T/custom.pcapng" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
out, off, idb = [], 0, 0
while off + 8 <= len(d):
    t, n = struct.unpack_from('<II', d, off)
    blk = bytearray(d[off:off + n])
    if t == 1:
        if idb == 1:
            struct.pack_into('<I', blk, 12, 64)  # snaplen of interface 1
        idb += 1
    out.append(bytes(blk))
    if t == 6:
        body = struct.pack('<I', 32473) + b'sipwatch-custom!'
        out.append(struct.pack('<II', 0x00000BAD, 12 + len(body)) + body + struct.pack('<I', 12 + len(body)))
        out.append(struct.pack('<II', 0x12345678, 16) + b'\0\0\0\0' + struct.pack('<I', 16))
    off += n
open(sys.argv[2], 'wb').write(b''.join(out))
EOF
check "pcapng with custom and unknown blocks: the same dialogs" "$want" "$(summary "$T/custom.pcapng")"
check "pcapng with custom blocks: exit 0" 0 "$(rc)"

# Truncated: what came before is reported, then one line on stderr, exit 1.
size=$(wc -c <"$T/merged.pcapng")
head -c $((size * 2 / 3)) "$T/merged.pcapng" >"$T/cut.pcapng"
out=$(summary "$T/cut.pcapng")
pk=${out%% *}
RC=$(rc)
if [ "$RC" = 1 ] && [ "${pk:-0}" -gt 0 ] && [ "$(wc -l <"$T/s.err")" = 1 ] &&
	grep -q "cut.pcapng: truncated record at packet $((pk + 1))" "$T/s.err"; then
	ok "truncated pcapng: $pk packets reported, then one error line"
else
	notok "truncated pcapng: exit $RC, packets '$pk', stderr: $(cat "$T/s.err")"
fi
gzip -c "$T/cut.pcapng" >"$T/cut.pcapng.gz"
out=$(summary "$T/cut.pcapng.gz")
check "truncated pcapng, gzip-compressed: the same packets, exit 1" "$pk 1" "${out%% *} $(rc)"
# A corrupt block length
python3 -c "
import sys; d = bytearray(open('$T/merged.pcapng','rb').read()); i = d.find(b'\x06\x00\x00\x00', 200)
d[i+4:i+8] = b'\x07\x00\x00\x00'; open('$T/bad.pcapng','wb').write(d)"
summary "$T/bad.pcapng" >/dev/null
check "pcapng with an impossible block length: exit 1, one line" "1 1" "$(rc) $(wc -l <"$T/s.err")"
exit 0
