#!/bin/sh
# Every SIP method (issue 18): the SIPp + Kamailio capture of REGISTER with
# 401 challenges and a refresh, OPTIONS pings, MESSAGE and SUBSCRIBE/NOTIFY
# (tests/captures/methods/) gives one dialogs row per entry with its method,
# state and final status (expected.txt), every message linked to its entry,
# no finding; the JSON report keeps "dialogs" for INVITE dialogs and counts
# the entries apart.
. tests/e2e/lib.sh
CAP=tests/captures/methods/methods.pcap
EXP=tests/captures/methods/expected.txt
DB=$T/m.db
q() { sqlite3 -readonly "$DB" "$1"; }

"$SIPWATCH" -r "$CAP" -d "$DB" --no-ui --report json >"$T/r.json" 2>"$T/err"
check "sipwatch reads the methods capture" 0 $?
grep -v '^#' "$EXP" >"$T/want"
q "SELECT method || '|' || state || '|' || coalesce(final_status, '') || '|' || n_messages
	FROM dialogs ORDER BY id" >"$T/got"
check "one row per entry, with method, state, final status ($EXP)" "" "$(diff "$T/want" "$T/got")"
check "every message is linked to its entry" "0 24" \
	"$(q "SELECT (SELECT count(*) FROM messages WHERE dialog_id IS NULL), count(*) FROM messages" | tr '|' ' ')"
check "the REGISTER entry holds both challenges and the refresh" "REGISTER,REGISTER,REGISTER,REGISTER 401,200,401,200" \
	"$(q "SELECT group_concat(m.method), (SELECT group_concat(status) FROM messages m2 WHERE m2.dialog_id = d.id AND status IS NOT NULL)
		FROM messages m JOIN dialogs d ON d.id = m.dialog_id WHERE d.method = 'REGISTER' AND m.method IS NOT NULL" | tr '|' ' ')"
check "no session-timer finding on entries outside INVITE dialogs" 0 "$(q 'SELECT count(*) FROM findings')"

if command -v python3 >/dev/null 2>&1; then
	got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
o = d["other_dialogs"]
print(s["dialogs"], s["other_dialogs"], ",".join("%s=%d" % kv for kv in sorted(s["other_by_method"].items())),
      len(d["dialogs"]), o[0]["method"], o[0]["state"], o[0]["final_status"], o[-1]["method"], o[-1]["state"])
' "$T/r.json")
	check "JSON: dialogs 0 (INVITE), 6 other entries by method, listed with method and state" \
		"0 6 MESSAGE=1,OPTIONS=3,REGISTER=1,SUBSCRIBE=1 0 REGISTER registered 200 SUBSCRIBE terminated" "$got"
else
	echo "skip - JSON report check: python3 missing"
fi
"$SIPWATCH" --open "$DB" --report text >"$T/r.txt" 2>/dev/null
check "text report counts the entries per method (OPTIONS, REGISTER)" "3 1" \
	"$(sed -n '/entries outside INVITE dialogs/,/requests outside/p' "$T/r.txt" | awk '/REGISTER|OPTIONS/ {printf "%s%s", s, $2; s=" "}')"

# The dashboard lists the entries too (issue 18 item 2), through tmux: the
# METHOD column (chosen with --columns: the default layout drops it first
# below 136 columns), 'o' hides REGISTER and OPTIONS and shows them again,
# 'm' lists one method, 'M' every method.
if ! command -v tmux >/dev/null 2>&1; then
	echo "skip - dashboard METHOD column and keys: tmux missing"
	exit 0
