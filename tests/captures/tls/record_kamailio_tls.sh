#!/bin/sh
# Records kamailio_{healthy,outage}_tls12.pcap: a SIP trunk over TLS 1.2
# between two Kamailio 5.6 proxies (kamailio-ws.cfg, the tls module), SIPp
# on both ends over UDP (this SIPp has no TLS):
#   SIPp caller --udp--> Kamailio A --TLS 1.2--> Kamailio B --udp--> SIPp callee
# The trunk is restricted to RSA key exchange (cipher_list AES256-SHA256), so
# the server's key (server.key, given to B) opens it with -k, as users of
# Kamailio, OpenSIPS or Asterisk without a key log must.  outage: the callee
# answers the refresh UPDATE at 45 s with a 200 lacking Contact and
# Session-Expires; it crosses the trunk, proxy A drops it (DROP_2XX_NO_CONTACT),
# the caller tears down at 60 s.  healthy: a proper 200, BYE at 50 s.
# Addresses 127.0.160.60-65 and .70-71, both calls in parallel, about 65 s.  Needs root,
# kamailio (+ tls module), sipp, tcpdump.
set -eu
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/../../.." && pwd)
T=$(mktemp -d /tmp/sw16-kam.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	sleep 1
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' INT TERM HUP
MP=/usr/lib/x86_64-linux-gnu/kamailio/modules
kam() { # NAME IP DEFINES...
	_n=$1 _ip=$2
	shift 2
	mkdir -p "$T/$_n"
	cat >"$T/$_n/tls.cfg" <<EOT
[server:default]
method = TLSv1.2
cipher_list = AES256-SHA256
verify_certificate = no
require_certificate = no
private_key = $D/server.key
certificate = $D/server.crt

[client:default]
method = TLSv1.2
cipher_list = AES256-SHA256
verify_certificate = no
require_certificate = no
EOT
	kamailio -f "$D/kamailio-ws.cfg" -L "$MP" -DD -E -Y "$T/$_n" -P "$T/$_n/k.pid" -w "$T/$_n" \
		-m 32 -M 4 -A "PROXY_IP=$_ip" -A TLS_PORT=5061 -A "TLS_CFG=\"$T/$_n/tls.cfg\"" "$@" \
		>"$T/$_n/kamailio.log" 2>&1 &
	pids="$pids $!"
}
n=0
for s in healthy outage; do
	a=127.0.160.$((60 + 3 * n)) b=127.0.160.$((61 + 3 * n)) c=127.0.160.$((62 + 3 * n))
	u=127.0.160.$((70 + n))
	n=$((n + 1))
	tcpdump -i lo -U -s 0 -w "$T/$s.pcap" "host $a or host $b or host $c or host $u" >/dev/null 2>&1 &
	pids="$pids $!"
	sleep 1
	uas=standard uac=one_update extra=""
	if [ $s = outage ]; then
		uas=update_2xx_bare uac=teardown_60 extra="-max_retrans 5 -max_non_invite_retrans 5"
		kam "$s-a" "$a" -A "CALLEE_URI=\"sip:$b:5061;transport=tls\"" -A DROP_2XX_NO_CONTACT
	else
		kam "$s-a" "$a" -A "CALLEE_URI=\"sip:$b:5061;transport=tls\""
	fi
	kam "$s-b" "$b" -A "CALLEE_URI=\"sip:$c:5060\""
	mkdir -p "$T/$s-uas" "$T/$s-uac"
	(cd "$T/$s-uas" && exec timeout 120 sipp -sf "$R/tests/peers/sipp/$uas.callee.xml" -i "$c" -mi "$c" \
		-t u1 -bind_local -m 1 -nostdin -p 5060 >uas.out 2>&1 </dev/null) &
	pids="$pids $!"
	sleep 2
	# shellcheck disable=SC2086
	(cd "$T/$s-uac" && exec timeout 120 sipp "$a:5060" -sf "$R/tests/peers/sipp/$uac.caller.xml" \
		-i "$u" -mi "$u" -t u1 -bind_local -m 1 -nostdin \
		-base_cseq 1 -p 5060 -cid_str "kam-tls-$s-%u@%s" -s service -key callee_host "$c:5060" \
		$extra >uac.out 2>&1 </dev/null) &
	eval "uac_$s=\$!"
done
for s in healthy outage; do
	eval "wait \$uac_$s" || echo "$s: SIPp caller exited $?" >&2
done
sleep 2
for s in healthy outage; do
	cp "$T/$s.pcap" "$D/kamailio_${s}_tls12.pcap"
	echo "recorded kamailio_${s}_tls12"
done
