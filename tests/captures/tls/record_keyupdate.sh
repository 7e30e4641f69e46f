#!/bin/sh
# Records keyupdate_tls13.pcap/.keys: TLS 1.3 (AES-128-GCM) between openssl
# s_client and s_server on 127.0.160.40:5065, an OPTIONS and its 200, then a
# KeyUpdate asking the peer to update too (s_client's "K" command: both
# directions change keys), then a second OPTIONS and 200 under the new keys.
# Needs root (tcpdump on lo), openssl.  About 6 seconds.
set -eu
D=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/sw16-ku.XXXXXX)
A=127.0.160.40
P=5065
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
msg() { # $1 CSeq: an OPTIONS from the client
	printf '\r\nOPTIONS sip:ucma@%s:%s SIP/2.0\r\nVia: SIP/2.0/TLS %s:5070;branch=z9hG4bK-ku-%s\r\nMax-Forwards: 70\r\nFrom: <sip:mon@%s>;tag=ku1\r\nTo: <sip:ucma@%s>\r\nCall-ID: keyupdate-1@%s\r\nCSeq: %s OPTIONS\r\nContent-Length: 0\r\n\r\n' \
		$A $P $A "$1" $A $A $A "$1"
}
ans() { # $1 CSeq: its 200 from the server
	printf '\r\nSIP/2.0 200 OK\r\nVia: SIP/2.0/TLS %s:5070;branch=z9hG4bK-ku-%s\r\nFrom: <sip:mon@%s>;tag=ku1\r\nTo: <sip:ucma@%s>;tag=ku2\r\nCall-ID: keyupdate-1@%s\r\nCSeq: %s OPTIONS\r\nContent-Length: 0\r\n\r\n' \
		$A "$1" $A $A $A "$1"
}
mkfifo "$T/cin" "$T/sin"
tcpdump -i lo -U -s 0 -w "$T/ku.pcap" "host $A and tcp port $P" >/dev/null 2>&1 &
tp=$!
pids="$tp"
sleep 1
openssl s_server -accept "$A:$P" -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 \
	-cert "$D/server.crt" -key "$D/server.key" -naccept 1 -quiet <"$T/sin" >"$T/server.out" 2>&1 &
pids="$pids $!"
exec 4>"$T/sin"
sleep 0.5
openssl s_client -connect "$A:$P" -tls1_3 -keylogfile "$T/ku.keys" <"$T/cin" >"$T/client.out" 2>&1 &
cp=$!
pids="$pids $cp"
exec 3>"$T/cin"
sleep 1
msg 1 >&3; sleep 0.5
ans 1 >&4; sleep 0.5
printf 'K\n' >&3; sleep 0.5 # KeyUpdate, update_requested
msg 2 >&3; sleep 0.5
ans 2 >&4; sleep 0.5
exec 3>&- 4>&-
sleep 1
kill "$tp"; wait "$tp" || true
cp "$T/ku.pcap" "$D/keyupdate_tls13.pcap"
cp "$T/ku.keys" "$D/keyupdate_tls13.keys"
echo "recorded keyupdate_tls13"
