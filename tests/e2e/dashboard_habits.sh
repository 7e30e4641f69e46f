#!/bin/sh
# sngrep's habits in the dashboard (issue 18 item 3), through tmux (120x40)
# on tests/captures/b2bua/two-legs-x-cid.pcap (two SIPp legs of one call
# through a B2BUA, different Call-IDs, the B leg carrying X-CID = the A leg's
# Call-ID, and one unrelated call):
#  - F7 filter form: source, to, method applied to the list, Esc cancels,
#    FILTERED in the header;
#  - F10 columns: hide one, move one, saved as --columns in the config file,
#    loaded at the next start; --columns on the command line; a bad list refused;
#  - x joins the legs from either leg (by X-CID / by its Call-ID), not the
#    unrelated call; the combined ladder has the 12 messages over 4 hosts;
#  - w saves all listed after a filter, or the Space-marked ones, to a pcap
#    that tshark reads and to text; an unwritable dir gives a clear message.
set -u
LC_ALL=C.UTF-8
export LC_ALL
SIPWATCH=${SIPWATCH:-$(pwd)/sipwatch}
CAP=$(pwd)/tests/captures/b2bua/two-legs-x-cid.pcap
LEG_A=legA-7f3a91
LEG_B=1-14487
OTHER=1-14550

if ! command -v tmux >/dev/null 2>&1; then
	echo "not ok - dashboard_habits: tmux is not installed (.ci/deps.sh)"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sw18f-habits.XXXXXX") || exit 1
sock="sw18f-habits-$$"
. "$(dirname "$0")/tmux_lib"
mkdir -p "$tmp/home" "$tmp/out"

# the user's own config file in a private HOME: nothing from the machine's
run() { # SESSION [ARGS...]
	s=$1
	shift
	session "$s" "$tmp" "exec env -u SIPWATCH_CONFIG -u XDG_CONFIG_HOME HOME=$tmp/home TZ=UTC LANG=C.UTF-8 $SIPWATCH -r $CAP -d $tmp/$s.db $*"
}
count_packets() { tshark -r "$1" 2>/dev/null | wc -l | tr -d ' '; }

run a
if ! wait_for a "[done]" 300 || ! wait_for a "$OTHER" 30; then
	notok "dashboard lists the three dialogs of the capture" a
	exit 1
fi
ok "dashboard lists the three dialogs of the capture"

# --- F7 filter form ----------------------------------------------------------
keys a F7
expect "F7 opens the filter form" a "Filter (F7)"
keys a Down
keys a -l "225.4"
keys a Enter
if wait_gone a "$LEG_A" 30 && screen a | grep -qF "$OTHER"; then
	ok "form source=225.4 keeps only the call from 127.0.225.4"
else
	notok "form source=225.4 keeps only the call from 127.0.225.4" a
fi
screen a | head -1 | grep -qF FILTERED && ok "header says FILTERED" || notok "header says FILTERED" a
screen a | grep -qF "form src=225.4" && ok "info line describes the form" || notok "info line describes the form" a
keys a F7
keys a Down C-u
keys a Escape
sleep 0.3
if screen a | grep -qF "filter form unchanged" && ! screen a | grep -qF "$LEG_A"; then
	ok "Esc cancels the form's edits"
else
	notok "Esc cancels the form's edits" a
fi
# to=alice, method=invite (every leg has one): the two legs, not carol's call
keys a F ; keys a Down C-u Down Down Down ; keys a -l alice ; keys a Up Up Up Up ; keys a -l invite ; keys a Enter
if wait_for a "$LEG_A" 30 && screen a | grep -qF "$LEG_B" && ! screen a | grep -qF "$OTHER"; then
	ok "form to=alice method=invite lists the two legs only"
else
	notok "form to=alice method=invite lists the two legs only" a
fi

# --- w: all listed after the filter -----------------------------------------
keys a w C-u ; keys a -l "$tmp/out/listed.pcap" ; keys a Enter
expect "w with nothing marked saves the 2 listed dialogs" a "wrote 2 dialog(s), 12 message(s)"
n=$(count_packets "$tmp/out/listed.pcap")
[ "$n" = 12 ] && ok "the saved pcap holds the 12 messages (tshark)" || notok "the saved pcap holds the 12 messages (tshark: $n)"
keys a w C-u ; keys a -l "$tmp/no-such-dir/x.pcap" ; keys a Enter
expect "unwritable place: a clear message" a "cannot save 2 dialog(s): $tmp/no-such-dir/x.pcap"
keys a F7 ; keys a C-u Down Down Down Down C-u ; keys a Enter
expect "empty form shows every dialog again" a "$OTHER"

