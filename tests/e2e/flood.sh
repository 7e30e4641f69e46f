#!/bin/sh
# Bounded memory under floods (captures from tests/tools/gen_flood): never-
# answered INVITEs each with a new Call-ID (default cap, then --max-dialogs
# 1000), endless retransmissions of one INVITE, IP fragments that never
# complete, TCP connections that never close.  Peak RSS comes from
# /usr/bin/time -v and is printed as "# ..." lines; each is asserted under a
# generous bound.  Under a sanitizer build (SAN set) the floods are smaller
# and the bounds 4x, since ASan's shadow memory and quarantine dominate.
. tests/e2e/lib.sh
GEN=$TOOLS/gen_flood
N_INV=400000 N_RE=200000 N_FRAG=100000 N_TCP=100000 MUL=1
if [ -n "${SAN:-}" ]; then N_INV=50000 N_RE=20000 N_FRAG=20000 N_TCP=20000 MUL=4; fi
LIMIT_INV=$((256 * MUL)) LIMIT_SMALL=$((128 * MUL)) # MiB

# flood NAME CAPTURE [options]: peak RSS (MiB) in $rss, exit status in $rc
flood() {
	name=$1 cap=$2; shift 2
	start=$(date +%s)
	timeout 500 /usr/bin/time -v $SIPWATCH -r "$cap" -d "$T/$name.db" --no-ui "$@" \
		>"$T/$name.out" 2>"$T/$name.time"
	rc=$?
	kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$T/$name.time")
	rss=$(( ${kb:-0} / 1024 ))
	echo "# $name: peak RSS $rss MiB, $(($(date +%s) - start)) s, exit $rc, capture $(($(wc -c <"$cap") / 1048576)) MiB"
	rm -f "$cap"
}
q() { sqlite3 "$T/$1.db" "$2"; }

# 1. INVITE flood, default --max-dialogs (100000)
$GEN invites $N_INV "$T/inv.pcap"
flood invites "$T/inv.pcap"
inv_rss=$rss
check "invite flood: exit 0" 0 $rc
[ $rss -gt 0 ] && [ $rss -lt $LIMIT_INV ] && ok "invite flood: peak RSS $rss MiB < $LIMIT_INV MiB" ||
	notok "invite flood: peak RSS $rss MiB, want < $LIMIT_INV MiB"
check "invite flood: every dialog in the db" $N_INV "$(q invites 'select count(*) from dialogs')"
check "invite flood: every dialog ended NO_ANSWER or EVICTED" 0 \
	"$(q invites "select count(*) from dialogs where end_class not in ('NO_ANSWER', 'EVICTED')")"
echo "# invite flood: $(q invites "select group_concat(end_class || ' ' || n, ', ') from (select end_class, count(*) n from dialogs group by 1)")"

# 2. the same flood with --max-dialogs 1000: evictions, and less memory
$GEN invites $N_INV "$T/inv.pcap"
flood invites-1000 "$T/inv.pcap" --max-dialogs 1000
check "invite flood --max-dialogs 1000: exit 0" 0 $rc
check "invite flood --max-dialogs 1000: EVICTED rows" $((N_INV - 1000)) \
	"$(q invites-1000 "select count(*) from dialogs where end_class = 'EVICTED'")"
[ $rss -gt 0 ] && [ $rss -lt $inv_rss ] && ok "invite flood --max-dialogs 1000: peak RSS $rss MiB < $inv_rss MiB" ||
	notok "invite flood --max-dialogs 1000: peak RSS $rss MiB, want < $inv_rss MiB"

# 3. one INVITE retransmitted without end
$GEN retrans $N_RE "$T/re.pcap"
flood retrans "$T/re.pcap"
check "retransmissions: exit 0" 0 $rc
[ $rss -gt 0 ] && [ $rss -lt $LIMIT_SMALL ] && ok "retransmissions: peak RSS $rss MiB < $LIMIT_SMALL MiB" ||
	notok "retransmissions: peak RSS $rss MiB, want < $LIMIT_SMALL MiB"
check "retransmissions: every copy stored" $N_RE "$(q retrans 'select count(*) from messages')"

# 4. first fragments only
$GEN frags $N_FRAG "$T/fr.pcap"
flood frags "$T/fr.pcap"
check "fragments never completed: exit 0" 0 $rc
[ $rss -gt 0 ] && [ $rss -lt $LIMIT_SMALL ] && ok "fragments never completed: peak RSS $rss MiB < $LIMIT_SMALL MiB" ||
	notok "fragments never completed: peak RSS $rss MiB, want < $LIMIT_SMALL MiB"

# 5. TCP connections that never close, and one header that never ends
$GEN tcp $N_TCP "$T/tcp.pcap"
flood tcp "$T/tcp.pcap"
check "TCP never closed: exit 0" 0 $rc
[ $rss -gt 0 ] && [ $rss -lt $LIMIT_SMALL ] && ok "TCP never closed: peak RSS $rss MiB < $LIMIT_SMALL MiB" ||
	notok "TCP never closed: peak RSS $rss MiB, want < $LIMIT_SMALL MiB"
