#!/bin/sh
# Re-records the TLS / WebSocket captures of tests/captures/tls/ (make check
# only reads them).  Each scenario replays the SIP messages of a cleartext
# corpus capture at their original times over a real connection (replay.py:
# Python's ssl, i.e. OpenSSL, with keylog_filename) between 127.0.160.x
# addresses, captured by tcpdump on lo.  Needs root, tcpdump, tshark,
# python3.  Takes about two minutes (the calls last 60 and 120 s; scenarios
# run in parallel, each on its own addresses and port).
#   sh tests/captures/tls/record.sh [SCENARIO...]
# Output per scenario S: S.pcap and S.keys (the NSS key log); server.key /
# server.crt: a throwaway RSA key made for these captures only.
set -eu
D=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/sw16-rec.XXXXXX)
trap 'rm -rf "$T"' EXIT
CORPUS=$D/../corpus
[ -f "$D/server.key" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
	-subj /CN=sipwatch-test -keyout "$D/server.key" -out "$D/server.crt" 2>/dev/null
# scenario  source capture  mode  port
ALL="outage_tcp:u02:tcp:5060 healthy_tcp:u03:tcp:5062
outage_tls12:u02:tls12:5061 healthy_tls12:u03:tls12:5063
outage_tls13:u02:tls13:15061 healthy_tls13:u03:tls13-chacha:15063
outage_tls12_chacha:u02:tls12-chacha:15065
outage_tls12_rsa_cbc:u02:tls12-rsa-cbc:15067 outage_tls12_rsa_mte:u02:tls12-rsa-cbc-mte:15069
outage_ws:u02:ws:8080 healthy_ws:u03:ws:8082
outage_wss:u02:wss:8443 healthy_wss_deflate:u03:wss-deflate:8445"
want=${*:-}
pids=""
for s in $ALL; do
	name=${s%%:*}; rest=${s#*:}; src=${rest%%:*}; rest=${rest#*:}; mode=${rest%%:*}; port=${rest#*:}
	if [ -n "$want" ] && ! echo " $want " | grep -q " $name "; then continue; fi
	(
		pcap=$(ls "$CORPUS/${src}"_*.pcap)
		rm -f "$T/$name.keys"
		tcpdump -i lo -U -s 0 -w "$T/$name.pcap" "net 127.0.160.0/24 and tcp port $port" \
			>/dev/null 2>&1 &
		tp=$!
		trap 'kill "$tp" 2>/dev/null' EXIT
		sleep 1
		python3 "$D/replay.py" "$mode" "$pcap" "$T/$name.keys" "$D/server.crt" "$D/server.key" "$port"
		sleep 1
		kill "$tp"; wait "$tp" || true
		cp "$T/$name.pcap" "$D/$name.pcap"
		if [ -f "$T/$name.keys" ]; then cp "$T/$name.keys" "$D/$name.keys"; fi
		echo "recorded $name ($mode, port $port)"
	) &
	pids="$pids $!"
	sleep 2 # the legs of different scenarios must not pick the same ephemeral ports at once
done
for p in $pids; do wait "$p"; done
