#!/bin/sh
# Records resume_{sid,ticket,tls10,hrr,cbc384}.pcap/.keys (resume.py, see its modes): a
# TLS 1.2 session and a second connection resuming it by session ID or by
# ticket, on 127.0.160.41:5066.  Needs root (tcpdump on lo).  About 5 seconds.
set -eu
D=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/sw16-res.XXXXXX)
tp=""
trap '[ -z "$tp" ] || kill "$tp" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 143' INT TERM HUP
[ $# -gt 0 ] || set -- sid ticket tls10 hrr cbc384
for mode in "$@"; do
	tcpdump -i lo -U -s 0 -w "$T/$mode.pcap" "host 127.0.160.41 and tcp port 5066" >/dev/null 2>&1 &
	tp=$!
	sleep 1
	python3 "$D/resume.py" "$mode" "$T/$mode.keys" "$D/server.crt" "$D/server.key" 127.0.160.41 5066
	sleep 1
	kill "$tp"; wait "$tp" || true
	tp=""
	cp "$T/$mode.pcap" "$D/resume_$mode.pcap"
	cp "$T/$mode.keys" "$D/resume_$mode.keys"
	echo "recorded resume_$mode"
done
