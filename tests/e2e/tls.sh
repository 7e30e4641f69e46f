#!/bin/sh
# Encrypted and web SIP (issue 16) on the captures of tests/captures/tls/,
# recorded with real TLS (Python's ssl, i.e. OpenSSL, with keylog_filename) by
# tests/captures/tls/record.sh: the seed outage (u02) and a healthy timer call
# (u03) replayed at their original times over plain TCP, TLS 1.2 (AES-GCM,
# ChaCha20, RSA key exchange with AES-CBC encrypt-then-MAC and
# MAC-then-encrypt), TLS 1.3 (AES-GCM on a non-SIP port, ChaCha20), WS and WSS
# (with permessage-deflate).
#   - each decrypted run gives the verdicts of the plain TCP run of the same
#     scenario (dialogs, end classes, finding codes, refresh counts), which
#     gives those of the original UDP capture, and names its transport;
#   - no key / a wrong key: sessions counted without keys, nothing parsed as
#     SIP, one advice line on stderr and in the report, the rest of a merged
#     capture unaffected;
#   - secrets never reach the db, the events, the report or stderr; a key
#     file others can read gets a warning.
set -u
SIPWATCH=${SIPWATCH:-$(pwd)/sipwatch}
C=tests/captures/tls
unset SSLKEYLOGFILE # hermetic: only what each run names (one check sets it itself)
T=$(mktemp -d /tmp/sw16-e2e-tls.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 143' TERM INT HUP

ok() { echo "ok - tls: $*"; }
notok() { echo "not ok - tls: $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: expected [$2], got [$3]"; fi; }

if ! command -v jq >/dev/null 2>&1; then
	notok "jq is not installed (.ci/deps.sh)"
	exit 0
fi
# Key files as a careful user keeps them (git does not keep modes).
for k in "$C"/*.keys "$C"/server.key; do
	cp "$k" "$T/"
	chmod 600 "$T/$(basename "$k")"
done

n=0
# run NAME PCAP [sipwatch options...]: the JSON report in $T/NAME.json, stderr in $T/NAME.err
run() {
	name=$1 pcap=$2
	shift 2
	n=$((n + 1))
	"$SIPWATCH" -r "$pcap" -d "$T/$name.db" --no-ui --report json --events "$T/$name.events" \
		"$@" >"$T/$name.json" 2>"$T/$name.err" || echo "sipwatch exit $?" >>"$T/$name.err"
}
# The verdicts, without what differs between transports (addresses, ports, times).
verdicts() {
	jq -c '[.summary.by_code, [.dialogs[] | {call_id, doomed, end_class, refreshes_ok,
		refreshes_failed, session_expires, codes: ([.findings[].code] | sort)}]]' "$T/$1.json"
}
# ... and without the Call-ID (JsSIP draws a new one per call).
verdicts_any_call() { verdicts "$1" | jq -c '.[1] |= map(del(.call_id))'; }
field() { jq -r "$2" "$T/$1.json" 2>/dev/null; }

run orig_outage tests/captures/corpus/u02_seed_dropped_se90_realtime.pcap
run orig_healthy tests/captures/corpus/u03_healthy_update_se90_realtime.pcap
run outage_tcp "$C/outage_tcp.pcap"
run healthy_tcp "$C/healthy_tcp.pcap"
check "outage over plain TCP is doomed" true "$(field outage_tcp '.dialogs[0].doomed')"
check "healthy over plain TCP is not doomed" false "$(field healthy_tcp '.dialogs[0].doomed')"
check "outage: TCP replay = original UDP capture" "$(verdicts orig_outage)" "$(verdicts outage_tcp)"
check "healthy: TCP replay = original UDP capture" "$(verdicts orig_healthy)" "$(verdicts healthy_tcp)"

# scenario  transport  key option
for s in "outage_tls12 tls keylog" "outage_tls13 tls keylog" "outage_tls12_chacha tls keylog" \
	"outage_tls12_rsa_cbc tls rsa" "outage_tls12_rsa_mte tls rsa" "outage_ws ws -" \
	"outage_wss wss keylog" "healthy_tls12 tls keylog" "healthy_tls13 tls keylog" \
	"healthy_ws ws -" "healthy_wss_deflate wss keylog"; do
	set -- $s
	name=$1 transport=$2 key=$3
	case $key in
	keylog) run "$name" "$C/$name.pcap" --tls-keylog "$T/$name.keys" ;;
	rsa) run "$name" "$C/$name.pcap" -k "$T/server.key" ;;
	*) run "$name" "$C/$name.pcap" ;;
	esac
	base=${name%%_*}_tcp
	check "$name: verdicts of the plain TCP run" "$(verdicts "$base")" "$(verdicts "$name")"
	check "$name: transport" "$transport" "$(field "$name" '[.dialogs[].transport] | unique | join(",")')"
	sessions=0
	[ "$key" != - ] && sessions=2
	check "$name: TLS sessions seen/decrypted/without keys" "$sessions/$sessions/0" \
		"$(field "$name" '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys)"')"
	check "$name: no warning or advice on stderr" "" "$(cat "$T/$name.err")"
done
# The RSA key exchange sessions also open with their key log.
run rsa_keylog "$C/outage_tls12_rsa_cbc.pcap" --tls-keylog "$T/outage_tls12_rsa_cbc.keys"
check "RSA session through its key log" "$(verdicts outage_tcp)" "$(verdicts rsa_keylog)"

# No keys: counted, nothing parsed, one advice line.
run nokeys "$C/outage_tls12.pcap"
check "no keys: sessions without keys" "2/0/2" \
	"$(field nokeys '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys)"')"
check "no keys: no SIP message, no parse error" "0 0" \
	"$(field nokeys '"\(.capture.sip_messages) \(.capture.parse_errors)"')"
check "no keys: one advice line on stderr naming the flags" 1 \
	"$(grep -c 'encrypted SIP: 2 TLS sessions not decrypted.*--tls-keylog FILE.*-k FILE' "$T/nokeys.err")"
"$SIPWATCH" -r "$C/outage_tls12.pcap" -d "$T/nokeys_text.db" --no-ui --report text >"$T/nokeys.txt" 2>/dev/null
check "no keys: the advice line in the text report" 1 \
	"$(grep -c 'encrypted SIP: 2 TLS sessions not decrypted' "$T/nokeys.txt")"
# The key log of another call: no secret for these randoms.
run otherkeys "$C/outage_tls12.pcap" --tls-keylog "$T/healthy_tls12.keys"
check "another call's key log: without keys, nothing parsed" "2/0/2 0" \
	"$(field otherkeys '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys) \(.sip_messages)"')"
# A wrong secret for the right randoms: records do not authenticate.
for v in 12 13; do
	awk '{ s = $3; gsub(/[0-9]/, "a", s); print $1, $2, s }' "$T/outage_tls$v.keys" >"$T/wrong$v.keys"
	chmod 600 "$T/wrong$v.keys"
	run "wrong$v" "$C/outage_tls$v.pcap" --tls-keylog "$T/wrong$v.keys"
done
check "TLS 1.2 wrong key: not decrypted, nothing parsed" "2/0/2 0 0" \
	"$(field wrong12 '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys) \(.sip_messages) \(.parse_errors)"')"
# On port 15061 (not a SIP port) a TLS session we cannot open is not counted as SIP.
check "TLS 1.3 wrong key (non-SIP port): nothing decrypted or parsed" "0/0/0 0 0" \
	"$(field wrong13 '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys) \(.sip_messages) \(.parse_errors)"')"
run wrong13p "$C/outage_tls13.pcap" --tls-keylog "$T/wrong13.keys" -p 15061
check "TLS 1.3 wrong key, port given with -p: counted without keys" "2/0/2 0" \
	"$(field wrong13p '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys) \(.sip_messages)"')"
# A wrong RSA key: the certificate does not match it.
openssl genrsa -out "$T/other.key" 2048 2>/dev/null
chmod 600 "$T/other.key"
run wrongrsa "$C/outage_tls12_rsa_cbc.pcap" -k "$T/other.key" -p 15067
check "wrong RSA key (-p 15067): not decrypted, nothing parsed" "2/0/2 0" \
	"$(field wrongrsa '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys) \(.sip_messages)"')"

# The rest of the capture is unaffected by sessions it cannot open.
if command -v mergecap >/dev/null 2>&1; then
	mergecap -w "$T/mixed.pcap" "$C/outage_tls12.pcap" "$C/healthy_tcp.pcap"
	run mixed "$T/mixed.pcap"
	check "mixed capture: the cleartext call keeps its verdicts" "$(verdicts healthy_tcp)" "$(verdicts mixed)"
	check "mixed capture: the TLS call counted without keys" 2 "$(field mixed '.capture.tls_no_keys')"
else
	echo "skip - tls: mergecap not installed (wireshark-common)"
fi

# Keys stay secret: no secret of the key log in the db, the events, the report, stderr.
leaks=0
for name in outage_tls12 outage_tls13 outage_wss; do
	for secret in $(awk '{print $3}' "$T/$name.keys"); do
		for f in "$T/$name.db" "$T/$name.events" "$T/$name.json" "$T/$name.err"; do
			[ -f "$f" ] && grep -qi "$secret" "$f" && leaks=$((leaks + 1))
		done
	done
done
check "no secret in db, events, report or stderr" 0 "$leaks"
cp "$T/outage_tls12.keys" "$T/open.keys"
chmod 644 "$T/open.keys"
run openkeys "$C/outage_tls12.pcap" --tls-keylog "$T/open.keys"
check "a key log others can read gets a warning" 1 "$(grep -c 'open.keys is readable by other users' "$T/openkeys.err")"
check "... and is still used" 2 "$(field openkeys '.capture.tls_decrypted')"
"$SIPWATCH" -r "$C/outage_tls12.pcap" -d "$T/missing.db" --no-ui --tls-keylog "$T/absent.keys" \
	>/dev/null 2>"$T/missing.err"
check "a missing --tls-keylog is an error (exit 1)" 1 "$?"
SSLKEYLOGFILE="$T/outage_tls12.keys" run envkeys "$C/outage_tls12.pcap"
check "SSLKEYLOGFILE is the default key log" 2 "$(field envkeys '.capture.tls_decrypted')"

# TLS 1.3 KeyUpdate in both directions (openssl s_client "K"): the messages
# after it are read with the next traffic secrets (record_keyupdate.sh).
run keyupdate "$C/keyupdate_tls13.pcap" --tls-keylog "$T/keyupdate_tls13.keys"
check "KeyUpdate: the 4 messages (2 after the update) decrypted" "4 1/1/0" \
	"$(field keyupdate '.capture | "\(.sip_messages) \(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys)"')"
# Resumption (record_resume.sh): with only the first session's secret in the
# key log, the resumed session reuses it — by session ID, and by ticket.
for m in sid ticket; do
	grep -v '^#' "$T/resume_$m.keys" | head -1 >"$T/first_$m.keys"
	chmod 600 "$T/first_$m.keys"
	run "resume_$m" "$C/resume_$m.pcap" --tls-keylog "$T/first_$m.keys" -p 5066
	check "resumption by $m: both sessions decrypted from the first one's secret" "4 2/2/0" \
		"$(field "resume_$m" '.capture | "\(.sip_messages) \(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys)"')"
done

# Real peers (record_jssip.sh): JsSIP 3.13 in Node through Kamailio 5.6's
# websocket module (ws) and its tls module (wss, TLS 1.3, Node's --tls-keylog)
# to a SIPp callee; the seed outage (Kamailio drops the bare 200 to the UPDATE)
# and a healthy call.  WSS decrypted = WS.
for s in healthy outage; do
	run "jssip_${s}_ws" "$C/jssip_${s}_ws.pcap"
	run "jssip_${s}_wss" "$C/jssip_${s}_wss.pcap" --tls-keylog "$T/jssip_${s}_wss.keys"
	check "JsSIP/Kamailio $s: WSS decrypted gives the WS verdicts" \
		"$(verdicts_any_call "jssip_${s}_ws")" "$(verdicts_any_call "jssip_${s}_wss")"
	check "JsSIP/Kamailio $s: transports" "ws wss 1/1/0" \
		"$(field "jssip_${s}_ws" '.dialogs[0].transport') $(field "jssip_${s}_wss" '.dialogs[0].transport + " " + (.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys)")')"
done
check "JsSIP/Kamailio outage over WSS: the seed outage's verdicts" \
	"$(jq -c '[.dialogs[] | {doomed, end_class, codes: ([.findings[].code] | sort)}]' "$T/orig_outage.json")" \
	"$(jq -c '[.dialogs[] | {doomed, end_class, codes: ([.findings[].code] | sort)}]' "$T/jssip_outage_wss.json")"
# TLS 1.0 with AES-128-CBC-SHA (chained IVs, the MD5/SHA-1 PRF), and TLS 1.3
# with a HelloRetryRequest before the real ServerHello, and TLS 1.2 AES-256-CBC
# with HMAC-SHA384 (record_resume.sh).
for m in tls10 hrr cbc384; do
	run "resume_$m" "$C/resume_$m.pcap" --tls-keylog "$T/resume_$m.keys" -p 5066
	check "$m: both sessions decrypted, 4 messages" "4 2/2/0" \
		"$(field "resume_$m" '.capture | "\(.sip_messages) \(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys)"')"
done

# Real peers (record_kamailio_tls.sh): a TLS 1.2 trunk between two Kamailio
# 5.6 proxies (tls module, RSA key exchange AES256-SHA256), SIPp over UDP on
# both ends.  Opened with -k (twice: a key that matches nothing, then the
# server's).  The outage gives the verdicts of the same SIPp scenario through
# one Kamailio over UDP (tests/captures/peers/p05); the healthy call those of
# its own UDP legs.  The trunk's messages are stored with transport tls.
run p05 tests/captures/peers/p05_outage_b_2xx_dropped.pcap
for s in healthy outage; do
	run "kam_${s}" "$C/kamailio_${s}_tls12.pcap" -k "$T/other.key" -k "$T/server.key"
	run "kam_${s}_udp" "$C/kamailio_${s}_tls12.pcap"
	check "Kamailio TLS trunk $s: 2 sessions decrypted with -k" "2/2/0" \
		"$(field "kam_$s" '.capture | "\(.tls_sessions)/\(.tls_decrypted)/\(.tls_no_keys)"')"
	udp=$(field "kam_${s}_udp" .capture.sip_messages)
	check "Kamailio TLS trunk $s: the trunk's messages stored as tls" \
		"$(($(field "kam_$s" .capture.sip_messages) - udp))" \
		"$(sqlite3 "$T/kam_$s.db" "select count(*) from messages where transport = 'tls'")"
done
check "Kamailio TLS trunk outage: the verdicts of the same scenario over UDP (p05)" \
	"$(verdicts_any_call p05)" "$(verdicts_any_call kam_outage)"
check "Kamailio TLS trunk healthy: the verdicts of its UDP legs" \
	"$(verdicts_any_call kam_healthy_udp)" "$(verdicts_any_call kam_healthy)"
check "Kamailio TLS trunk healthy: not doomed, ended by BYE" "false NORMAL_BYE" \
	"$(field kam_healthy '.dialogs[0] | "\(.doomed) \(.end_class)"')"
"$SIPWATCH" -r "$C/outage_wss.pcap" -d "$T/text_wss.db" --no-ui --report text \
	--tls-keylog "$T/outage_wss.keys" >"$T/text_wss.txt" 2>&1
check "text report: the doomed dialog says it was over wss" 1 \
	"$(grep -c 'DOOMED  Call-ID u02-1-14299@127.0.1.10  (over wss)' "$T/text_wss.txt")"

# The dashboard (tmux, 120x40, a private socket): the top bar counts the TLS
# sessions decrypted / seen, and the dialog screen names each message's wss.
if command -v tmux >/dev/null 2>&1; then
	sock="sw16-tls-$$"
	tx() { tmux -L "$sock" -f /dev/null "$@"; }
	pane() { tx capture-pane -t dash -p 2>/dev/null; }
	waitpane() { # FIXED-STRING: true once the pane shows it (at most 10 s)
		i=0
		while [ $i -lt 100 ]; do
			pane | grep -qF -- "$1" && return 0
			sleep 0.1
			i=$((i + 1))
		done
		return 1
	}
	tx new-session -d -s dash -x 120 -y 40 "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC '$SIPWATCH' \
		-r '$C/outage_wss.pcap' -d '$T/dash.db' --tls-keylog '$T/outage_wss.keys'; echo EXIT=\$?; sleep 30"
	if waitpane "[done]" && waitpane "tls 2/2"; then ok "dashboard: top bar says tls 2/2"
	else notok "dashboard: top bar: $(pane | head -2 | tr '\n' ' ')"; fi
	waitpane "u02-1-14299" # the list has its row
	tx send-keys -t dash Home Enter
	if waitpane "Call-ID: u02-1-14299" && waitpane "  wss  "; then ok "dashboard: the dialog's messages over wss"
	else notok "dashboard: dialog screen: $(pane | grep -m3 -iE 'message|wss' | tr '\n' ' ')"; fi
	tx send-keys -t dash q
	tx send-keys -t dash q
	if waitpane "EXIT=0"; then ok "dashboard: q quits, status 0"; else notok "dashboard: q: $(pane | tail -3 | tr '\n' ' ')"; fi
	tx kill-server >/dev/null 2>&1
else
	echo "skip - tls: tmux not installed (.ci/deps.sh)"
fi
