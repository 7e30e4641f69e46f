#!/bin/sh
# Storage trouble never stops the analysis, and --db-max-size bounds the db
# (issue 17).  On a ~200,000-message capture (tests/tools/gen_bench) with the
# seed outage (tests/captures/corpus/u02_seed_*) in its middle:
#   - a 60 MB tmpfs fills half-way: the JSON report lists every dialog and
#     verdict as a run with room to spare does, stderr says the disk is
#     full, exit 4, the db passes integrity_check and its captures row says
#     what happened (its final packet counters may be missing when the disk
#     is still full at the very end: not compared);
#   - a 12 MB tmpfs, too small for the dialogs: stderr says the report
#     lacks some, exit 4;
#   - --db-max-size 24M: db + WAL stay within 24 MiB + 10% (polled every
#     20 ms), the report is identical, the seed dialog keeps its messages
#     (with their text) and findings;
#   - kill -9 while it prunes: integrity_check ok;
#   - live on lo (127.0.170.0/24): a full tmpfs, then room again: the calls
#     after the space came back are stored, the captures row says so;
#   - live, --retention-days 1 with --db-max-size and a retention clock 3600
#     times faster (SIPWATCH_RETENTION_CLOCK_SCALE): the hourly pass removes
#     a capture that turns a day old during the run, and keeps the live one.
# Needs root (tmpfs, live capture).  About 60 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and sqlite3 jq python3 mergecap editcap capinfos flock
live_lock sw17_store_degrade
MNT=$T/sw17-full
LIVE_ON_EXIT='mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"'
SEND="python3 tests/peers/live_send.py"
SEED=tests/captures/corpus/u02_seed_dropped_se90_realtime.pcap
SEED_CID=u02-1-14299@127.0.1.10
[ -x "$TOOLS/gen_bench" ] || { echo "skip - $TOOLS/gen_bench not built (make tools)"; exit 0; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
# same_report REF OTHER: "same" when the summary and every dialog (by Call-ID,
# every field) agree; dialogs created at the same instant may come in
# another order once rows were deleted, so they are compared by Call-ID.
same_report() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
key = lambda r: {d["call_id"]: d for d in r["dialogs"]}
print("same" if a["summary"] == b["summary"] and key(a) == key(b) and len(a["dialogs"]) == len(b["dialogs"])
      else "differs")
PY
}

# ---- the capture: 26,000 generated calls, the seed outage at 00:08 of its 16 minutes
"$TOOLS/gen_bench" -n 26000 -o "$T/bench.pcap" 2>/dev/null
s0=$(capinfos -a -T -r -S "$SEED" | cut -f2 | cut -d. -f1)
editcap -F pcap -t $((1767225600 + 480 - s0)) "$SEED" "$T/seed.pcap"
mergecap -F pcap -w "$T/mix.pcap" "$T/bench.pcap" "$T/seed.pcap"
rm -f "$T/bench.pcap"
CAP=$T/mix.pcap

"$SIPWATCH" -r "$CAP" -d "$T/ref.db" --no-ui --report json >"$T/ref.json" 2>"$T/ref.err"
check "room to spare: exit 0" 0 $?
total=$(q "$T/ref.db" 'SELECT count(*) FROM messages')
check "room to spare: 200,940 messages stored" 200940 "$total"
check "room to spare: the seed dialog is doomed, 21 messages, 4 findings" "1 21 4" \
	"$(q "$T/ref.db" "SELECT doomed, (SELECT count(*) FROM messages m WHERE m.dialog_id = d.id),
		(SELECT count(*) FROM findings f WHERE f.dialog_id = d.id) FROM dialogs d
		WHERE call_id = '$SEED_CID'" | tr '|' ' ')"