fi
tmp=$T
sock="h21d-methods-$$"
. tests/e2e/tmux_lib
case $SIPWATCH in /*) sw=$SIPWATCH ;; *) sw=$(pwd)/$SIPWATCH ;; esac
rows() { screen "$1" | grep -cE "^[a-z]+ +$2 +sw18m-"; }
session m "$T" "exec env -u SIPWATCH_CONFIG -u XDG_CONFIG_HOME HOME=$T TZ=UTC LANG=C.UTF-8 \
$sw --open $DB --columns state,method,callid,fromto,findings"
if wait_for m "SUBSCRIBE" 100; then
	check "dashboard rows with their METHOD (REGISTER, OPTIONS, MESSAGE, SUBSCRIBE)" "1 3 1 1" \
		"$(rows m REGISTER) $(rows m OPTIONS) $(rows m MESSAGE) $(rows m SUBSCRIBE)"
	check "the REGISTER row's state (registered)" 1 "$(screen m | grep -cE '^reg +REGISTER +sw18m-regis')"
	keys m o
	if wait_for m "2 of 6 dialogs" 30; then
		check "o hides REGISTER and OPTIONS, keeps MESSAGE and SUBSCRIBE" "0 0 1 1" \
			"$(rows m REGISTER) $(rows m OPTIONS) $(rows m MESSAGE) $(rows m SUBSCRIBE)"
	else
		notok "o hides REGISTER and OPTIONS" m
	fi
	keys m o
	if wait_for m "6 of 6 dialogs" 30; then
		check "o again shows them" "1 3" "$(rows m REGISTER) $(rows m OPTIONS)"
	else
		notok "o again shows them" m
	fi
	keys m m m # INVITE (none here), then REGISTER
	if wait_for m "1 of 6 dialogs" 30 && screen m | grep -qF "method=REGISTER"; then
		check "m m: REGISTER only (the filter form's method field)" "1 0" \
			"$(rows m REGISTER) $(rows m OPTIONS)"
	else
		notok "m m: REGISTER only" m
	fi
	keys m M
	expect "M: every method again" m "6 of 6 dialogs"
	keys m q
	wait_exit m 50 || notok "q quits the dashboard" m
else
	notok "dashboard opens the methods db" m
fi

# Read on a terminal (the dashboard open while the file is read; on a file this
# small the first load from the db may already hold every row, so the feed's
# own part is test_dashboard_live's).
session l "$T" "exec env -u SIPWATCH_CONFIG -u XDG_CONFIG_HOME HOME=$T TZ=UTC LANG=C.UTF-8 \
$sw -r $(pwd)/$CAP -d $T/live.db --columns state,method,callid,fromto,findings"
if wait_for l "SUBSCRIBE" 100 && wait_for l "6 of 6 dialogs" 50; then
	check "-r on a terminal: every entry listed with its METHOD" "1 3 1 1" \
		"$(rows l REGISTER) $(rows l OPTIONS) $(rows l MESSAGE) $(rows l SUBSCRIBE)"
	check "-r on a terminal: the header counts INVITE dialogs only" 1 "$(screen l | head -1 | grep -c 'dialogs 0 (active 0)')"
else
	notok "-r on a terminal: the entries reach the list" l
fi
keys l q
wait_exit l 50 || notok "q quits the dashboard of -r" l

# Live (-i): the dashboard never re-reads the db, every row comes through the
# analyzer's feed (app/run.c).  Inside a network namespace made here (its own
# lo), the capture replayed by tcpreplay; the namespace is deleted at exit.
if [ "$(id -u)" != 0 ] || ! command -v tcpreplay >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
	echo "skip - live dashboard with every method: needs root, tcpreplay and ip"
	exit 0
fi
NS=h21d-methods-$$
if ! ip netns add "$NS" 2>/dev/null || ! ip -n "$NS" link set lo up 2>/dev/null; then
	ip netns del "$NS" 2>/dev/null
	echo "skip - live dashboard with every method: no network namespaces here"
	exit 0
fi
trap 'tmux_cleanup; ip netns del "$NS" 2>/dev/null' EXIT
session i "$T" "exec ip netns exec $NS env -u SIPWATCH_CONFIG -u XDG_CONFIG_HOME HOME=$T TZ=UTC \
LANG=C.UTF-8 $sw -i lo -d $T/netns.db --columns state,method,callid,fromto,findings"
if wait_for i "[live]" 100; then
	ip netns exec "$NS" tcpreplay -i lo --topspeed "$(pwd)/$CAP" >"$T/replay.txt" 2>&1
	if wait_for i "6 of 6 dialogs" 50; then
		check "live: every entry comes through the feed with its METHOD" "1 3 1 1" \
			"$(rows i REGISTER) $(rows i OPTIONS) $(rows i MESSAGE) $(rows i SUBSCRIBE)"
		keys i o
		if wait_for i "2 of 6 dialogs" 30; then
			check "live: o hides REGISTER and OPTIONS" "0 0" "$(rows i REGISTER) $(rows i OPTIONS)"
		else
			notok "live: o hides REGISTER and OPTIONS" i
		fi
	else
		notok "live: every entry comes through the feed ($(grep -m1 Actual "$T/replay.txt"))" i
	fi
else
	notok "live: the dashboard opens on the namespace's lo" i
fi
keys i q
wait_exit i 50 || notok "q quits the live dashboard" i
