#!/bin/sh
# --hep-send against a real HEP receiver: Kamailio's sipcapture module
# (tests/peers/hep_collector.cfg) on 127.0.190.5:19060/udp decodes the HEP v3
# stream of the seed capture (samples/outage-update-200-dropped.pcap) and logs
# every packet's chunks.  Every SIP message must arrive with the capture's
# time, addresses and ports, the agent id and the key; the doom arrives as a
# HEP log (type 100, JSON) correlated to the Call-ID.  Then measured (printed,
# not asserted): a generated capture read with --hep-send to a closed port
# (UDP and TCP) and to a TCP receiver that never reads, against without.
# About 20 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and kamailio sqlite3 jq ss timeout flock python3
live_lock sw19_hep

CAP=samples/outage-update-200-dropped.pcap
mkdir -p "$T/kam"
: >"$T/kam/hep.db"
timeout -k 5 60 kamailio -f "$PEERS/hep_collector.cfg" -L "$(kam_mpath)" -DD -E -Y "$T/kam" \
	-P "$T/kam/kamailio.pid" -w "$T/kam" -m 32 -M 4 >"$T/kam/kamailio.log" 2>&1 </dev/null &
KAM_PID=$!
track "$KAM_PID"
if ! waitfor 10 pid_listening "$KAM_PID" 127.0.190.5:19060; then
	notok "kamailio (sipcapture) did not start: $(grep -a -m3 -iE 'error|crit' "$T/kam/kamailio.log")"
	exit 0
fi
ok "Kamailio sipcapture listening on 127.0.190.5:19060"

"$SIPWATCH" -r "$CAP" -d "$T/a.db" --no-ui --report json --hep-send udp:127.0.190.5:19060 \
	--hep-id 4711 --hep-password sw19secret >"$T/rep.json" 2>"$T/sw.err"
check "sipwatch --hep-send exit status" 0 "$?"
check "nothing on stderr" "" "$(cat "$T/sw.err")"

n=$(q "$T/a.db" 'select count(*) from messages')
rx() { grep -a 'HEPRX' "$T/kam/kamailio.log" | sed 's/.*HEPRX //'; }
# payloads PROTO: each payload of that protocol type, decoded, one per line (line ends → "|")
payloads() {
	rx | sed -n "s/^proto=$1 .* pl=\[\(.*\)\]\$/\1/p" | while read -r b; do
		printf '%s' "$b" | base64 -d 2>/dev/null | tr -d '\r' | tr '\n' '|'
		echo
	done
}
all_in() { [ "$(rx | grep -c '^proto=1 ')" -ge "$n" ] && rx | grep -q '^proto=100 '; }
waitfor 5 all_in
check "every SIP message arrived as HEP type 1 ($n)" "$n" "$(rx | grep -c '^proto=1 ')"
check "every HEP packet carries agent id 4711 and the key" 0 \
	"$(rx | grep -vc ' agent=4711 .* auth=\[sw19secret\] ')"
# Time, source and destination of each message, as the db has them (from the
# capture) and as Kamailio decoded them.
q "$T/a.db" "select printf('%d.%06d %s %s', ts, round((ts - cast(ts as int)) * 1e6), src, dst) from messages" |
	sort >"$T/want"
rx | sed -n 's/^proto=1 agent=[0-9]* ts=\([0-9]*\)\.\([0-9]*\) src=\([^ ]*\) dst=\([^ ]*\) .*/\1 \2 \3 \4/p' |
	awk '{ printf "%s.%06d %s %s\n", $1, $2, $3, $4 }' | sort >"$T/got"
if cmp -s "$T/want" "$T/got"; then ok "every message: the capture's timestamp, addresses and ports"
else notok "timestamps/addresses differ: $(diff "$T/want" "$T/got" | head -4 | tr '\n' ' ')"; fi
cid=$(jq -r '.dialogs[] | select(.doomed) | .call_id' "$T/rep.json" | head -1)
check "the SIP payload is the message (the INVITEs with their Call-ID)" \
	"$(q "$T/a.db" "select count(*) from messages where method = 'INVITE' and call_id = '$cid'")" \
	"$(payloads 1 | grep -F "Call-ID: $cid|" | grep -c '^INVITE sip:')"
logs() { rx | grep '^proto=100 ' | grep -F "cid=[$cid]" | sed 's/.* pl=\[\(.*\)\]$/\1/' | while read -r b; do
	printf '%s' "$b" | base64 -d; echo; done; }