# ---- a disk that fills half-way
mkdir -p "$MNT"
if mount -t tmpfs -o size=60m tmpfs "$MNT" 2>/dev/null; then
	"$SIPWATCH" -r "$CAP" -d "$MNT/f.db" --no-ui --report json >"$T/full.json" 2>"$T/full.err"
	check "full disk: exit 4 (db incomplete)" 4 $?
	check "full disk: the report lists every dialog and verdict as with room to spare" same \
		"$(same_report "$T/ref.json" "$T/full.json")"
	case $(cat "$T/full.err") in
	"sipwatch: $MNT/f.db: database or disk is full"*"storing less"*) ok "full disk: stderr says the disk is full" ;;
	*) notok "full disk: stderr says the disk is full: got [$(cat "$T/full.err")]" ;;
	esac
	check "full disk: said once" 1 "$(wc -l <"$T/full.err" | tr -d ' ')"
	check "full disk: integrity_check" ok "$(q "$MNT/f.db" 'PRAGMA integrity_check')"
	check "full disk: the captures row says so and counts what is missing" 1 \
		"$(q "$MNT/f.db" "SELECT db_status LIKE '%disk is full%' AND db_errors > 0 AND db_skipped > 0 FROM captures")"
	check "full disk: every dialog and finding is in the db" \
		"$(q "$T/ref.db" 'SELECT count(*), (SELECT count(*) FROM findings) FROM dialogs')" \
		"$(q "$MNT/f.db" 'SELECT count(*), (SELECT count(*) FROM findings) FROM dialogs')"
	n=$(q "$MNT/f.db" 'SELECT count(*) FROM messages')
	# Messages of healthy calls make room for the dialogs and findings
	# (as many as it takes: at the end, the last of them may go too).
	check "full disk: messages were given up, never a dialog or finding" 1 \
		"$([ "${n:-0}" -lt "$total" ] && echo 1)"
	echo "# full disk: $n of $total messages stored, $(q "$MNT/f.db" 'SELECT db_skipped FROM captures') records skipped"
	umount "$MNT"
	# A disk too small even for the dialogs: what could not be stored by
	# the end is said, never a report that looks whole.
	mount -t tmpfs -o size=12m tmpfs "$MNT"
	"$SIPWATCH" -r "$CAP" -d "$MNT/s.db" --no-ui --report json >"$T/small.json" 2>"$T/small.err"
	check "disk too small: exit 4" 4 $?
	case $(cat "$T/small.err") in
	*"db incomplete: "*" records not stored, the report lacks some dialogs or findings"*)
		ok "disk too small: stderr says the report lacks some dialogs or findings" ;;
	*) notok "disk too small: stderr says the report lacks some dialogs or findings: got [$(cat "$T/small.err")]" ;;
	esac
	check "disk too small: the report has fewer dialogs than the capture's" 1 \
		"$([ "$(jq '.dialogs | length' "$T/small.json")" -lt "$(jq '.dialogs | length' "$T/ref.json")" ] && echo 1)"
	umount "$MNT"
else
	echo "skip - full disk: cannot mount a tmpfs"
fi

# ---- --db-max-size 24M, its size polled while it runs
CAP_MAX=$((24 * 1048576 * 11 / 10))
"$SIPWATCH" -r "$CAP" -d "$T/cap.db" --no-ui --report json --db-max-size 24M >"$T/cap.json" 2>"$T/cap.err" &
BG=$!
track "$BG"
peak=0
i=0
while alive "$BG" && [ $i -lt 6000 ]; do
	t=$(($(size "$T/cap.db") + $(size "$T/cap.db-wal")))
	[ $t -gt $peak ] && peak=$t
	sleep 0.02
	i=$((i + 1))
done
wait_exit "$BG" 5
check "--db-max-size 24M: exit 0" 0 "$RC"
check "--db-max-size 24M: nothing on stderr" "" "$(cat "$T/cap.err")"
echo "# --db-max-size 24M: db + WAL peaked at $peak bytes (cap + 10% = $CAP_MAX)"
check "--db-max-size 24M: db + WAL within the cap + 10% all along" 1 \
	"$([ "$peak" -gt 0 ] && [ "$peak" -le "$CAP_MAX" ] && echo 1)"
check "--db-max-size 24M: the report is the same" same "$(same_report "$T/ref.json" "$T/cap.json")"
check "--db-max-size 24M: the capture's counters in the report too" same \
	"$(jq -c .capture "$T/ref.json" | cmp -s - "$(jq -c .capture "$T/cap.json" >"$T/cap.c"; echo "$T/cap.c")" && echo same || echo differs)"
