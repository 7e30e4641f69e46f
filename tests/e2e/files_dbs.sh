#!/bin/sh
# No surprises with files and dbs (issue 18), through the real binary and, for
# the dashboard, a private tmux server (-L sw18-files-PID):
# - sipwatch -r FILE on a terminal without -d browses a temporary db that is
#   gone at exit, and leaves no sipwatch.db behind;
# - reading a file the db already holds is skipped with a message (and the same
#   report), --again reads it once more;
# - --open DB / -d DB alone browse a db (dashboard, or the report when piped);
#   the live list follows increments, End then d fills the page; / finds a
#   dialog by a header value;
# - the messages: -c 0, --max-dialogs 0 / -5, -d DIRECTORY, a gzipped capture,
#   a missing db;
# - default flags from a config file (SIPWATCH_CONFIG), the command line winning;
# - the text report counts requests outside INVITE dialogs by method.
set -u
SIPWATCH_CONFIG=/dev/null # no machine config; the config tests set their own
export SIPWATCH_CONFIG
LC_ALL=C.UTF-8
export LC_ALL
BUILD=${BUILD:-build}
SIPWATCH=${SIPWATCH:-$(pwd)/sipwatch}
GEN=$(pwd)/$BUILD/tools/gen_bench
OUTAGE=$(pwd)/samples/outage-update-200-dropped.pcap
DOOMED_ID=u02-1-14299

if ! command -v tmux >/dev/null 2>&1; then
	echo "not ok - files_dbs: tmux is not installed (.ci/deps.sh)"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sw18-files.XXXXXX") || exit 1
sock="sw18-files-$$"
. "$(dirname "$0")/tmux_lib" # T, ok/notok, screen, wait_for, wait_exit, session; cleanup at exit

# 1. -r FILE on a terminal, no -d: a temporary db, gone at exit.
mkdir -p "$tmp/cwd" "$tmp/t"
session a "$tmp/cwd" "TMPDIR=$tmp/t exec $SIPWATCH -r $OUTAGE"
if wait_for a "$DOOMED_ID" 100; then ok "browse without -d: the doomed dialog listed"; else notok "browse without -d: the doomed dialog listed" a; fi
if ls "$tmp/t"/sipwatch-*/browse.db >/dev/null 2>&1; then ok "browse without -d: a temporary db while browsing"; else notok "browse without -d: a temporary db while browsing"; fi
T send-keys -t a q
if wait_exit a && [ -z "$(ls -A "$tmp/t")" ] && [ -z "$(ls -A "$tmp/cwd")" ]; then
	ok "browse without -d: no db left behind (temporary dir removed, no sipwatch.db)"
else
	notok "browse without -d: no db left behind"
	ls -la "$tmp/t" "$tmp/cwd" | sed 's/^/#   /'
fi

# 2. the same file twice into one db: skipped, same report; --again reads it.
db=$tmp/x.db
"$SIPWATCH" -r "$OUTAGE" -d "$db" --no-ui --report json >"$tmp/r1.json" 2>"$tmp/r1.err"
"$SIPWATCH" -r "$OUTAGE" -d "$db" --no-ui --report json >"$tmp/r2.json" 2>"$tmp/r2.err"
rc=$?
n=$(sqlite3 "$db" 'select count(*) from captures' 2>/dev/null)
if [ "$rc" = 0 ] && [ "$n" = 1 ] && grep -q "already in $db (capture 1" "$tmp/r2.err" &&
	grep -q -- "--again" "$tmp/r2.err"; then
	ok "a file already in the db is not read again (one capture, message names --again)"
else
	notok "a file already in the db is not read again (rc $rc, captures $n)"
	sed 's/^/#   /' "$tmp/r2.err"
fi
if cmp -s "$tmp/r1.json" "$tmp/r2.json"; then ok "the skipped run prints the same report"; else notok "the skipped run prints the same report"; fi
"$SIPWATCH" -r "$OUTAGE" -d "$db" --no-ui --again >/dev/null 2>&1
n=$(sqlite3 "$db" 'select count(*) from captures')
if [ "$n" = 2 ]; then ok "--again reads it once more"; else notok "--again reads it once more (captures $n)"; fi
sz=$(sqlite3 "$db" 'select count(*) from captures where file_size > 0 and file_digest like "fnv1a64:%"')
if [ "$sz" = 2 ]; then ok "captures.file_size and file_digest recorded"; else notok "captures.file_size and file_digest recorded ($sz)"; fi

# 3. --open DB / -d DB alone
"$SIPWATCH" --open "$db" --report json >"$tmp/o.json" 2>"$tmp/o.err"
if [ $? = 0 ] && grep -q "$DOOMED_ID" "$tmp/o.json"; then ok "--open DB piped prints the newest capture's report"; else notok "--open DB piped prints the report"; fi
"$SIPWATCH" -d "$db" >"$tmp/d.txt" 2>&1
if [ $? = 0 ] && grep -q "capture 2" "$tmp/d.txt"; then ok "-d DB alone: the newest capture's text report"; else notok "-d DB alone: the text report"; sed 's/^/#   /' "$tmp/d.txt"; fi
session b "$tmp" "exec $SIPWATCH --open $db"
if wait_for b "$DOOMED_ID" 100; then ok "--open DB on a terminal browses it"; else notok "--open DB on a terminal browses it" b; fi
T send-keys -t b q
wait_exit b || notok "--open: q quits"

