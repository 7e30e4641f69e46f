#!/bin/sh
# Hostile captures (built by tests/tools/gen_hostile): a file cut at every
# byte, record headers lying about lengths, snaplen-cut packets, absurd
# Content-Length over UDP and TCP, 60 kB headers, and NUL bytes, escape
# sequences and invalid UTF-8 in every header that is shown or stored.  Every
# run ends by itself (timeout) with exit 0 or 1 and at most one stderr line;
# the text report holds no raw ESC byte, the JSON report and event lines parse.
. tests/e2e/lib.sh
GEN=$TOOLS/gen_hostile
ESC=$(printf '\033')
# Hundreds of short runs: their dbs go to memory when there is a tmpfs.
S=$(mktemp -d /dev/shm/sipwatch-hostile.XXXXXX 2>/dev/null) || S=$(mktemp -d "$T/shm.XXXXXX")
trap 'rm -rf "$T" "$S"' EXIT INT TERM

# run NAME CAPTURE [options]: json report to $T/NAME.json, stderr to $T/NAME.err, status in $rc
run() {
	name=$1 cap=$2; shift 2
	rm -f "$S/$name.db" "$S/$name.db-wal" "$S/$name.db-shm"
	timeout 120 $SIPWATCH -r "$cap" -d "$S/$name.db" --no-ui --report json "$@" >"$T/$name.json" 2>"$T/$name.err"
	rc=$?
}
jv() { jq -r "$2" "$T/$1.json" 2>&1; }

# --- every cut point of a small capture --------------------------------------
$GEN small "$T/small.pcap"
size=$(wc -c <"$T/small.pcap")
len1=$(od -An -tu4 -j32 -N4 "$T/small.pcap" | tr -d ' ')
b1=$((24 + 16 + len1)) # end of record 1; record 2 ends the file
bad=0 cuts=0
c=0
# Under a sanitizer each run starts slowly: every byte of the headers and
# around the record boundaries, every 5th byte elsewhere.
step=1
[ -n "${SAN:-}" ] && step=5
while [ $c -le "$size" ]; do
	if [ $step -gt 1 ] && [ $c -gt 60 ] && [ $((c % step)) != 0 ] &&
		[ $((c - b1)) -gt 20 -o $((b1 - c)) -gt 20 ] && [ $((size - c)) -gt 20 ]; then
		c=$((c + 1))
		continue
	fi
	head -c $c "$T/small.pcap" >"$S/cut.pcap"
	rm -f "$S/cut.db" "$S/cut.db-wal" "$S/cut.db-shm"
	timeout 20 $SIPWATCH -r "$S/cut.pcap" -d "$S/cut.db" --no-ui --report json >"$S/cut.json" 2>"$S/cut.err"
	rc=$?
	lines=$(wc -l <"$S/cut.err")
	if [ $c -lt 24 ]; then want_rc=1 want_pk=; # no file header: nothing read, no report
	elif [ $c = 24 ] || [ $c = $b1 ] || [ $c = "$size" ]; then want_rc=0 lines_want=0
	else want_rc=1; fi
	if [ $c -ge 24 ]; then
		if [ $c -ge "$size" ]; then want_pk=2; elif [ $c -ge $b1 ]; then want_pk=1; else want_pk=0; fi
	fi
	lines_want=$want_rc
	pk=$(jq -r .capture.packets "$S/cut.json" 2>/dev/null)
	if [ "$rc" != "$want_rc" ] || [ "$lines" != "$lines_want" ] || [ "$pk" != "$want_pk" ]; then
		[ $bad -lt 5 ] && echo "# cut at $c: exit $rc (want $want_rc), stderr lines $lines (want $lines_want), packets [$pk] (want [$want_pk]): $(head -c 200 "$S/cut.err")"
		bad=$((bad + 1))
	fi
	cuts=$((cuts + 1))
	c=$((c + 1))
done
check "truncated at $cuts cut points (every byte${SAN:+ near boundaries}): exit 1 + one stderr line after the report, 0 at record boundaries" 0 $bad

