#!/bin/bash
# Records the real-peer regression captures: for each scenario a SIPp caller
# (127.0.N.10), Kamailio as a stateful record-routing proxy (127.0.N.20, see
# kamailio.cfg) and a SIPp callee (127.0.N.30) place one call on loopback,
# with real timing, while tcpdump records 127.0.N.0/24 on lo.  Each scenario
# has its own third octet N, so scenarios record in parallel.
#
#   tests/peers/record.sh [-j JOBS] [-o OUTDIR] [-k] [NAME...]   # default: all
#   tests/peers/record.sh -l                                    # list scenarios
#
# Writes OUTDIR/NAME.pcap and OUTDIR/NAME.txt (tshark's SIP listing);
# OUTDIR defaults to tests/captures/peers.  -k keeps each scenario's temp dir
# (logs, SIPp message traces).  Every process is started under timeout(1),
# stopped by its PID, and every wait is bounded; the EXIT trap stops whatever
# is still running.  Needs root (tcpdump on lo), sipp, kamailio, tcpdump, tshark.
# trap handlers and waitfor callbacks are invoked indirectly:
# shellcheck disable=SC2317
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/tests/captures/peers
SIPP_DIR=${PEERS_SIPP_DIR:-$HERE/sipp}
KCFG=$HERE/kamailio.cfg
JOBS=0
KEEP=0

# Kamailio's module path: where the Debian package puts it, else what the
# binary says its default is (kamailio -h: "-L path ... (default: ...)").
mpath() {
	if [ -n "${KAMAILIO_MPATH:-}" ]; then echo "$KAMAILIO_MPATH"; return; fi
	for d in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/kamailio/modules \
		/usr/lib64/kamailio/modules /usr/local/lib64/kamailio/modules; do
		[ -f "$d/tm.so" ] && { echo "$d"; return; }
	done
	kamailio -h 2>&1 | sed -n 's/.*-L path.*(default: \(.*\))/\1/p' | head -1
}

# scenario NAME: sets NET (third octet), TR (udp|tcp), UAC/UAS (scenario file
# stems under sipp/), KDEF (extra kamailio -A defines), LIMIT (seconds the call
# may take at most), UAC_ARGS/UAS_ARGS (extra SIPp options).  The expected
# verdicts are in tests/captures/peers/expected.json.
ALL="p01_healthy_update p02_healthy_reinvite p03_refresher_uas p04_outage_a_2xx_no_se
p05_outage_b_2xx_dropped p06_update_unanswered p07_reinvite_491_retry p08_update_481
p09_422_min_se_retry p10_refresh_overdue p11_session_expired p12_2xx_no_require_timer
p13_2xx_no_refresher p14_2xx_increased p15_se_malformed p16_refresher_uac_unsupported
p17_refresh_late_se180 p18_reinvite_2xx_no_ack p19_cancel p20_busy_486 p21_tcp_healthy_update"

scenario() {
	TR=udp KDEF="" UAC_ARGS="" UAS_ARGS=""
	case $1 in
	p01_healthy_update)            NET=11 UAC=healthy_update     UAS=standard             LIMIT=140 ;;
	p02_healthy_reinvite)          NET=12 UAC=healthy_reinvite   UAS=standard             LIMIT=120 ;;
	p03_refresher_uas)             NET=13 UAC=refresher_uas      UAS=refresher_uas        LIMIT=100 ;;
	p04_outage_a_2xx_no_se)        NET=14 UAC=teardown_60        UAS=update_2xx_no_se     LIMIT=80
		UAC_ARGS="-max_retrans 5 -max_non_invite_retrans 5" ;;
	p05_outage_b_2xx_dropped)      NET=15 UAC=teardown_60        UAS=update_2xx_bare      LIMIT=80
		UAC_ARGS="-max_retrans 5 -max_non_invite_retrans 5" KDEF="DROP_2XX_NO_CONTACT" ;;
	p06_update_unanswered)         NET=16 UAC=update_unanswered  UAS=update_ignored       LIMIT=110
		UAC_ARGS="-max_retrans 12 -max_non_invite_retrans 12" ;;
	p07_reinvite_491_retry)        NET=17 UAC=reinvite_491_retry UAS=reinvite_491_retry   LIMIT=90 ;;
	p08_update_481)                NET=18 UAC=update_481         UAS=update_481           LIMIT=70 ;;
	p09_422_min_se_retry)          NET=19 UAC=min_se_422_retry   UAS=min_se_422_retry     LIMIT=60 ;;
	p10_refresh_overdue)           NET=20 UAC=wait_for_bye       UAS=bye_at_teardown      LIMIT=80 ;;
	p11_session_expired)           NET=21 UAC=no_refresh_no_bye  UAS=no_refresh_no_bye    LIMIT=120 ;;
	p12_2xx_no_require_timer)      NET=22 UAC=one_update         UAS=no_require_timer     LIMIT=70 ;;
	p13_2xx_no_refresher)          NET=23 UAC=one_update         UAS=no_refresher         LIMIT=70 ;;
	p14_2xx_increased)             NET=24 UAC=short_call         UAS=se_increased         LIMIT=50 ;;
	p15_se_malformed)              NET=25 UAC=se_malformed       UAS=standard             LIMIT=50 ;;
	p16_refresher_uac_unsupported) NET=26 UAC=no_timer_support   UAS=refresher_uac_forced LIMIT=80 ;;
	p17_refresh_late_se180)        NET=27 UAC=refresh_late_se180 UAS=se180                LIMIT=160 ;;
	p18_reinvite_2xx_no_ack)       NET=28 UAC=reinvite_no_ack    UAS=reinvite_no_ack      LIMIT=100
		UAS_ARGS="-max_retrans 10 -max_invite_retrans 10 -max_non_invite_retrans 10" ;;
	p19_cancel)                    NET=29 UAC=cancel             UAS=cancel               LIMIT=30 ;;
	p20_busy_486)                  NET=30 UAC=busy_486           UAS=busy_486             LIMIT=30 ;;
	p21_tcp_healthy_update)        NET=31 UAC=healthy_update     UAS=standard             LIMIT=140 TR=tcp ;;
	*) return 1 ;;
	esac
}

