#!/bin/sh
# --metrics scraped by a real Prometheus: sipwatch -i lo watches a live SIPp
# outage call (the seed case: the callee answers the refresh UPDATE at 45 s
# with a 200 lacking Contact and Session-Expires; the caller tears the call
# down at the teardown point, 60 s); Prometheus (Debian prometheus) scrapes
# sipwatch every second on 127.0.190.x; the test asks Prometheus's HTTP API
# for the timer-teardown and doomed counters after the BYE, and promtool
# checks the scraped text.  About 65 s.
. tests/e2e/lib.sh
. tests/peers/live_lib.sh
need_root_and sipp prometheus promtool curl jq ss timeout flock
live_lock sw19_metrics

NET=127.0.190
MPORT=19464
PPORT=19090
LIMIT=80

sw_start sw "$T/sw.db" -i lo -f "net $NET.0/24" --events "$T/events" --metrics "$NET.1:$MPORT"
if alive "$SW_PID"; then ok "sipwatch capturing on lo, metrics on $NET.1:$MPORT"; else
	notok "sipwatch did not start: $(cat "$T/sw.err")"; exit 0; fi

# The scraped text is valid exposition format.
curl -s "http://$NET.1:$MPORT/metrics" >"$T/m0"
if promtool check metrics <"$T/m0" >"$T/promtool.out" 2>&1; then ok "promtool check metrics passes"
else notok "promtool check metrics: $(head -5 "$T/promtool.out")"; fi
check "unknown path is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://$NET.1:$MPORT/")"

cat >"$T/prom.yml" <<EOC
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sipwatch
    static_configs:
      - targets: ['$NET.1:$MPORT']
EOC
timeout -k 5 $((LIMIT + 20)) prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address="$NET.2:$PPORT" >"$T/prom.log" 2>&1 </dev/null &
PROM_PID=$!
track "$PROM_PID"

sipp_uas "$T/uas" "$NET.31" update_2xx_bare $((LIMIT + 10)) || { notok "SIPp callee did not start"; exit 0; }
sipp_uac "$T/uac" "$NET.11" "$NET.31:5060" "$NET.31:5060" teardown_60 "sw19-outage" $LIMIT
UAC=$UAC_PID

# promq QUERY: the instant value of QUERY, "" if none
promq() {
	curl -s --max-time 2 "http://$NET.2:$PPORT/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
prom_up() { [ "$(promq 'up{job="sipwatch"}')" = 1 ]; }
if waitfor 30 prom_up; then ok "Prometheus scrapes sipwatch (up = 1)"
else notok "Prometheus never scraped sipwatch: $(tail -3 "$T/prom.log")"; fi

wait_exit "$UAC" $((LIMIT + 5))
check "SIPp caller completed the outage call" 0 "$RC"
teardowns() { [ "$(promq 'sipwatch_timer_teardowns_total')" = 1 ]; }
if waitfor 10 teardowns; then ok "Prometheus: sipwatch_timer_teardowns_total = 1 after the BYE"
else notok "Prometheus: sipwatch_timer_teardowns_total = '$(promq sipwatch_timer_teardowns_total)'"; fi
# The doomed counter agrees with the doomed events sipwatch wrote (the
# verdict rules may move a finding between doom and risk; the count may not
# disagree with the events).
nd=$(jq -r 'select(.event == "doomed") | .call_id' "$T/events" 2>/dev/null | wc -l | tr -d ' ')
check "Prometheus: sum(sipwatch_doomed_total) = doomed events ($nd)" "$nd" "$(promq 'sum(sipwatch_doomed_total)')"
echo "# doomed by code: $(curl -s --max-time 2 "http://$NET.2:$PPORT/api/v1/query" --data-urlencode 'query=sipwatch_doomed_total > 0' |
	jq -c '[.data.result[] | {(.metric.code): .value[1]}] | add')"
# The writer commits live batches every 500 ms: the db catches up with the
# counter within a few seconds (bounded wait), then the two must agree.
db_caught_up() { [ "$(q "$T/sw.db" 'select count(*) from messages')" = "$(promq 'sipwatch_sip_messages_total')" ]; }
waitfor 10 db_caught_up
check "Prometheus: SIP messages counted" "$(q "$T/sw.db" 'select count(*) from messages')" \
	"$(promq 'sipwatch_sip_messages_total')"
check "Prometheus: one dialog seen" 1 "$(promq 'sipwatch_dialogs_total')"
check "Prometheus: no queue drops" 0 "$(promq 'sipwatch_dropped_packets_total{where="queue"}')"

curl -s "http://$NET.1:$MPORT/metrics" >"$T/m1"
if promtool check metrics <"$T/m1" >"$T/promtool.out" 2>&1; then ok "promtool check metrics passes after the call"
else notok "promtool check metrics: $(head -5 "$T/promtool.out")"; fi
kill -INT "$SW_PID"
wait_exit "$SW_PID" 20
check "SIGINT: sipwatch exit status" 0 "$RC"
check "nothing on stderr" "" "$(cat "$T/sw.err")"
exit 0
