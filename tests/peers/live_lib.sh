# Helpers for the live-capture end-to-end scripts (tests/e2e/live_*.sh),
# sourced after tests/e2e/lib.sh: start sipwatch, SIPp and Kamailio in the
# background, each tracked by PID and stopped by PID on exit; every wait is
# bounded.  POSIX sh.
# shellcheck shell=sh
# shellcheck disable=SC2317 # trap handlers are invoked indirectly

PEERS=tests/peers
LIVE_PIDS=""

# alive PID: the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) in Z | X | "") return 1 ;; esac
	return 0
}

# waitfor SECONDS CMD...: polls CMD every 0.1 s until it succeeds or time is up
waitfor() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

track() { LIVE_PIDS="$LIVE_PIDS $1"; }

# stop_pid PID [SECONDS]: SIGTERM, wait at most SECONDS (default 5), SIGKILL.
# PIDs of timeout(1) wrappers forward the signal to their process group.
stop_pid() {
	[ -n "$1" ] || return 0
	_n=$((${2:-5} * 10))
	if alive "$1"; then
		kill -TERM "$1" 2>/dev/null
		while alive "$1" && [ "$_n" -gt 0 ]; do sleep 0.1; _n=$((_n - 1)); done
		alive "$1" && kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	return 0
}

LIVE_ON_EXIT="" # more to undo on exit (e.g. network namespaces), after the processes stop
live_cleanup() {
	for _p in $LIVE_PIDS; do stop_pid "$_p" 3; done
	LIVE_PIDS=""
	eval "${LIVE_ON_EXIT:-:}"
	rm -rf "$T"
}
trap live_cleanup EXIT
trap 'exit 143' INT TERM HUP PIPE

# need_root_and TOOL...: prints one skip line and exits when not root or a tool is missing
need_root_and() {
	if [ "$(id -u)" != 0 ]; then
		echo "skip - live capture needs root"
		exit 0
	fi
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 || { echo "skip - $_t not installed (.ci/deps.sh)"; exit 0; }
	done
}

# live_lock NAME: one run of a live test at a time on this machine (another
# `make check` may run the same script, on the same addresses, at once): waits
# at most 5 minutes for the lock, which goes with this shell's exit.
live_lock() {
	exec 9>"${TMPDIR:-/tmp}/sipwatch-$1.lock"
	if ! flock -w 300 9; then
		echo "skip - another $1 kept the lock for 5 minutes"
		exit 0
	fi
}

# wait_exit PID SECONDS: waits for PID to exit; sets RC to its exit status,
# or kills it and sets RC=timeout when it is still running after SECONDS.
wait_exit() {
	if waitfor "$2" sh -c "! [ -d /proc/$1 ] || grep -qs '^State:[[:space:]]*[ZX]' /proc/$1/status"; then
		wait "$1"
		RC=$?
	else
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		RC=timeout
	fi
}

q() { sqlite3 -cmd '.timeout 2000' "$1" "$2" 2>/dev/null; }

# sw_start NAME DB ARGS...: starts sipwatch headless (stdout NAME.out, stderr
# NAME.err in $T) and waits until its capture is open (the captures row is
# written after the interface, filter and db are ready).  Sets SW_PID.
# SW_PREFIX: a command prefix that execs (e.g. "ip netns exec NS").
SW_PREFIX=""
sw_start() {
	_name=$1 _db=$2
	shift 2
	$SW_PREFIX "$SIPWATCH" -d "$_db" --no-ui "$@" >"$T/$_name.out" 2>"$T/$_name.err" </dev/null &
	SW_PID=$!
	track "$SW_PID"
	waitfor 10 sw_ready "$SW_PID" "$_db"
}
sw_ready() { ! alive "$1" || [ "$(q "$2" 'select count(*) from captures')" = 1 ]; }