# Its findings and the messages they point at (with their text) are kept
# whatever the timing.  The setup of a call still in progress may be pruned
# under a cap too tight for the calls in progress, before the call turns out
# doomed (prune.c: young calls in progress go before ended evidence); how many
# of the seed's 21 messages survived depends on when the cap was reached.
check "--db-max-size 24M: the seed dialog keeps its 4 findings and the messages they point at, with text" "4 4" \
	"$(q "$T/cap.db" "SELECT (SELECT count(*) FROM findings f WHERE f.dialog_id = d.id),
		(SELECT count(*) FROM findings f JOIN messages m ON m.id = f.message_id
		 WHERE f.dialog_id = d.id AND m.raw IS NOT NULL) FROM dialogs d
		WHERE call_id = '$SEED_CID'" | tr '|' ' ')"
echo "# --db-max-size 24M: the seed dialog kept $(q "$T/cap.db" "SELECT count(*) FROM messages m JOIN dialogs d ON d.id = m.dialog_id WHERE d.call_id = '$SEED_CID'") of its 21 messages"
check "--db-max-size 24M: it did prune (fewer messages than the capture's)" 1 \
	"$([ "$(q "$T/cap.db" 'SELECT count(*) FROM messages')" -lt "$total" ] && echo 1)"
check "--db-max-size 24M: integrity_check" ok "$(q "$T/cap.db" 'PRAGMA integrity_check')"
check "--db-max-size 24M: ids stay unique (the high water recorded before deleting)" 1 \
	"$(q "$T/cap.db" "SELECT id > 0 FROM id_high_water WHERE name = 'messages'")"
check "--db-max-size 24M: every message and finding names a dialog that exists" 0 \
	"$(q "$T/cap.db" 'SELECT (SELECT count(*) FROM messages WHERE dialog_id NOT IN (SELECT id FROM dialogs))
		+ (SELECT count(*) FROM findings WHERE dialog_id NOT IN (SELECT id FROM dialogs))')"

# ---- kill -9 while it prunes (past the first seconds it prunes after every commit)
k=0
while [ $k -lt 3 ]; do
	rm -f "$T/kill.db" "$T/kill.db-wal" "$T/kill.db-shm"
	"$SIPWATCH" -r "$CAP" -d "$T/kill.db" --no-ui --db-max-size 16M >/dev/null 2>&1 &
	BG=$!
	track "$BG"
	# until it has pruned once (the high water row), then a random 0-2 s more
	waitfor 30 sh -c "[ -n \"\$(sqlite3 -readonly '$T/kill.db' 'SELECT 1 FROM id_high_water' 2>/dev/null)\" ]"
	sleep "$(awk -v s="$(date +%N)" 'BEGIN { srand(s); printf "%.2f", rand() * 2 }')"
	kill -9 "$BG" 2>/dev/null
	wait "$BG" 2>/dev/null
	st=$?
	check "kill -9 #$k while pruning: killed (137)" 137 "$st"
	check "kill -9 #$k while pruning: integrity_check" ok "$(q "$T/kill.db" 'PRAGMA integrity_check')"
	k=$((k + 1))
done

