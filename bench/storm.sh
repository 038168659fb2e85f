#!/usr/bin/env bash
# A storm of transitions on the embedded default: a fleet of SMS_STORM_SERVERS servers falls
# silent together (a data centre losing power) while a steady fleet keeps beating. Shows how
# long the sweep takes to turn the silent fleet off and what it does meanwhile to the steady
# fleet's last-seen lag (the sweep and the worker share the one SQLite writer).
#   bench/storm.sh          (expects a Release build in build/)
# One alert rule covers every server, with a webhook channel to a local receiver, so the alert
# planner works through the storm too (its notifications come as digests).
# Knobs: SMS_STORM_SERVERS (500000), SMS_STORM_STEADY (10000 servers, announcing 5 s),
#        SMS_STORM_RATE (5000 steady heartbeats/s).
# Prints a Markdown report; docs/BENCHMARKS.md records one. Load only to 127.0.0.1; every loop
# is bounded (wrk by -d, the sampling by 60 samples).
set -euo pipefail
cd "$(dirname "$0")/.."
STORM=${SMS_STORM_SERVERS:-500000}
STEADY=${SMS_STORM_STEADY:-10000}
RATE=${SMS_STORM_RATE:-5000}
EVERY=5
. bench/lib.sh
bench_init storm

echo "# Storm: $STORM servers off together, $STEADY beating meanwhile ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo
machine_line
echo
PASSWORD="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
SMS_ADMIN_USER=bench SMS_ADMIN_PASSWORD="$PASSWORD" start s all --heartbeat-grace 5 \
  --allow-private-webhooks
URL=$URL_s
# The receiver: answers 200 to every POST and appends the event of each to a file.
HOOK_PORT=$(free_port)
python3 - "$HOOK_PORT" "$WORK/hook.events" <<'PY' &
import http.server, json, sys
out = open(sys.argv[2], "a", buffering=1)
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        n = body.get("count", 0) if body.get("event") == "digest" else 1
        out.write(f"{body.get('event')} {n}\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
PY
PIDS+=("$!")
TOKEN=$(curl -sf "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" |
  python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
CHANNEL=$(curl -sf "$URL/api/v1/channels" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' \
  -d "{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:$HOOK_PORT/\"}" |
  python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')
curl -sf "$URL/api/v1/alert-rules" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' \
  -d "{\"name\":\"every server\",\"channels\":[\"$CHANNEL\"]}" >/dev/null
# The steady fleet: ids from 10 000 000 up, each beating every STEADY/RATE s, announcing 5 s.
SMS_BENCH_FIRST=10000000 SMS_BENCH_SERVERS=$STEADY SMS_BENCH_RATE=$RATE SMS_BENCH_INTERVAL=5 \
  timeout 600 wrk -t1 -c100 -d400s --latency -s bench/wrk/heartbeat.lua "$URL/healthcheck" \
  >"$WORK/steady.wrk" &
WRK=$!
sleep 5
# The storm fleet: an unpaced run long enough to register all of it (new servers are the
# worker's dearest writes), announcing 120 s, so it stays on until the queue drained; it then
# falls silent and goes off 125 s after each server's last heartbeat.
SMS_BENCH_SERVERS=$STORM SMS_BENCH_INTERVAL=120 wrk -t2 -c64 -d$((STORM / 12000 + 5))s \
  -s bench/wrk/heartbeat.lua "$URL/healthcheck" >"$WORK/register.wrk"
wait_drained "$URL"
registered=$(metric "$URL" sms_servers_registered_total)
off0=$(metric "$URL" 'sms_status_transitions_total{to="off"}')
on0=$(metric "$URL" 'sms_status_transitions_total{to="on"}')
curl -sf "$URL/metrics" >"$WORK/m0"
echo "Registered $registered servers ($STEADY steady); the storm's servers go off from about two minutes after the registration run."
echo
echo "| time (s) | turned off so far | steady fleet's last-seen lag p50 / p99 / max in the $EVERY s before | queue depth |"
echo "|---|---|---|---|"
first_off="" last_off="" quiet=0 worst=0
for i in $(seq 1 60); do
  sleep $EVERY
  curl -sf "$URL/metrics" >"$WORK/m$i"
  off=$(( $(metric "$URL" 'sms_status_transitions_total{to="off"}') - off0 ))
  lag=$(python3 bench/lag_quantiles.py "$WORK/m$i" "$WORK/m$((i - 1))")
  p99=$(python3 bench/lag_quantiles.py --seconds "$WORK/m$i" "$WORK/m$((i - 1))" | awk '{print $2}')
  depth=$(metric "$URL" 'sms_bus_queue_depth{topic="healthcheck"}')
  if [ "$off" -gt 0 ]; then
    echo "| $((i * EVERY)) | $off | $lag | $depth |"
    [ -z "$first_off" ] && first_off=$((i * EVERY))
    worst=$(python3 -c "print(max(float('$worst'), float('$p99')))")
    if [ "$off" -ge $((registered - STEADY)) ]; then
      [ -z "$last_off" ] && last_off=$((i * EVERY))
      quiet=$((quiet + 1))
      [ "$quiet" -ge 2 ] && break
    fi
  fi
done
echo
sleep 15  # the last digests (the grouping window, 9 s, after the last off), still under load
offs=$(( $(metric "$URL" 'sms_status_transitions_total{to="off"}') - off0 ))
ons=$(( $(metric "$URL" 'sms_status_transitions_total{to="on"}') - on0 ))
kill -INT "$WRK" 2>/dev/null || true  # wrk prints its summary on SIGINT
wait "$WRK" 2>/dev/null || true
echo "The storm: $off servers turned off between the samples at ${first_off:-?} s and ${last_off:-?} s (its first off fell in the first of those windows, its last in the second). Worst p99 of the steady fleet's lag in a window of the storm: <= $worst s (bucket bound). Steady load: $(rps "$WORK/steady.wrk") requests/s, non-2xx $(non2xx "$WORK/steady.wrk"), wrk p99 $(pct "$WORK/steady.wrk" 99%)."
echo
echo "Alerts (one rule over every server, one webhook channel): $(awk '{r[$1]++; n[$1]+=$2} END {for (e in r) printf "%s %d requests for %d servers; ", e, r[e], n[e]}' "$WORK/hook.events" 2>/dev/null)received by the webhook."
echo
echo "Transitions from the first sample to the end: off $offs, on $ons (the storm alone: off $((registered - STEADY)), on 0)."
