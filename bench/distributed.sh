#!/usr/bin/env bash
# End to end through the distributed path (healthcheck -> Kafka -> worker -> PostgreSQL and
# OpenSearch, Redis as the cache) next to the embedded shape (smsd all on SQLite): the same
# fleet, the same offered load, the same run. Then the worker's batch size against its
# throughput on the distributed path.
#   bench/distributed.sh    (or `make bench-distributed`; a Release build in build/; starts the
#                            engines with scripts/services and leaves them running)
# Knobs: SMS_BENCH_FLEET (100000), SMS_BENCH_E2E_SECONDS (30), SMS_BENCH_E2E_CONNECTIONS (64),
#        SMS_BENCH_E2E_DELAY_MS (4), SMS_BENCH_BATCHES ("100 500 2000 5000"),
#        SMS_BENCH_SWEEP_SECONDS (20).
# Prints a Markdown report; docs/BENCHMARKS.md records one.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SMS_BIN:-build/bin}
FLEET=${SMS_BENCH_FLEET:-100000}
E2E_SECS=${SMS_BENCH_E2E_SECONDS:-30}
E2E_CONNS=${SMS_BENCH_E2E_CONNECTIONS:-64}
E2E_DELAY=${SMS_BENCH_E2E_DELAY_MS:-4}
BATCHES=${SMS_BENCH_BATCHES:-100 500 2000 5000}
SWEEP_SECS=${SMS_BENCH_SWEEP_SECONDS:-20}
. bench/lib.sh
bench_init bench-dist
engines_up

# steady LABEL INGEST_URL WORKER_URL SECONDS: paced load, then one Markdown table row.
steady() {
  local label=$1 ingest=$2 worker=$3 secs=$4 w0 w1 b0 b1 t0 t1
  curl -sf "$worker/metrics" >"$WORK/before.prom"
  w0=$(metric "$worker" sms_worker_heartbeats_total); b0=$(metric "$worker" sms_worker_batches_total)
  t0=$(date +%s.%N)
  SMS_BENCH_SERVERS=$FLEET SMS_BENCH_DELAY_MS=$E2E_DELAY wrk -t2 -c"$E2E_CONNS" -d"${secs}s" \
    -s bench/wrk/heartbeat.lua "$ingest/healthcheck" >"$WORK/steady.wrk"
  wait_drained "$worker"
  t1=$(date +%s.%N)
  curl -sf "$worker/metrics" >"$WORK/after.prom"
  w1=$(metric "$worker" sms_worker_heartbeats_total); b1=$(metric "$worker" sms_worker_batches_total)
  echo "| $label | $((w1 - w0)) | $(python3 -c "print(int(($w1-$w0)/($t1-$t0)))") |" \
       "$(python3 -c "print(int(($w1-$w0)/max(1,$b1-$b0)))") | $(non2xx "$WORK/steady.wrk") |" \
       "$(python3 bench/lag_quantiles.py "$WORK/after.prom" "$WORK/before.prom") |"
}

echo "# SMS distributed benchmark run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "$(machine_line); engines from scripts/services on the same machine."
echo
echo "Fleet: $FLEET servers, registered by their first heartbeat before the measurement."
echo "Steady load: wrk -t2 -c$E2E_CONNS -d${E2E_SECS}s, each connection pausing ${E2E_DELAY} ms between requests (offered <= $(( E2E_CONNS * 1000 / E2E_DELAY ))/s); heartbeats/s = written / time until the worker drained."
echo
echo "## End to end, both shapes"
echo
echo "| shape | written | heartbeats/s | heartbeats per batch | non-2xx | last-seen lag p50 / p99 / max |"
echo "|---|---|---|---|---|---|"

start embedded all
register "$FLEET" "$URL_embedded" "$URL_embedded"
steady "embedded: smsd all, SQLite, in-process bus" "$URL_embedded" "$URL_embedded" "$E2E_SECS"
stop embedded

start ingest healthcheck "${DIST[@]}"
start manage management "${DIST[@]}"
start worker worker "${DIST[@]}"
register "$FLEET" "$URL_ingest" "$URL_worker"
steady "distributed: healthcheck + worker + management, Kafka, PostgreSQL, Redis, OpenSearch" \
  "$URL_ingest" "$URL_worker" "$E2E_SECS"
echo
echo "## Worker batch size (distributed path, --batch-size, ${SWEEP_SECS}s each)"
echo
echo "| --batch-size | written | heartbeats/s | heartbeats per batch | non-2xx | last-seen lag p50 / p99 / max |"
echo "|---|---|---|---|---|---|"
for b in $BATCHES; do
  stop worker
  start worker worker "${DIST[@]}" --batch-size "$b"
  steady "$b" "$URL_ingest" "$URL_worker" "$SWEEP_SECS"
done
echo
echo "Lag: time from a heartbeat's arrival at the healthcheck to its last_seen being written in SQL (sms_heartbeat_lag_seconds; bucket bounds)."
