#!/bin/sh
# The dashboard end to end, driven through tmux (120x40): the doomed dialog is
# listed in red with its finding; / filter, sort and d (doomed only) work;
# Enter shows the ladder with the UPDATE and its 200 and the missing headers;
# w writes a pcap that tcpdump/tshark read; ? help; resize; monochrome; a call
# with escape sequences and invalid UTF-8 in From, Call-ID and User-Agent
# leaves the screen intact; q quits.
#
# Input: sipwatch -r on the bundled outage + healthy captures merged with a
# hostile call (written by tests/tools/dash_demo --write-pcap).  While
# `sipwatch -r` is not wired end to end, the same dialogs come from
# dash_demo filling a db through db/store.h (said on a "#" line).
#
# Prints "ok - ..." / "not ok - ..." per check.  Every tmux session lives on a
# private socket killed at exit; every wait is bounded.
set -u
# The patterns below hold UTF-8 (box drawing, arrows): match characters, not bytes.
LC_ALL=C.UTF-8
export LC_ALL

BUILD=${BUILD:-build}
SIPWATCH=${SIPWATCH:-$(pwd)/sipwatch}
DEMO=$(pwd)/$BUILD/tools/dash_demo
OUTAGE=$(pwd)/samples/outage-update-200-dropped.pcap
HEALTHY=$(pwd)/samples/healthy-update.pcap
DOOMED_ID=u02-1-14299
HEALTHY_ID=u03-1-14297

if ! command -v tmux >/dev/null 2>&1; then
	echo "not ok - dashboard_tmux: tmux is not installed (.ci/deps.sh)"
	exit 1
fi
if [ ! -x "$DEMO" ]; then
	echo "not ok - dashboard_tmux: $DEMO missing (make tools)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipwatch-dash.XXXXXX") || exit 1
sock="sipwatch-e2e-$$"
# T, ok/notok (with the screen), screen, wait_for, wait_gone, keys; cleanup at exit
. "$(dirname "$0")/tmux_lib"
screen_e() { T capture-pane -t "$1" -p -e 2>/dev/null; }

# wait_re SESSION EXTENDED-REGEX [tenths]
wait_re() {
	i=0
	while [ "$i" -lt "${3:-50}" ]; do
		screen "$1" | grep -qE -- "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# check DESCRIPTION SESSION COMMAND...: ok if the command succeeds.
check() {
	d=$1 s=$2
	shift 2
	if "$@"; then ok "$d"; else notok "$d" "$s"; fi
}

# The input: the real pipeline if `sipwatch -r` works end to end, else the
# demo db.  The captures are Ethernet, the hostile call raw IP: one pcap
# holds one link type, so the samples lose their Ethernet header (editcap).
mode=demo
t0=$(tcpdump -tt -nn -r "$OUTAGE" -c 1 2>/dev/null | cut -d. -f1)
"$DEMO" --write-pcap "$tmp/hostile.pcap" ${t0:-} || { echo "not ok - dash_demo --write-pcap"; exit 1; }
if [ -x "$SIPWATCH" ] && command -v mergecap >/dev/null 2>&1 && command -v editcap >/dev/null 2>&1 &&
	tcpdump -r "$OUTAGE" -c 1 2>&1 | grep -q 'EN10MB' &&
	editcap -T rawip -C 14 "$OUTAGE" "$tmp/outage.pcap" 2>/dev/null &&
	editcap -T rawip -C 14 "$HEALTHY" "$tmp/healthy.pcap" 2>/dev/null &&
	mergecap -F pcap -w "$tmp/all.pcap" "$tmp/outage.pcap" "$tmp/healthy.pcap" "$tmp/hostile.pcap" &&
	timeout 60 "$SIPWATCH" -r "$tmp/all.pcap" -d "$tmp/probe.db" --no-ui --report json \
		>"$tmp/probe.json" 2>/dev/null &&
	grep -q "$DOOMED_ID" "$tmp/probe.json"; then
	mode=pipeline
fi
if [ "$mode" = pipeline ]; then
	echo "# input: $SIPWATCH -r (outage + healthy + hostile captures, merged)"
	run="'$SIPWATCH' -r '$tmp/all.pcap' -d '$tmp/ui.db'"
else
	echo "# input: dash_demo db (sipwatch -r is not wired end to end yet)"
	run="'$DEMO' -n 5 '$tmp/ui.db'"
fi

# start SESSION [ENV...]: the dashboard in a 120x40 pane, in $tmp, UTF-8.
start() {
	s=$1
	shift
	rm -f "$tmp/ui.db" "$tmp/ui.db-wal" "$tmp/ui.db-shm"
	T new-session -d -s "$s" -x 120 -y 40 \
		"cd '$tmp' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC $* $run; echo EXIT=\$?; sleep 60"
}

start main
if ! wait_for main "[done]" 300 || ! wait_re main "$DOOMED_ID.*REFRESH_" 100; then
	notok "dashboard shows the capture read to its end, with the doomed dialog $DOOMED_ID" main
	exit 1
fi

# --- main screen ---------------------------------------------------------
row=$(screen main | grep -F "$DOOMED_ID")
case $row in
*REFRESH_2XX_NO_*) ok "doomed dialog listed with its finding code" ;;
*) notok "doomed dialog listed with its finding code (row: $row)" main ;;
esac
screen_e main | grep -F "$DOOMED_ID" | grep -q '31m'
check "doomed dialog drawn in red" main test $? = 0
screen_e main | grep -F "$HEALTHY_ID" | grep -q '31m'
check "healthy dialog not red" main test $? != 0
check "header counts the doomed dialog" main sh -c "tmux -L '$sock' capture-pane -t main -p | head -1 | grep -q 'DOOMED 1'"
check "header shows the clock with its zone" main sh -c "tmux -L '$sock' capture-pane -t main -p | head -1 | grep -qE '[0-9]{2}:[0-9]{2}:[0-9]{2} UTC'"
check "hostile Call-ID shown as visible escapes" main sh -c "tmux -L '$sock' capture-pane -t main -p | grep -qF '\\x1b'"

