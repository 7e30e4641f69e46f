#!/bin/sh
# Records jssip_{healthy,outage}_{ws,wss}.pcap (+ .keys for wss): a real
# JsSIP 3.13 UA (npm, in Node; /work/shared/peers/jssip/call.js) calls
# through Kamailio's websocket module (kamailio-ws.cfg; wss through its tls
# module) a SIPp callee over UDP, Session-Expires 90, JsSIP refreshing by
# UPDATE at 45 s and hanging up at 60 s.  healthy: the standard callee;
# outage: the callee answers the UPDATE with a 200 lacking Contact and
# Session-Expires (update_2xx_bare) and Kamailio drops it (DROP_2XX_NO_CONTACT).
# The wss key log is Node's own (--tls-keylog).  Addresses 127.0.160.50-57,
# the four calls in parallel, about 70 s.  Needs root, kamailio (+ tls and
# websocket modules), sipp, node + npm (JsSIP from npm), tcpdump.
#   JSSIP_DIR=dir-with-call.js-and-package.json sh record_jssip.sh
set -eu
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/../../.." && pwd)
J=${JSSIP_DIR:-/work/shared/peers/jssip}
T=$(mktemp -d /tmp/sw16-jssip.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	sleep 1
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' INT TERM HUP
cp "$J/call.js" "$J/package.json" "$J/package-lock.json" "$T/"
(cd "$T" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1)
MP=/usr/lib/x86_64-linux-gnu/kamailio/modules
n=0
for s in healthy_ws healthy_wss outage_ws outage_wss; do
	proxy=127.0.160.$((50 + 2 * n)) callee=127.0.160.$((51 + 2 * n))
	n=$((n + 1))
	mkdir -p "$T/$s"
	cat >"$T/$s/tls.cfg" <<EOT
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = $D/server.key
certificate = $D/server.crt
EOT
	defs=""
	case $s in outage*) defs="-A DROP_2XX_NO_CONTACT" ;; esac
	tcpdump -i lo -U -s 0 -w "$T/$s.pcap" "host $proxy or host $callee" >/dev/null 2>&1 &
	pids="$pids $!"
	# shellcheck disable=SC2086
	kamailio -f "$D/kamailio-ws.cfg" -L "$MP" -DD -E -Y "$T/$s" -P "$T/$s/k.pid" -w "$T/$s" \
		-m 32 -M 4 -A "PROXY_IP=$proxy" -A "CALLEE_URI=\"sip:$callee:5060\"" -A "TLS_CFG=\"$T/$s/tls.cfg\"" $defs \
		>"$T/$s/kamailio.log" 2>&1 &
	pids="$pids $!"
	sc=standard
	case $s in outage*) sc=update_2xx_bare ;; esac
	(cd "$T/$s" && exec timeout 150 sipp -sf "$R/tests/peers/sipp/$sc.callee.xml" -i "$callee" \
		-mi "$callee" -t u1 -bind_local -m 1 -nostdin -p 5060 >sipp.out 2>&1) &
	pids="$pids $!"
	sleep 2
	case $s in
	*_wss) url="wss://$proxy:4443" opt="--tls-keylog=$T/$s.keys" ;;
	*) url="ws://$proxy:8080" opt="" ;;
	esac
	# shellcheck disable=SC2086
	(cd "$T" && NODE_TLS_REJECT_UNAUTHORIZED=0 exec timeout 150 node $opt call.js "$url" \
		"sip:bob@$callee" 60 90 >"$T/$s/jssip.out" 2>&1) &
	pids="$pids $!"
	eval "js_$s=\$!"
done
for s in healthy_ws healthy_wss outage_ws outage_wss; do
	eval "wait \$js_$s" || echo "$s: JsSIP exited $? (see its log)" >&2
	tail -3 "$T/$s/jssip.out" >&2
done
sleep 3
for s in healthy_ws healthy_wss outage_ws outage_wss; do
	cp "$T/$s.pcap" "$D/jssip_$s.pcap" 2>/dev/null || true
	[ -f "$T/$s.keys" ] && cp "$T/$s.keys" "$D/jssip_$s.keys"
	echo "recorded jssip_$s"
done
