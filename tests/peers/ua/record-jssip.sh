#!/bin/bash
# Make one capture with JsSIP 3.13.8 (npm, in Node 20) over WebSocket to kamailio 5.6.3,
# which relays over UDP to a real linphone-daemon 5.1.65 (bob).
#   record-jssip.sh NAME MODE [CALL_SECONDS]
# MODE: healthy - JsSIP (dave) calls bob; session timer 90 s; JsSIP hangs up after CALL_SECONDS
#       reinvite - like healthy, but JsSIP refreshes with re-INVITE (session_timers_refresh_method INVITE)
#       freeze  - bob is made the refresher (refresher=uas) and is frozen (SIGSTOP) 5 s after the
#                 answer, so no refresh comes; kamailio's sst/dialog timeout and JsSIP's own
#                 non-refresher timer end the call
set -u
NAME=$1; MODE=$2; T=${3:-150}
if [ -z "${P2_C:-}" ]; then
  export P2_C=$(cd "$(dirname "$0")" && pwd) P2_OUT=$(mkdir -p "${P2_OUT:-.}" && cd "${P2_OUT:-.}" && pwd)
  mkdir -p /tmp/sw13run; cp "$0" /tmp/sw13run/$NAME.sh
  exec bash /tmp/sw13run/$NAME.sh "$@"
fi
C=$P2_C; OUT=$P2_OUT
R=/tmp/sw13run/$NAME; NS=sw13-$NAME
rm -rf "$R"; mkdir -p "$R" "$OUT/logs/$NAME"; cd "$R"
cp "$C"/linphone-bob.rc .
cp -r "$C/jssip" "$R/jssip"; (cd "$R/jssip" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1) || { echo "npm ci failed in $R/jssip"; exit 1; }
[ "$MODE" = freeze ] && sed -i 's/^session_expires_refresher_value=2/session_expires_refresher_value=1/' linphone-bob.rc
mkdir -p hb/.local/share/linphone
ip netns add $NS
ip netns exec $NS ip link set lo up
ip netns exec $NS ip link add sw13v0 type veth peer name sw13v1
ip netns exec $NS ip addr add 10.255.0.1/30 dev sw13v0
ip netns exec $NS ip link set sw13v0 up; ip netns exec $NS ip link set sw13v1 up
ip netns exec $NS ip route add default via 10.255.0.2 dev sw13v0
ip netns exec $NS tcpdump -i lo -s 0 -U -w "$R/$NAME.pcap" 'port 5060 or port 5070 or port 5080 or port 5090 or port 8080' 2>tcpdump.err & echo $! > tcpdump.pid
sleep 1
ip netns exec $NS kamailio -DD -E -f "$C/${KCFG:-kamailio.cfg}" > kamailio.log 2>&1 & echo $! > kam.pid
# bob runs in a session of its own (setsid), so that a SIGSTOP holds (see record-linphone.sh)
HOME=$R/hb ip netns exec $NS setsid linphone-daemon --config linphone-bob.rc --pipe sw13-$NAME-bob --log bob.log --auto-answer > bob.out 2>&1 & echo $! > bob.pid
sleep 4
echo "$(date +%s.%N) call" >> timeline
if [ "$MODE" = freeze ]; then
  (cd "$R/jssip" && exec ip netns exec $NS timeout $((T+90)) node call.js ws://127.0.0.1:8080 sip:bob@127.0.0.1 0 90) > jssip.out 2>&1 & echo $! > jssip.pid
  sleep 5
  for i in 1 2 3 4 5; do
    kill -STOP $(cat bob.pid); sleep 0.5
    ps -o stat= -p $(cat bob.pid) | grep -q T && break
  done
  echo "$(date +%s.%N) SIGSTOP bob, state $(ps -o stat= -p $(cat bob.pid))" >> timeline
  end=$(( $(date +%s) + T ))
  while [ $(date +%s) -lt $end ] && kill -0 $(cat jssip.pid) 2>/dev/null; do
    sleep 2
    ps -o stat= -p $(cat bob.pid) | grep -q T || { echo "$(date +%s.%N) bob was running again: SIGSTOP again" >> timeline; kill -STOP $(cat bob.pid); }
  done
  sleep 5
else
  M=UPDATE; [ "$MODE" = reinvite ] && M=INVITE
  (cd "$R/jssip" && exec ip netns exec $NS timeout $((T+90)) node call.js ws://127.0.0.1:8080 sip:bob@127.0.0.1 $T 90 $M) > jssip.out 2>&1 & echo $! > jssip.pid
  end=$(( $(date +%s) + T + 60 ))
  while [ $(date +%s) -lt $end ] && kill -0 $(cat jssip.pid) 2>/dev/null; do sleep 2; done
  sleep 3
fi
echo "$(date +%s.%N) stop" >> timeline
kill $(cat tcpdump.pid); sleep 1
[ "$MODE" = freeze ] && kill -CONT $(cat bob.pid)
kill -0 $(cat jssip.pid) 2>/dev/null && kill $(cat jssip.pid)
"$C/lpcmd.py" sw13-$NAME-bob quit >/dev/null 2>&1
sleep 2
for p in bob kam; do kill $(cat $p.pid) 2>/dev/null; done
sleep 1
for p in bob kam tcpdump jssip; do kill -0 $(cat $p.pid) 2>/dev/null && kill -9 $(cat $p.pid); done
ip netns del $NS
cp "$R/$NAME.pcap" "$OUT/$NAME.pcap"
cp timeline kamailio.log bob.out jssip.out "$OUT/logs/$NAME/" 2>/dev/null
grep -vE 'alsa|ortp-message|mediastreamer|Supported codec' bob.log > "$OUT/logs/$NAME/bob.log"
echo "done $NAME"