# alive PID: the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) in Z | X | "") return 1 ;; esac
	return 0
}

# waitfor SECONDS CMD...: polls CMD every 0.1 s until it succeeds or time is up
waitfor() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# stop PID [SECONDS]: SIGTERM, wait at most SECONDS (default 5), then SIGKILL.
# Every PID here is a timeout(1) wrapper, which forwards the signal to its
# command's process group (Kamailio's children included).
stop() {
	local pid=$1 n=$((${2:-5} * 10))
	[ -n "$pid" ] || return 0
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		while alive "$pid" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

listening() { # proto ip:port
	if [ "$1" = tcp ]; then
		ss -Hltn "src $2" 2>/dev/null | grep -q .
	else
		ss -Hlun "src $2" 2>/dev/null | grep -q .
	fi
}

# ready PID PROTO IP:PORT: listening, or PID died (then waitfor ends at once)
ready() {
	alive "$1" || return 0
	listening "$2" "$3"
}

# Column layout of the .txt listings (the corpus' layout, plus Supported).
tshark_listing() { # pcap
	echo "# tshark -r $(basename "$1") -Y sip  (times: frame.time_relative)"
	tshark -r "$1" -Y sip -T fields -E header=y \
		-e frame.number -e frame.time_relative -e ip.src -e ipv6.src -e udp.srcport -e tcp.srcport \
		-e ip.dst -e ipv6.dst -e udp.dstport -e tcp.dstport -e sip.Method -e sip.Status-Code \
		-e sip.CSeq -e sip.Call-ID -e sip.Session-Expires -e sip.Min-SE -e sip.Require \
		-e sip.Contact -e sip.Supported 2>/dev/null
}

# record_one NAME: runs in its own subshell; prints one line "recorded NAME ..."
# or "FAILED NAME: why".
record_one() {
	# not local: the EXIT trap runs after this function has returned
	name=$1 tcpdump_pid="" kam_pid="" uas_pid="" uac_pid=""
	local net rc
	scenario "$name" || { echo "FAILED $name: unknown scenario"; return 1; }
	net=127.0.$NET
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipwatch-peers.$name.XXXXXX") || return 1
	cleanup() {
		stop "$uac_pid" 2
		stop "$uas_pid" 2
		stop "$kam_pid" 5
		stop "$tcpdump_pid" 5
		if [ "$KEEP" = 1 ]; then echo "  $name: temp dir kept: $tmp"; else rm -rf "$tmp"; fi
	}
	trap cleanup EXIT
	trap 'exit 143' TERM INT HUP

	local sipp_t=u1
	[ "$TR" = tcp ] && sipp_t=t1
	local guard=$((LIMIT + 60))

	timeout -k 5 "$guard" tcpdump -i lo -n -s 0 -U -w "$tmp/cap.pcap" "net $net.0/24" \
		>"$tmp/tcpdump.log" 2>&1 &
	tcpdump_pid=$!
	waitfor 10 grep -qs "listening on" "$tmp/tcpdump.log" ||
		{ echo "FAILED $name: tcpdump did not start: $(tail -1 "$tmp/tcpdump.log")"; return 1; }

	local kdefs="-A PROXY_IP=$net.20" d
	for d in $KDEF; do kdefs="$kdefs -A $d"; done
	# shellcheck disable=SC2086
	timeout -k 5 "$guard" kamailio -f "$KCFG" -L "$MPATH" -DD -E -Y "$tmp" -P "$tmp/kamailio.pid" \
		-w "$tmp" -m 32 -M 4 $kdefs >"$tmp/kamailio.log" 2>&1 &
	kam_pid=$!
	waitfor 10 ready "$kam_pid" "$TR" "$net.20:5060"
	{ alive "$kam_pid" && listening "$TR" "$net.20:5060"; } ||
		{ echo "FAILED $name: kamailio did not start: $(grep -m3 -iE 'error|crit' "$tmp/kamailio.log")"; return 1; }

	local common="-t $sipp_t -bind_local -m 1 -nostdin -timeout ${LIMIT}s -timeout_error
		-base_cseq 1 -trace_err -trace_msg -trace_screen -p 5060 -cp 8888"
	# shellcheck disable=SC2086
	(cd "$tmp" && exec timeout -k 5 "$guard" sipp -sf "$SIPP_DIR/$UAS.callee.xml" \
		-i "$net.30" -mi "$net.30" -ci "$net.30" $common $UAS_ARGS \
		-error_file uas.err -message_file uas.msg -screen_file uas.screen \
		>"$tmp/uas.out" 2>&1 </dev/null) &
	uas_pid=$!
	waitfor 10 ready "$uas_pid" "$TR" "$net.30:5060"
	{ alive "$uas_pid" && listening "$TR" "$net.30:5060"; } ||
		{ echo "FAILED $name: sipp callee did not start: $(tail -3 "$tmp/uas.out")"; return 1; }

	local t0=$SECONDS
	# shellcheck disable=SC2086
	(cd "$tmp" && exec timeout -k 5 "$((LIMIT + 10))" sipp "$net.20:5060" -sf "$SIPP_DIR/$UAC.caller.xml" \
		-i "$net.10" -mi "$net.10" -ci "$net.10" $common $UAC_ARGS \
		-cid_str "$name-%u@%s" -s service -key callee_host "$net.30:5060" \
		-error_file uac.err -message_file uac.msg -screen_file uac.screen \
		>"$tmp/uac.out" 2>&1 </dev/null) &
	uac_pid=$!
	wait "$uac_pid"
	rc=$?
	uac_pid=""
	# let the last answers cross the proxy; stop the capture first, so that
	# nothing the peers do while being stopped ends up in it
	sleep 1
	stop "$tcpdump_pid" 5
	tcpdump_pid=""
	stop "$uas_pid" 3
	uas_pid=""
	stop "$kam_pid" 5
	kam_pid=""

	if [ ! -s "$tmp/cap.pcap" ]; then
		echo "FAILED $name: empty capture"
		return 1
	fi
	mkdir -p "$OUT"
	cp "$tmp/cap.pcap" "$OUT/$name.pcap"
	tshark_listing "$OUT/$name.pcap" >"$OUT/$name.txt"
	local n
	n=$(($(wc -l <"$OUT/$name.txt") - 2))
	if [ "$rc" != 0 ]; then
		echo "FAILED $name: sipp caller exited $rc after $((SECONDS - t0)) s, $n SIP messages captured"
		sed -n '/Failed call/p;/Unexpected/p' "$tmp/uac.screen" 2>/dev/null | head -3 | sed 's/^/  /'
		tail -5 "$tmp"/uac*.err "$tmp"/uas*.err 2>/dev/null | sed 's/^/  /'
		return 1
	fi
	echo "recorded $name: $((SECONDS - t0)) s, $n SIP messages -> $OUT/$name.pcap"
	return 0
}

usage() { echo "usage: $0 [-j JOBS] [-o OUTDIR] [-k] [-l] [NAME...]" >&2; exit 2; }
while getopts "j:o:klh" opt; do
	case $opt in
	j) JOBS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	k) KEEP=1 ;;
	l) for s in $ALL; do echo "$s"; done; exit 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