# --- filter ----------------------------------------------------------------
keys main / ; keys main -l "$HEALTHY_ID" ; keys main Enter
if wait_gone main "$DOOMED_ID" 30 && screen main | grep -qF "$HEALTHY_ID"; then
	ok "/ filter keeps only the matching dialog"
else
	notok "/ filter keeps only the matching dialog" main
fi
keys main / ; keys main Escape
sleep 0.3
check "Esc at the prompt keeps the filter" main sh -c "! tmux -L '$sock' capture-pane -t main -p | grep -qF '$DOOMED_ID'"
keys main / ; keys main C-u ; keys main Enter
check "empty filter shows every dialog again" main wait_for main "$DOOMED_ID" 30

# --- sort ------------------------------------------------------------------
line_of() { screen main | grep -nF "$1" | head -1 | cut -d: -f1; }
keys main s
if wait_for main "CALL-ID▲" 30; then ok "s sorts by the next column (CALL-ID)"; else notok "s sorts by the next column (CALL-ID)" main; fi
a=$(line_of "$DOOMED_ID") b=$(line_of "$HEALTHY_ID")
check "sorted by Call-ID: u02 above u03" main test "${a:-99}" -lt "${b:-0}"
keys main r
wait_for main "CALL-ID▼" 30
a=$(line_of "$DOOMED_ID") b=$(line_of "$HEALTHY_ID")
check "r reverses the sort: u03 above u02" main test "${b:-99}" -lt "${a:-0}"
keys main '<'
check "< sorts by the previous column" main wait_for main "STATE▼" 30
keys main r

# --- doomed only ---------------------------------------------------------------
keys main d
if wait_gone main "$HEALTHY_ID" 30 && screen main | grep -qF "$DOOMED_ID" &&
	screen main | grep -q "doomed only"; then
	ok "d shows the doomed dialogs only"
else
	notok "d shows the doomed dialogs only" main
fi

# --- dialog screen ---------------------------------------------------------
keys main Home Enter
if wait_for main "Call-ID: $DOOMED_ID" 30; then ok "Enter opens the dialog"; else notok "Enter opens the dialog" main; fi
check "ladder shows the refresh UPDATE as an arrow" main wait_re main '─ UPDATE ─+▶|◀─+ UPDATE ─' 30
check "ladder shows the 200 to the UPDATE" main wait_re main '200 UPDATE' 30
check "ladder marks the failed refresh answer" main wait_re main '✗ no ' 30
check "ladder marks the teardown point on the time axis" main wait_re main '┄ teardown expected ┄' 30
check "selected message calls out the missing Contact" main wait_re main '^!! missing: .*Contact' 30
screen_e main | grep -F '!! missing' | grep -q '31m'
check "missing headers line in red" main test $? = 0
check "findings listed in the dialog screen" main wait_re main 'REFRESH_2XX_NO_CONTACT' 30