# ---- live: the disk fills while it runs, then has room again
A=127.0.170.10 B=127.0.170.30
F="net 127.0.170.0/24"
if mount -t tmpfs -o size=8m tmpfs "$MNT" 2>/dev/null; then
	LDB=$MNT/live.db
	# --strict-peers: the defective answers of "doomed" calls doom at once
	# (without it they only put the calls at risk: session-timers.md "Risk and proof")
	SIPWATCH_STORE_RETRY_MS=300 sw_start live "$LDB" -i lo -f "$F" --strict-peers
	LIVE=$SW_PID
	$SEND dialog $A $B before-1 invite,ok,ack,bye,bye_ok
	waitfor 5 sh -c "[ \"\$(sqlite3 -readonly '$LDB' \"SELECT count(*) FROM dialogs WHERE call_id = 'before-1'\" 2>/dev/null)\" = 1 ]"
	dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null
	$SEND doomed $A $B during 40 0
	waitfor 10 grep -q "disk is full" "$T/live.err"
	case $(cat "$T/live.err") in
	*"database or disk is full"*"storing less"*) ok "live full disk: stderr says so" ;;
	*) notok "live full disk: stderr says so: got [$(cat "$T/live.err")]" ;;
	esac
	check "live full disk: the analysis goes on (still running)" 1 "$(alive "$LIVE" && echo 1)"
	rm -f "$MNT/filler"
	# it steps back up a level per retry interval (300 ms here) of successful writes
	waitfor 15 grep -q "storing everything again" "$T/live.err"
	check "live: room again, stderr says it stores everything again" 1 \
		"$(grep -c 'storing everything again' "$T/live.err")"
	$SEND dialog $A $B after-1 invite,ok,ack,bye,bye_ok
	stored_after() { [ "$(q "$LDB" "SELECT count(*) FROM messages WHERE call_id = 'after-1'")" = 5 ]; }
	waitfor 10 stored_after
	check "live: a call after that is stored whole (5 messages)" 5 \
		"$(q "$LDB" "SELECT count(*) FROM messages WHERE call_id = 'after-1'")"
	stop_pid "$LIVE" 10
	check "live: the doomed calls while full are in the db (dialogs and findings)" 40 \
		"$(q "$LDB" "SELECT count(*) FROM dialogs WHERE call_id LIKE 'during-%' AND doomed = 1")"
	check "live: the captures row says it was incomplete, then stored everything" 1 \
		"$(q "$LDB" "SELECT db_status LIKE 'incomplete, then stored everything again: %full%' FROM captures")"
	check "live: integrity_check" ok "$(q "$LDB" 'PRAGMA integrity_check')"
	umount "$MNT"
else
	echo "skip - live full disk: cannot mount a tmpfs"
fi

# ---- live: the hourly retention pass on a clock 3600 times faster, with a cap
RDB=$T/ret.db
"$SIPWATCH" -r tests/captures/peers/p01_healthy_update.pcap -d "$RDB" --no-ui >/dev/null 2>&1
D=$((86400 - 3 * 3600)) # 21 h old now: a day old 3 h later (3 s of the run)
q "$RDB" "BEGIN; UPDATE messages SET ts = strftime('%s','now') - $D; UPDATE findings SET ts = strftime('%s','now') - $D;
	UPDATE dialogs SET created = strftime('%s','now') - $D, ended = strftime('%s','now') - $D + 60;
	UPDATE captures SET started = strftime('%s','now') - $D, ended = strftime('%s','now') - $D + 60; COMMIT;" >/dev/null
SIPWATCH_RETENTION_CLOCK_SCALE=3600 sw_start ret "$RDB" -i lo -f "$F" --retention-days 1 --db-max-size 4M
RET=$SW_PID
check "retention: the old capture survives the pass on start (21 h old)" 1 \
	"$(q "$RDB" 'SELECT count(*) FROM captures WHERE id = 1')"
$SEND dialog $A $B ret-1 invite,ok,ack,bye,bye_ok
gone() { [ "$(q "$RDB" 'SELECT count(*) FROM captures WHERE id = 1')" = 0 ]; }
waitfor 15 gone
check "retention: an hourly pass removed it once it was a day old (captures, dialogs, messages)" "0 0 0" \
	"$(q "$RDB" 'SELECT (SELECT count(*) FROM captures WHERE id = 1), (SELECT count(*) FROM dialogs WHERE capture_id = 1),
		(SELECT count(*) FROM messages WHERE capture_id = 1)' | tr '|' ' ')"
stop_pid "$RET" 10
check "retention: the live capture and its call are kept" "1 1" \
	"$(q "$RDB" "SELECT count(*), (SELECT count(*) FROM dialogs WHERE call_id = 'ret-1') FROM captures WHERE id = 2" | tr '|' ' ')"
check "retention: integrity_check" ok "$(q "$RDB" 'PRAGMA integrity_check')"