logs >"$T/logs.jsonl"
doom=$(jq -r 'select(.type == "doomed") | .code' "$T/logs.jsonl" | wc -l | tr -d ' ')
check "the doom arrived as a HEP log correlated to Call-ID $cid" 1 "$doom"
code=$(jq -r '.dialogs[] | select(.doomed) | .findings[] | select(.severity == "doom") | .code' "$T/rep.json" | head -1)
blamed=$(jq -r --arg c "$cid" '.dialogs[] | select(.call_id == $c) | .findings[] | select(.severity == "doom") | .endpoint' "$T/rep.json" | head -1)
check "the doom log: code, severity, blamed endpoint, teardown_expected, detail" "$code doom $blamed true true" \
	"$(jq -r 'select(.type == "doomed") | "\(.code) \(.severity) \(.endpoint) \(.teardown_expected != null) \(.detail | length > 20)"' "$T/logs.jsonl")"
check "every finding of the dialog arrived as a log correlated to its Call-ID" \
	"$(jq -r --arg c "$cid" '.dialogs[] | select(.call_id == $c) | .findings[].code' "$T/rep.json" | sort | tr '\n' ' ')" \
	"$(jq -r 'select(.type == "finding") | .code' "$T/logs.jsonl" | sort | tr '\n' ' ')"
check "no log arrived uncorrelated" 0 "$(rx | grep '^proto=100 ' | grep -c 'cid=\[\]')"
check "a teardown log correlated to the Call-ID" 1 \
	"$(jq -r 'select(.type == "teardown") | .code' "$T/logs.jsonl" | wc -l | tr -d ' ')"

# Any source: SIP decrypted from TLS (WSS) goes out as HEP too, with its TCP addresses.
if [ -f tests/captures/tls/jssip_outage_wss.pcap ]; then
	cp tests/captures/tls/jssip_outage_wss.keys "$T/wss.keys" && chmod 600 "$T/wss.keys"
	"$SIPWATCH" -r tests/captures/tls/jssip_outage_wss.pcap --tls-keylog "$T/wss.keys" -d "$T/w.db" --no-ui \
		--hep-send udp:127.0.190.5:19060 --hep-id 4712 >/dev/null 2>"$T/w.err"
	nw=$(q "$T/w.db" 'select count(*) from messages')
	wss_in() { [ "$(rx | grep -c '^proto=1 agent=4712 ')" -ge "$nw" ]; }
	waitfor 5 wss_in
	check "WSS capture: every decrypted SIP message arrived ($nw), over TCP addresses" "$nw" \
		"$(rx | grep '^proto=1 agent=4712 ' | grep -c 'src=127\.')"
	check "WSS capture: no key or stderr trouble" "" "$(cat "$T/w.err")"
	[ "$nw" -gt 0 ] || notok "WSS capture decoded no SIP message"
fi

# ---- measured: a collector down or slow does not slow sipwatch down ----
if [ -x "$TOOLS/gen_bench" ]; then
	"$TOOLS/gen_bench" -n 6000 -o "$T/big.pcap" >/dev/null 2>&1
	# A TCP receiver that accepts and never reads (its window fills).
	python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.190.6", 19061)); s.listen(1)
c, _ = s.accept(); time.sleep(120)' &
	SINK=$!
	track "$SINK"
	waitfor 5 sh -c 'ss -Hltn "src 127.0.190.6:19061" | grep -q .'
	run_timed() { # LABEL ARGS...: prints the wall time of a run
		label=$1; shift
		rm -f "$T/b.db"*
		t0=$(now)
		"$SIPWATCH" -r "$T/big.pcap" -d "$T/b.db" --no-ui --report json "$@" >"$T/b.json" 2>"$T/b.err"
		rc=$?
		echo "# $label: $(fsub "$(now)" "$t0") s (exit $rc, $(jq -r .capture.sip_messages "$T/b.json") SIP messages)"
		[ "$rc" = 0 ] || notok "$label: exit $rc: $(head -2 "$T/b.err")"
	}
	run_timed "no --hep-send"
	run_timed "--hep-send udp to a closed port" --hep-send udp:127.0.190.7:19062
	run_timed "--hep-send tcp to a closed port" --hep-send tcp:127.0.190.7:19062
	run_timed "--hep-send tcp to a receiver that never reads" --hep-send tcp:127.0.190.6:19061
	ok "measured: runs with a collector down or stuck finished (times above)"
else
	echo "skip - $TOOLS/gen_bench not built (make tools): no measurement"
fi
exit 0