sel=$(screen main | sed -n 's/^message \([0-9][0-9]*\)\/.*/\1/p' | head -1)
keys main Down
check "Down selects the next message" main wait_for main "message $(( ${sel:-0} + 1 ))/" 30
keys main Up
wait_for main "message ${sel:-0}/" 30

keys main w
if wait_for main "sipwatch-$DOOMED_ID.pcap" 30; then ok "w reports the pcap it wrote"; else notok "w reports the pcap it wrote" main; fi
pcap="$tmp/sipwatch-$DOOMED_ID.pcap"
n=$(screen main | sed -n 's/.*wrote \([0-9][0-9]*\) packet.*/\1/p' | head -1)
if [ -s "$pcap" ]; then
	if command -v tcpdump >/dev/null 2>&1; then
		got=$(tcpdump -nn -r "$pcap" 2>/dev/null | grep -c 'SIP')
	else
		got=$(tshark -r "$pcap" -Y sip 2>/dev/null | wc -l)
	fi
	check "the pcap reads back: $got SIP packets (status said ${n:-?})" main test "${got:-0}" -gt 0 -a "${got:-0}" = "${n:-x}"
else
	notok "the pcap exists at $pcap" main
fi

keys main '?'
check "? shows the help" main wait_for main "sipwatch dashboard: keys" 30
keys main x
check "a key leaves the help, back to the dialog" main wait_for main "Call-ID: $DOOMED_ID" 30
keys main Escape
check "Esc goes back to the list" main wait_for main "STATE" 30
keys main d
check "d again shows every dialog" main wait_for main "$HEALTHY_ID" 30

# --- hostile dialog ----------------------------------------------------------
keys main / ; keys main -l mallory ; keys main Enter
sleep 0.3
keys main Home Enter
if wait_for main "Call-ID: " 30 && wait_for main "w save pcap" 30; then
	sleep 0.2
	scr=$(screen main)
	first=$(echo "$scr" | head -1)
	case $first in
	" sipwatch "*) ok "hostile dialog screen: header intact" ;;
	*) notok "hostile dialog screen: header intact" main ;;
	esac
	echo "$scr" | sed -n 2p | grep -q '^Call-ID: .*\\x1b'
	check "hostile Call-ID printed as text on its own line" main test $? = 0
	check "hostile raw message shown escaped" main sh -c "tmux -L '$sock' capture-pane -t main -p | grep -qF '\\x1b[2J'"
	lines=$(screen main | wc -l)
	check "pane still 40 lines" main test "$lines" = 40
	title=$(T display-message -p -t main '#{pane_title}')
	case $title in
	*pwned*) notok "terminal title untouched (got '$title')" ;;
	*) ok "terminal title untouched" ;;
	esac
	wide=$(screen main | LC_ALL=C.UTF-8 wc -L)
	check "no line wider than the pane ($wide columns)" main test "$wide" -le 120
else
	notok "hostile dialog opens" main
fi
keys main Escape
keys main / ; keys main C-u ; keys main Enter

# --- resize ------------------------------------------------------------------
T resize-window -t main -x 70 -y 20 >/dev/null 2>&1
check "a 70x20 terminal gets the too-small line" main wait_for main "terminal too small" 30
T resize-window -t main -x 120 -y 40 >/dev/null 2>&1
check "back to 120x40 redraws the list" main wait_for main "$DOOMED_ID" 30

# --- quit ------------------------------------------------------------------
keys main q
check "q quits with status 0" main wait_for main "EXIT=0" 50

# --- monochrome --------------------------------------------------------------
start mono NO_COLOR=1
if wait_for mono "[done]" 300 && wait_re mono "$DOOMED_ID.*REFRESH_" 100; then
	r=$(screen_e mono | grep -F "$DOOMED_ID")
	echo "$r" | grep -q '31m'
	check "NO_COLOR: no red" mono test $? != 0
	echo "$r" | grep -qE '\[([0-9]+;)*1(;[0-9]+)*m'
	check "NO_COLOR: doomed dialog stands out in bold" mono test $? = 0
	keys mono q
	check "NO_COLOR: q quits" mono wait_for mono "EXIT=0" 50
else
	notok "NO_COLOR dashboard starts" mono
fi

[ "$fails" = 0 ]
