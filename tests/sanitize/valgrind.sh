#!/bin/sh
# make valgrind: memcheck of end-to-end sipwatch -r runs (the outage sample, a
# peers capture over UDP and one over TCP, TLS with a key log and with an RSA key):
# any invalid access, use of
# uninitialised memory or definite leak fails.  Usage: valgrind.sh SIPWATCH.
# Ends with "valgrind: PASS" or "valgrind: FAIL".
set -u
SW=${1:-build/sipwatch}
T=$(mktemp -d /tmp/sipwatch-vg.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
# vg CAPTURE [OPTIONS...]
vg() {
	cap=$1
	shift
	n=$(basename "$cap" .pcap)
	if timeout 600 valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-origins=yes \
		"$SW" -r "$cap" -d "$T/$n.db" --no-ui --report json "$@" >"$T/$n.json" 2>"$T/$n.vg" &&
		jq -e .capture "$T/$n.json" >/dev/null; then
		echo "ok   valgrind $n"
	else
		echo "FAIL valgrind $n"
		head -40 "$T/$n.vg" | sed 's/^/    /'
		fail=1
	fi
}
for cap in samples/outage-update-200-dropped.pcap tests/captures/peers/p05_outage_b_2xx_dropped.pcap \
	tests/captures/peers/p21_tcp_healthy_update.pcap; do
	vg "$cap"
done
# TLS 1.3 + WebSocket + permessage-deflate with a key log; TLS 1.2 RSA key exchange, AES-CBC, with -k.
C=tests/captures/tls
for k in "$C"/healthy_wss_deflate.keys "$C"/server.key; do
	cp "$k" "$T/" && chmod 600 "$T/$(basename "$k")"
done
vg "$C/healthy_wss_deflate.pcap" --tls-keylog "$T/healthy_wss_deflate.keys"
vg "$C/kamailio_outage_tls12.pcap" -k "$T/server.key"
# The monitoring outputs (issue 19): HEP sender thread (to a closed port, so
# the drop paths run too) and the metrics server started and stopped.
cp samples/outage-update-200-dropped.pcap "$T/outage-monitoring.pcap"
vg "$T/outage-monitoring.pcap" --hep-send udp:127.0.190.5:19065 --hep-id 7 --hep-password pw \
	--metrics 127.0.190.1:19468
if [ $fail = 0 ]; then echo "valgrind: PASS"; else echo "valgrind: FAIL"; fi
exit $fail
