#!/usr/bin/env bash
# SMS benchmarks on this machine, every figure next to its baseline from the same run.
#   bench/run.sh            (or `make bench`; expects a Release build in build/)
# Knobs: SMS_BENCH_SECONDS (10), SMS_BENCH_CONNECTIONS (64), SMS_BENCH_E2E_SECONDS (30),
#        SMS_BENCH_E2E_CONNECTIONS (480), SMS_BENCH_E2E_DELAY_MS (2), SMS_BENCH_FLEET (1000000),
#        SMS_BENCH_E2E_INTERVAL (300).
# Prints a Markdown report; docs/BENCHMARKS.md records one.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SMS_BIN:-build/bin}
SECS=${SMS_BENCH_SECONDS:-10}
CONNS=${SMS_BENCH_CONNECTIONS:-64}
E2E_SECS=${SMS_BENCH_E2E_SECONDS:-30}
E2E_CONNS=${SMS_BENCH_E2E_CONNECTIONS:-480}
E2E_DELAY=${SMS_BENCH_E2E_DELAY_MS:-2}
. bench/lib.sh
bench_init bench
start_smsd() {  # start_smsd NAME: smsd all with the bench admin -> sets SMSD_PID SMSD_URL
  SMS_ADMIN_USER=bench SMS_ADMIN_PASSWORD="$BENCH_PASSWORD" start "$1" all
  SMSD_PID=$(eval echo "\$PID_$1"); SMSD_URL=$(eval echo "\$URL_$1")
}
BENCH_PASSWORD="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
api_get() {  # api_get PATH: GET on the management API as the bench admin
  local token
  token=$(curl -sf "$SMSD_URL/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$BENCH_PASSWORD\"}" |
    python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
  curl -sf "$SMSD_URL$1" -H "Authorization: Bearer $token"
}

echo "# SMS benchmark run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
machine_line
echo

# --- 1. Ingest: the durable healthcheck path next to nginx, one CPU each (bench/ingest.sh) --
SMS_BIN="$BIN" bash bench/ingest.sh

# --- 2. End to end: a fleet of FLEET servers, registered, then paced steady heartbeats -----
FLEET=${SMS_BENCH_FLEET:-1000000}
# The interval the fleet's heartbeats announce. A fleet of 1 M agents at 30 s never falls
# silent; this bench's fleet beats once in the registration pass (~60 s) and once more in the
# steady pass, so announcing 30 s would turn most of it off and on again between the passes and
# measure a transition storm (the sweep, alerts) instead of the heartbeat path.
E2E_INTERVAL=${SMS_BENCH_E2E_INTERVAL:-300}
start_smsd e2e
# Registration pass: every server's first heartbeat (unpaced), until the fleet is in SQL.
T_REG0=$(date +%s.%N)
SMS_BENCH_SERVERS=$FLEET SMS_BENCH_INTERVAL=$E2E_INTERVAL wrk -t2 -c"$CONNS" -d"$(( FLEET / 20000 + 5 ))s" \
  -s bench/wrk/heartbeat.lua "$SMSD_URL/healthcheck" >"$WORK/register.wrk"
wait_drained "$SMSD_URL"
T_REG1=$(date +%s.%N)
REGISTERED=$(api_get /api/v1/stats | python3 -c 'import json,sys;print(json.load(sys.stdin)["total"])')
curl -sf "$SMSD_URL/metrics" >"$WORK/before.prom"
W0=$(metric "$SMSD_URL" sms_worker_heartbeats_total)
# Steady state: paced connections, as agents send every 30 s.
T0=$(date +%s.%N)
SMS_BENCH_SERVERS=$FLEET SMS_BENCH_DELAY_MS=$E2E_DELAY SMS_BENCH_INTERVAL=$E2E_INTERVAL wrk -t2 -c"$E2E_CONNS" -d"${E2E_SECS}s" \
  -s bench/wrk/heartbeat.lua "$SMSD_URL/healthcheck" >"$WORK/e2e.wrk"
wait_drained "$SMSD_URL"
T1=$(date +%s.%N)
curl -sf "$SMSD_URL/metrics" >"$WORK/after.prom"
W1=$(metric "$SMSD_URL" sms_worker_heartbeats_total)
E2E_RSS=$(rss_kb "$SMSD_PID" VmHWM)
LAG=$(python3 bench/lag_quantiles.py "$WORK/after.prom" "$WORK/before.prom")
echo "## End to end (HTTP -> bus -> worker -> SQLite last_seen), smsd all on SQLite"
echo
echo "Fleet: $REGISTERED servers registered by their first heartbeat in $(python3 -c "print(f'{$T_REG1-$T_REG0:.1f}')") s."
echo "Steady load: wrk -t2 -c$E2E_CONNS -d${E2E_SECS}s, each connection pausing ${E2E_DELAY} ms between requests (offered <= $(( E2E_CONNS * 1000 / E2E_DELAY ))/s); the heartbeats announce an interval of ${E2E_INTERVAL} s."
echo
echo "| written to SQL | sustained heartbeats/s (written / time until drained) | non-2xx | last-seen lag p50 / p99 / max | smsd peak RSS |"
echo "|---|---|---|---|---|"
echo "| $((W1 - W0)) | $(python3 -c "print(int(($W1-$W0)/($T1-$T0)))") | $(non2xx "$WORK/e2e.wrk") | $LAG | $((E2E_RSS / 1024)) MiB |"
echo
echo "Targets: >= 35 000 heartbeats/s, lag p99 <= 2 s."
echo
# --- 2b. Alerts: 10 000 servers off together -> one digest (bench/alerts_bench.py) ----------
python3 bench/alerts_bench.py "$BIN"
echo

# --- 3. sms-agent RSS --------------------------------------------------------------------
"$BIN/sms-agent" --url "$SMSD_URL/healthcheck" --server-id bench-agent --interval 1 \
  2>"$WORK/agent.log" & AGENT_PID=$!; PIDS+=("$AGENT_PID")
sleep 3
echo "## sms-agent"
echo
echo "RSS after 3 heartbeats: $(rss_kb "$AGENT_PID" VmRSS) KiB (target <= 8 MiB)."

# --- 4. The list over 1 M servers: Google Benchmark's store_bench, list rows only ----------
# (the SQLite file is built once in SMS_BENCH_DB and reused; the tag rows time call by call)
if [ -x "$BIN/store_bench" ]; then
  echo
  echo "## List over $FLEET servers (store_bench, SQLite file, one process)"
  echo
  echo "| benchmark | mean | p50 | p99 |"
  echo "|---|---|---|---|"
  SMS_BENCH_SERVERS=$FLEET "$BIN/store_bench" --benchmark_filter='BM_ListServers' \
    --benchmark_min_time=2 --benchmark_format=json 2>"$WORK/store_bench.log" |
    python3 bench/list_rows.py
  echo
  echo "Targets: a list filtered by a tag over 1 M servers, p99 <= 20 ms; a page deep in the list"
  echo "(BM_ListServers_Deep: 16 positions around the middle) of every sort by cursor, p99 <= 20 ms;"
  echo "the _offset rows reach the same positions by offset, for comparison. Load average: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "## A page deep in the list over HTTP (bench/list_http.sh: smsd all on that SQLite file)"
  echo
  SMS_BIN=$BIN bash bench/list_http.sh
fi

# --- 5. The dashboard over the fleet, in Chromium (bench/dashboard_bench.py) ----------------
echo
echo "## Dashboard"
echo
/usr/bin/python3 bench/dashboard_bench.py --smsd "$BIN/smsd" --servers "$FLEET" ||
  echo "(skipped: the dashboard bench needs chromium, chromium-driver and python3-selenium)"