# --- record headers lying about lengths ---------------------------------------
# name  exit  packets  sip_messages
for v in "caplen-gt-snaplen 0 2 0" "caplen-gt-file 1 1 1" "caplen-huge 1 1 1" "caplen-zero 0 3 2" \
	"origlen-lt-caplen 0 2 2"; do
	set -- $v
	$GEN "$1" "$T/$1.pcap"
	run "$1" "$T/$1.pcap"
	check "$1: exit status" "$2" $rc
	check "$1: at most one stderr line" "$2" "$(wc -l <"$T/$1.err")"
	check "$1: packets and SIP messages read" "$3 $4" "$(jv "$1" '"\(.capture.packets) \(.capture.sip_messages)"')"
done

# --- well-formed files with hostile contents ---------------------------------
# name  packets  sip_messages  dialogs  a Call-ID that must be there
for v in "snapcut 4 1 1 -" "cl-udp 10 10 10 after" "cl-tcp 91 1 1 tafter" "bighdr 87 4 4 big3" \
	"evil 63 63 18 -"; do
	set -- $v
	$GEN "$1" "$T/$1.pcap"
	# --strict-peers: the generator's defective refresh answers doom at once
	# (its doomed dialogs carry the hostile bytes into findings and reports)
	run "$1" "$T/$1.pcap" --events "$T/$1.events" --strict-peers
	check "$1: exit 0, nothing on stderr" "0 " "$rc $(cat "$T/$1.err")"
	check "$1: packets, SIP messages, dialogs" "$2 $3 $4" \
		"$(jv "$1" '"\(.capture.packets) \(.capture.sip_messages) \(.dialogs|length)"')"
	if [ "$5" != - ]; then
		check "$1: the message after the hostile ones is read" 1 \
			"$(jv "$1" "[.dialogs[]|select(.call_id==\"$5\")]|length")"
	fi
	check "$1: db rows = SIP messages" "$3" "$(sqlite3 "$S/$1.db" 'select count(*) from messages')"
	check "$1: db integrity" ok "$(sqlite3 "$S/$1.db" 'pragma integrity_check')"
	check_cmd "$1: JSON report valid" jq -e . "$T/$1.json"
	if [ -s "$T/$1.events" ]; then
		check_cmd "$1: event lines valid JSON" jq -e . "$T/$1.events"
	fi
	timeout 120 $SIPWATCH -r "$T/$1.pcap" -d "$S/$1-t.db" --no-ui --report text --strict-peers \
		>"$T/$1.txt" 2>&1
	check "$1: text report, exit 0" 0 $?
	check "$1: text report holds no raw ESC byte" 0 "$(grep -c "$ESC" "$T/$1.txt")"
	check "$1: text report holds no C1 control (8-bit CSI)" 0 \
		"$(LC_ALL=C grep -c "$(printf '\302[\200-\237]')" "$T/$1.txt")"
done

# The hostile bytes reach every displayed field, yet come out escaped.
check "evil: raw text stored as sent (ESC kept in the db's raw column)" 7 \
	"$(sqlite3 "$S/evil.db" "select count(*) from messages where instr(cast(raw as text), char(27) || '[2J') > 0")"
check "evil: JSON carries ESC escaped in call_id and user agents" 1 \
	"$(jv evil '([27]|implode) as $e|[.dialogs[]|select(.call_id == "evil0-a\($e)[2Jb@host" and .caller_ua == "a\($e)[2Jb" and .callee_ua == "a\($e)[2Jb")]|length')"
check "evil: JSON report escapes every control byte" 0 "$(LC_ALL=C tr -d '\n' <"$T/evil.json" | LC_ALL=C tr -cd '\000-\037\177' | wc -c)"
check "evil: 9 doomed dialogs whose findings quote the bytes" 9 "$(jv evil '[.dialogs[]|select(.doomed)]|length')"
check "evil: text report shows ESC as \\x1b" 1 "$(grep -c 'Call-ID doom0-a\\x1b\[2Jb@host' "$T/evil.txt")"
