#!/bin/sh
# Live TLS on lo (127.0.160.42:15080, -f keeps sipwatch to it): sipwatch -i lo
# -Z nobody --tls-keylog KEYS, where KEYS is an empty file only root may read
# when sipwatch starts.  Then two real TLS 1.2 connections (Python ssl, i.e.
# OpenSSL: tests/captures/tls/resume.py), the second resuming the first by
# session ID, each an OPTIONS and its 200; Python appends their secrets to KEYS
# during the handshakes.  sipwatch, running as nobody by then, still reads the
# key log it opened as root, decrypts both sessions and stores the 4 messages
# with transport tls.  About 5 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and sqlite3 jq python3 flock setpriv
unset SSLKEYLOGFILE
live_lock sw16_live_tls
chmod 711 "$T"
A=127.0.160.42 P=15080
mkdir -p "$T/z" && chmod 755 "$T/z"
: >"$T/keys.log"
chmod 600 "$T/keys.log"
sw_start tls "$T/z/tls.db" -i lo -f "host $A and tcp port $P" -Z nobody --report json \
	--tls-keylog "$T/keys.log"
pid=$SW_PID
if alive "$pid"; then ok "live tls: sipwatch capturing as nobody"; else
	notok "live tls: sipwatch did not start: $(cat "$T/tls.err")"; exit 0; fi
check "live tls: uid nobody" "65534 65534" "$(awk '/^Uid:/ { print $2, $3 }' "/proc/$pid/status" 2>/dev/null)"
check "live tls: nobody cannot open the key log" denied \
	"$(setpriv --reuid nobody --regid nogroup --clear-groups cat "$T/keys.log" >/dev/null 2>&1 && echo read || echo denied)"
if timeout 20 python3 tests/captures/tls/resume.py sid "$T/keys.log" tests/captures/tls/server.crt \
	tests/captures/tls/server.key $A $P; then ok "live tls: two TLS 1.2 connections, one resumed"
else notok "live tls: the TLS peers failed"; fi
if waitfor 5 sh -c "[ \"\$(sqlite3 '$T/z/tls.db' \"select count(*) from messages where transport = 'tls'\" 2>/dev/null)\" = 4 ]"; then
	ok "live tls: the 4 decrypted messages in the db, transport tls"
else notok "live tls: messages: $(q "$T/z/tls.db" 'select transport, count(*) from messages group by 1')"; fi
kill -INT "$pid"
wait_exit "$pid" 10
check "live tls: exit status 0" 0 "$RC"
check "live tls: report: 2 sessions decrypted, none without keys, 4 SIP messages" "2 2 0 4" \
	"$(jq -r '.capture | "\(.tls_sessions) \(.tls_decrypted) \(.tls_no_keys) \(.sip_messages)"' "$T/tls.out" 2>/dev/null)"
check "live tls: nothing on stderr" "" "$(cat "$T/tls.err")"