# Kamailio's module path (as in record.sh)
kam_mpath() {
	if [ -n "${KAMAILIO_MPATH:-}" ]; then echo "$KAMAILIO_MPATH"; return; fi
	for _d in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/kamailio/modules \
		/usr/lib64/kamailio/modules /usr/local/lib64/kamailio/modules; do
		[ -f "$_d/tm.so" ] && { echo "$_d"; return; }
	done
	kamailio -h 2>&1 | sed -n 's/.*-L path.*(default: \(.*\))/\1/p' | head -1
}

# pid_listening PID IP:PORT: something listens on IP:PORT/udp (in $SIPP_PREFIX's
# namespace), or PID died (so that waitfor ends at once)
pid_listening() { ! alive "$1" || $SIPP_PREFIX ss -Hlun "src $2" 2>/dev/null | grep -q .; }

# kam_start DIR IP LIMIT DEFINE...: Kamailio (tests/peers/kamailio.cfg) on IP:5060/udp.  Sets KAM_PID.
kam_start() {
	_dir=$1 _ip=$2 _lim=$3
	shift 3
	_defs="-A PROXY_IP=$_ip"
	for _d in "$@"; do _defs="$_defs -A $_d"; done
	mkdir -p "$_dir"
	# shellcheck disable=SC2086
	timeout -k 5 "$_lim" kamailio -f "$PEERS/kamailio.cfg" -L "$(kam_mpath)" -DD -E -Y "$_dir" \
		-P "$_dir/kamailio.pid" -w "$_dir" -m 32 -M 4 $_defs >"$_dir/kamailio.log" 2>&1 </dev/null &
	KAM_PID=$!
	track "$KAM_PID"
	waitfor 10 pid_listening "$KAM_PID" "$_ip:5060"
}

# sipp_uas DIR IP SCENARIO LIMIT [ARGS...]: SIPp callee on IP:5060/udp.  Sets UAS_PID.
# sipp_uac DIR IP TARGET CALLEE_HOST SCENARIO CALL_ID_PREFIX LIMIT [ARGS...]: SIPp caller.  Sets UAC_PID.
# PREFIX SIPp: a command prefix (e.g. "ip netns exec NS").
SIPP_PREFIX=""
sipp_uas() {
	_dir=$1 _ip=$2 _sc=$3 _lim=$4
	shift 4
	mkdir -p "$_dir"
	_sf=$(pwd)/$PEERS/sipp/$_sc.callee.xml
	# shellcheck disable=SC2086
	(cd "$_dir" && exec $SIPP_PREFIX timeout -k 5 "$_lim" sipp -sf "$_sf" -i "$_ip" -mi "$_ip" -ci "$_ip" \
		-t u1 -bind_local -m 1 -nostdin -timeout "${_lim}s" -timeout_error -base_cseq 1 \
		-trace_err -p 5060 "$@" >uas.out 2>&1 </dev/null) &
	UAS_PID=$!
	track "$UAS_PID"
	waitfor 10 pid_listening "$UAS_PID" "$_ip:5060"
}
sipp_uac() {
	_dir=$1 _ip=$2 _to=$3 _ch=$4 _sc=$5 _cid=$6 _lim=$7
	shift 7
	mkdir -p "$_dir"
	_sf=$(pwd)/$PEERS/sipp/$_sc.caller.xml
	# shellcheck disable=SC2086
	(cd "$_dir" && exec $SIPP_PREFIX timeout -k 5 "$_lim" sipp "$_to" -sf "$_sf" -i "$_ip" -mi "$_ip" -ci "$_ip" \
		-t u1 -bind_local -m 1 -nostdin -timeout "${_lim}s" -timeout_error -base_cseq 1 \
		-trace_err -p 5060 -cid_str "$_cid-%u@%s" -s service -key callee_host "$_ch" \
		"$@" >uac.out 2>&1 </dev/null) &
	UAC_PID=$!
	track "$UAC_PID"
}

# fge A B: A >= B (decimals)
fge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
now() { date +%s.%N | cut -c1-17; }