# --- x: legs joined by correlation headers ------------------------------------
keys a Home x
expect "x on the A leg joins the B leg (its Call-ID in the B leg's X-CID)" a "combined flow of 2 dialogs: $LEG_A@127.0.225.1 + $LEG_B@127.0.225.2"
if screen a | grep -qF "127.0.225.3:5060" && screen a | grep -qF "message 1/12"; then
	ok "the combined ladder has 4 hosts and the 12 messages"
else
	notok "the combined ladder has 4 hosts and the 12 messages" a
fi
# in time order: the ladder's time column never goes back, 12 message rows
times=$(screen a | grep -oE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ' | tr -d ' ')
if [ "$(echo "$times" | wc -l)" = 12 ] && [ "$(echo "$times" | sort -c 2>&1)" = "" ] &&
	[ "$(echo "$times" | head -1)" = "10:18:17.895" ] && [ "$(echo "$times" | tail -1)" = "10:18:19.408" ]; then
	ok "messages of both legs merged in time order"
else
	notok "messages of both legs merged in time order" a
fi
keys a Escape
keys a Down x
expect "x on the B leg joins the A leg by X-CID" a "(by X-CID)"
keys a Escape
keys a End x
expect "x on the unrelated call finds no leg" a "no other leg found"

# --- Space marks, w and x on the marked ---------------------------------------
keys a Home Space Space
expect "Space marks dialogs" a "2 marked"
keys a w C-u ; keys a -l "$tmp/out/marked.txt" ; keys a Enter
expect "w saves the 2 marked dialogs as text" a "wrote 2 dialog(s), 12 message(s)"
if grep -qF "Call-ID: $LEG_A@127.0.225.1" "$tmp/out/marked.txt" && grep -qF "Call-ID: $LEG_B@127.0.225.2" "$tmp/out/marked.txt" &&
	! grep -qF "$OTHER" "$tmp/out/marked.txt"; then
	ok "the text file holds both legs, not the other call"
else
	notok "the text file holds both legs, not the other call"
fi
keys a x
expect "x with marks shows their combined flow" a "combined flow of 2 dialogs"
keys a Escape

# --- F10 columns ---------------------------------------------------------------
keys a F10
expect "F10 opens the column editor" a "Columns (F10)"
# (METHOD, issue 18 item 2, comes after STATE in the editor's list)
keys a Down Down Down Down Down Space Up Up Up -
keys a Enter
expect "the editor says the choice is saved" a ", saved in $tmp/home"
if screen a | sed -n 2p | grep -qE "STATE +CALL-ID +START" && ! screen a | sed -n 2p | grep -qF "USER AGENT"; then
	ok "columns reordered (CALL-ID before START) and USER AGENT hidden"
else
	notok "columns reordered (CALL-ID before START) and USER AGENT hidden" a
fi
grep -qxF -- "--columns state,method,callid,start,fromto,seref,refresh,teardown,end,findings" "$tmp/home/.config/sipwatch/config" &&
	ok "config file has the --columns line" || notok "config file has the --columns line ($(cat "$tmp/home/.config/sipwatch/config" 2>&1))"
keys a q
wait_exit a 50 || notok "q quits"

run b
if wait_for b "[done]" 300 && screen b | sed -n 2p | grep -qE "STATE +CALL-ID +START" && ! screen b | sed -n 2p | grep -qF "USER AGENT"; then
	ok "the next start takes the columns from the config file"
else
	notok "the next start takes the columns from the config file" b
fi
keys b q
run c --columns callid,state
if wait_for c "[done]" 300 && screen c | sed -n 2p | grep -qE "^ *CALL-ID +STATE" && ! screen c | sed -n 2p | grep -qF "START"; then
	ok "--columns on the command line wins over the config file"
else
	notok "--columns on the command line wins over the config file" c
fi
keys c q
msg=$(env HOME="$tmp/home" "$SIPWATCH" -r "$CAP" --no-ui --columns state,bogus 2>&1)
rc=$?
case "$rc:$msg" in
2:*'unknown column "bogus"'*) ok "--columns with an unknown name: exit 2 and the reason" ;;
*) notok "--columns with an unknown name: exit 2 and the reason (rc $rc: $msg)" ;;
esac
exit $((fails > 0))