# 4. a bigger file through the dashboard: the list follows the feed; End, d
if [ -x "$GEN" ] && "$GEN" -n 600 --seed 3 --rate 50 -o "$tmp/g.pcap" >/dev/null 2>&1; then
	expect=$("$SIPWATCH" -r "$tmp/g.pcap" -d "$tmp/g0.db" --no-ui --report json 2>/dev/null |
		sed -n 's/.*"doomed": *\([0-9]*\).*/\1/p' | head -n 1)
	total=$(sqlite3 "$tmp/g0.db" 'select count(*) from dialogs')
	session c "$tmp" "exec $SIPWATCH -r $tmp/g.pcap -d $tmp/g.db"
	if wait_for c "$total of $total dialogs" 200; then ok "the live list reaches every dialog ($total)"; else notok "the live list reaches every dialog ($total)" c; fi
	T send-keys -t c End
	sleep 0.3
	T send-keys -t c d
	if wait_for c "doomed only" 100; then
		rows=$(screen c | grep -c 'TIMER_TEARDOWN\|doomed')
		if [ "$rows" -ge 10 ]; then ok "End then d fills the page ($rows doomed rows)"; else notok "End then d fills the page ($rows rows, expected >= 10 of ${expect:-?})" c; fi
	else
		notok "d shows doomed only" c
	fi
	# / also searches headers and bodies: a Via branch is in no list column
	branch=$(sqlite3 "$tmp/g0.db" "SELECT raw FROM messages WHERE dialog_id = (SELECT max(id) FROM dialogs)
		ORDER BY id LIMIT 1" | sed -n 's/.*branch=\([A-Za-z0-9.]*\).*/\1/p' | head -n 1)
	T send-keys -t c d
	T send-keys -t c / "$branch" Enter
	if [ -n "$branch" ] && wait_for c "1 dialog(s) with \"$branch\" in a header or body" 100 &&
		wait_for c " 1 of $total dialogs" 100; then
		ok "/ finds a dialog by a header value (its Via branch)"
	else
		notok "/ finds a dialog by a header value (branch '$branch')" c
	fi
	T send-keys -t c q
	wait_exit c || notok "q quits the big browse"
else
	echo "skip - live list and End then d: $GEN missing or failed (make tools)"
fi

# 5. messages
msg() { # DESCRIPTION EXPECTED-RC FIXED-TEXT ARGS...
	d=$1 want=$2 text=$3
	shift 3
	out=$("$SIPWATCH" "$@" 2>&1 </dev/null)
	got=$?
	if [ "$got" = "$want" ] && printf '%s' "$out" | grep -qF -- "$text"; then ok "$d"; else
		notok "$d (status $got)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}
msg "-c 0 rejected like tcpdump" 2 "-c: '0' is not a number of at least 1" -r "$OUTAGE" -c 0 --no-ui
msg "--max-dialogs 0: one clear range" 2 "--max-dialogs: '0' is not a number between 1 and" -r "$OUTAGE" --max-dialogs 0
msg "--max-dialogs -5: the same message" 2 "--max-dialogs: '-5' is not a number between 1 and" -r "$OUTAGE" --max-dialogs -5
msg "-d DIRECTORY says it is a directory" 1 "is a directory" -r "$OUTAGE" -d "$tmp" --no-ui
gzip -c README.md >"$tmp/o.pcap.gz" # gzip, but no capture inside
msg "an unreadable gzip file gets a hint" 1 "it is gzip-compressed, which sipwatch reads" -r "$tmp/o.pcap.gz" -d "$tmp/z.db" --no-ui
msg "--open a missing db says so" 1 "no such db" --open "$tmp/none.db"
msg "--open with -r is bad usage" 2 "--open browses a db" --open "$db" -r "$OUTAGE"

# 6. default flags from a config file; the command line wins
printf '# defaults\n--report json\n\n  --utc\n' >"$tmp/config"
out=$(SIPWATCH_CONFIG=$tmp/config "$SIPWATCH" -r "$OUTAGE" -d "$tmp/c1.db" --no-ui 2>&1 | head -c 1)
if [ "$out" = "{" ]; then ok "config file: --report json applies"; else notok "config file: --report json applies (got '$out')"; fi
out=$(SIPWATCH_CONFIG=$tmp/config "$SIPWATCH" -r "$OUTAGE" -d "$tmp/c2.db" --no-ui --report text 2>&1 | head -n 1)
case $out in "sipwatch report:"*) ok "config file: the command line wins" ;; *) notok "config file: the command line wins (got '$out')" ;; esac
printf -- '--max-dialogs 0\n' >"$tmp/config"
SIPWATCH_CONFIG=$tmp/config msg "config file: its options are checked like the command line's" 2 "--max-dialogs: '0' is not a number" -r "$OUTAGE"
printf -- '-r other.pcap\n' >"$tmp/config"
SIPWATCH_CONFIG=$tmp/config msg "config file: a line that is not a long option names file and line" 2 "$tmp/config:1: not a long option" -r "$OUTAGE"
SIPWATCH_CONFIG=/dev/null
export SIPWATCH_CONFIG

# 7. requests outside INVITE dialogs are in the report (p11 has an OPTIONS ping)
"$SIPWATCH" -r tests/captures/peers/p11_session_expired.pcap -d "$tmp/m.db" --no-ui >"$tmp/m.txt" 2>&1
if sed -n '/requests outside INVITE dialogs, by method/,/^$/p' "$tmp/m.txt" | grep -qE '^ +OPTIONS +1$'; then
	ok "the report counts the OPTIONS outside the call"
else
	notok "the report counts the OPTIONS outside the call"
	sed 's/^/#   /' "$tmp/m.txt" | head -30
fi
[ "$fails" = 0 ]