names=${*:-$ALL}
for s in $names; do scenario "$s" || { echo "unknown scenario: $s" >&2; exit 2; }; done
[ "$(id -u)" = 0 ] || { echo "record.sh: needs root (tcpdump on lo)" >&2; exit 1; }
for t in sipp kamailio tcpdump tshark timeout ss; do
	command -v "$t" >/dev/null 2>&1 || { echo "record.sh: $t not installed (.ci/deps.sh)" >&2; exit 1; }
done
MPATH=$(mpath)
[ -f "$MPATH/tm.so" ] || { echo "record.sh: kamailio modules not found (set KAMAILIO_MPATH)" >&2; exit 1; }
export KEEP OUT

jobs_pids=""
main_cleanup() {
	local p
	for p in $jobs_pids; do alive "$p" && kill -TERM "$p" 2>/dev/null; done
	for p in $jobs_pids; do
		local n=100
		while alive "$p" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
		alive "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
trap main_cleanup EXIT
trap 'exit 143' TERM INT HUP

failed=0
running=0
for s in $names; do
	if [ "$JOBS" -gt 0 ] && [ "$running" -ge "$JOBS" ]; then
		wait -n || failed=$((failed + 1))
		running=$((running - 1))
	fi
	(record_one "$s") &
	jobs_pids="$jobs_pids $!"
	running=$((running + 1))
done
for p in $jobs_pids; do
	wait "$p"
	r=$?
	# 127: already reaped by wait -n above
	[ "$r" = 0 ] || [ "$r" = 127 ] || failed=$((failed + 1))
done
jobs_pids=""
[ "$failed" = 0 ] || { echo "record.sh: $failed scenario(s) failed" >&2; exit 1; }
exit 0
