#!/bin/bash
# Make one capture with real linphone UAs (linphone-daemon 5.1.65) and kamailio 5.6.3.
#   record-linphone.sh NAME MODE [CALL_SECONDS]
# MODE: healthy  - alice calls bob through kamailio, refreshes answered, alice hangs up
#       lost200  - like healthy, but an nftables/iptables rule in the namespace drops bob's
#                  200 OK to the refresh UPDATE before kamailio receives it (tcpdump on lo
#                  still sees it on the bob->kamailio leg; kamailio never relays it)
#       freeze   - alice (the refresher) is frozen with SIGSTOP 5 s after answer, so no refresh
#                  is ever sent; kamailio's dialog/sst timeout ends the call with BYEs
#       uas      - like healthy, but bob's 200 makes bob (UAS) the refresher
# Everything runs inside a fresh network namespace sw13-NAME (lo + a veth pair with a default
# route, which linphone needs to consider the network "up"); SIP only on 127.0.0.1.
set -u
NAME=$1; MODE=$2; T=${3:-200}
# run from a private copy, so that editing this file cannot disturb a run in progress
if [ -z "${P2_C:-}" ]; then
  export P2_C=$(cd "$(dirname "$0")" && pwd) P2_OUT=$(mkdir -p "${P2_OUT:-.}" && cd "${P2_OUT:-.}" && pwd)
  mkdir -p /tmp/sw13run; cp "$0" /tmp/sw13run/$NAME.sh
  exec bash /tmp/sw13run/$NAME.sh "$@"
fi
C=$P2_C
OUT=$P2_OUT
R=/tmp/sw13run/$NAME; NS=sw13-$NAME
rm -rf "$R"; mkdir -p "$R" "$OUT/logs/$NAME"; cd "$R"
cp "$C"/linphone-alice.rc "$C"/linphone-bob.rc .
if [ "$MODE" = uas ]; then
  # bob (callee) asks to be the refresher: linphone's refresher value 1 = uas
  sed -i 's/^session_expires_refresher_value=2/session_expires_refresher_value=1/' linphone-bob.rc linphone-alice.rc
fi
mkdir -p ha/.local/share/linphone hb/.local/share/linphone
ip netns add $NS
ip netns exec $NS ip link set lo up
ip netns exec $NS ip link add sw13v0 type veth peer name sw13v1
ip netns exec $NS ip addr add 10.255.0.1/30 dev sw13v0
ip netns exec $NS ip link set sw13v0 up; ip netns exec $NS ip link set sw13v1 up
ip netns exec $NS ip route add default via 10.255.0.2 dev sw13v0
ip netns exec $NS tcpdump -i lo -s 0 -U -w "$R/$NAME.pcap" 'port 5060 or port 5070 or port 5080 or port 5090 or port 8080' 2>tcpdump.err & echo $! > tcpdump.pid
sleep 1
ip netns exec $NS kamailio -DD -E -f "$C/${KCFG:-kamailio.cfg}" > kamailio.log 2>&1 & echo $! > kam.pid
HOME=$R/hb ip netns exec $NS linphone-daemon --config linphone-bob.rc --pipe sw13-$NAME-bob --log bob.log --auto-answer > bob.out 2>&1 & echo $! > bob.pid
# alice runs in a session of its own (setsid): a SIGSTOPped member of this script's orphaned
# process group would be sent SIGCONT by the kernel whenever another member exits
HOME=$R/ha ip netns exec $NS setsid linphone-daemon --config linphone-alice.rc --pipe sw13-$NAME-alice --log alice.log > alice.out 2>&1 & echo $! > alice.pid
sleep 4
if [ "$MODE" = lost200 ]; then
  # drop bob's 200 OK to UPDATE on its way into kamailio: a 200 from bob:5080 to kamailio:5060
  # whose text has "UPDATE\r\n" (the CSeq line; Allow also ends so) but neither
  # "INVITE\r\n" (CSeq of the 200 to the INVITE) nor "BYE\r\n" (CSeq of the 200 to BYE)
  ip netns exec $NS iptables -A INPUT -i lo -p udp --sport 5080 --dport 5060 \
     -m string --algo bm --from 28 --to 40 --string "SIP/2.0 200" \
     -m string --algo bm --hex-string "|20|UPDATE|0d0a|" \
     -m string --algo bm ! --hex-string "|20|INVITE|0d0a|" \
     -m string --algo bm ! --hex-string "|20|BYE|0d0a|" -j DROP
  ip netns exec $NS iptables -S INPUT > iptables.rules; ip netns exec $NS iptables -L INPUT -v -n >> iptables.rules
fi
echo "$(date +%s.%N) call" >> timeline
"$C/lpcmd.py" sw13-$NAME-alice call sip:bob@127.0.0.1 > call.out
sleep 5
if [ "$MODE" = freeze ]; then
  echo "$(date +%s.%N) SIGSTOP alice" >> timeline
  # SIGSTOP, and make sure the process really is stopped (state T) before going on
  for i in 1 2 3 4 5; do
    kill -STOP $(cat alice.pid)
    sleep 0.5
    ps -o stat= -p $(cat alice.pid) | grep -q T && break
  done
  echo "$(date +%s.%N) alice state $(ps -o stat= -p $(cat alice.pid))" >> timeline
fi
end=$(( $(date +%s) + T ))
while [ $(date +%s) -lt $end ]; do
  sleep 5
  if [ "$MODE" = freeze ] && ! ps -o stat= -p $(cat alice.pid) | grep -q T; then
    echo "$(date +%s.%N) alice was running again: SIGSTOP again" >> timeline; kill -STOP $(cat alice.pid)
  fi
  if [ "$MODE" != freeze ]; then
    "$C/lpcmd.py" sw13-$NAME-alice call-status > status.out 2>&1
    grep -q 'No current call\|No active call' status.out && { echo "$(date +%s.%N) alice has no call" >> timeline; break; }
  fi
done
if [ "$MODE" != freeze ]; then
  echo "$(date +%s.%N) terminate" >> timeline
  "$C/lpcmd.py" sw13-$NAME-alice terminate >> call.out 2>&1
fi
sleep 3
[ "$MODE" = lost200 ] && ip netns exec $NS iptables -L INPUT -v -n >> iptables.rules
kill $(cat tcpdump.pid); sleep 1
[ "$MODE" = freeze ] && kill -CONT $(cat alice.pid)
"$C/lpcmd.py" sw13-$NAME-alice quit >/dev/null 2>&1; "$C/lpcmd.py" sw13-$NAME-bob quit >/dev/null 2>&1
sleep 2
for p in alice bob kam; do kill $(cat $p.pid) 2>/dev/null; done
sleep 1
for p in alice bob kam tcpdump; do kill -0 $(cat $p.pid) 2>/dev/null && kill -9 $(cat $p.pid); done
ip netns del $NS
cp "$R/$NAME.pcap" "$OUT/$NAME.pcap"
cp timeline call.out kamailio.log alice.out bob.out "$OUT/logs/$NAME/" 2>/dev/null
[ -f iptables.rules ] && cp iptables.rules "$OUT/logs/$NAME/"
grep -vE 'alsa|ortp-message|mediastreamer|Supported codec' alice.log > "$OUT/logs/$NAME/alice.log"
grep -vE 'alsa|ortp-message|mediastreamer|Supported codec' bob.log > "$OUT/logs/$NAME/bob.log"
echo "done $NAME"
