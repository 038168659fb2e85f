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
TAG=bench$(date +%s)

scripts/services start postgres redis kafka opensearch >&2
# The engines' URLs become flags of the distributed processes only: no SMS_* variable is
# exported, so the embedded smsd runs on its defaults (SQLite, in-process bus).
. "${SMS_SERVICES_DIR:-.services}/env"
for v in $(compgen -e | grep '^SMS_' || true); do export -n "$v"; done
DB_BASE=${SMS_DATABASE_URL%/*}
bench_cleanup_extra() {
  psql "$SMS_DATABASE_URL" -qc "DROP DATABASE IF EXISTS sms_$TAG WITH (FORCE)" >/dev/null 2>&1 || true
  curl -sf -X DELETE "$SMS_SEARCH_URL/$TAG-*" >/dev/null 2>&1 || true
  curl -sf -X DELETE "$SMS_SEARCH_URL/_index_template/$TAG" >/dev/null 2>&1 || true
}
. bench/lib.sh
bench_init bench-dist
start() {  # start NAME ROLE ARGS... -> sets URL_<NAME>, appends the pid to PIDS
  local name=$1 role=$2 port; shift 2; port=$(free_port)
  "$BIN/smsd" "$role" --listen "127.0.0.1:$port" --data-dir "$WORK/$name" --log-level warn \
    "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!"); eval "PID_$name=$!"; eval "URL_$name=http://127.0.0.1:$port"
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "smsd $role did not start" >&2; cat "$WORK/$name.log" >&2; exit 1
}
stop() { local pid; pid=$(eval echo "\$PID_$1"); kill "$pid"; wait "$pid" 2>/dev/null || true; }
wait_drained() {  # wait_drained WORKER_URL: until the worker's group has read everything
  for _ in $(seq 1 3000); do
    [ "$(metric "$1" 'sms_bus_queue_depth{topic="healthcheck"}')" = "0" ] && return
    sleep 0.2
  done
  echo "the worker did not drain in 10 min" >&2; exit 1
}
# register INGEST_URL WORKER_URL: every server's first heartbeat, unpaced, until all in SQL.
register() {
  SMS_BENCH_SERVERS=$FLEET wrk -t2 -c64 -d"$(( FLEET / 10000 + 5 ))s" \
    -s bench/wrk/heartbeat.lua "$1/healthcheck" >"$WORK/register.wrk"
  wait_drained "$2"
}
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
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); engines from scripts/services on the same machine."
echo
echo "Fleet: $FLEET servers, registered by their first heartbeat before the measurement."
echo "Steady load: wrk -t2 -c$E2E_CONNS -d${E2E_SECS}s, each connection pausing ${E2E_DELAY} ms between requests (offered <= $(( E2E_CONNS * 1000 / E2E_DELAY ))/s); heartbeats/s = written / time until the worker drained."
echo
echo "## End to end, both shapes"
echo
echo "| shape | written | heartbeats/s | heartbeats per batch | non-2xx | last-seen lag p50 / p99 / max |"
echo "|---|---|---|---|---|---|"

start embedded all
register "$URL_embedded" "$URL_embedded"
steady "embedded: smsd all, SQLite, in-process bus" "$URL_embedded" "$URL_embedded" "$E2E_SECS"
stop embedded

psql "$SMS_DATABASE_URL" -qc "CREATE DATABASE sms_$TAG" >/dev/null
export SMS_JWT_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
DIST=(--database-url "$DB_BASE/sms_$TAG" --kafka-brokers "$SMS_KAFKA_BROKERS"
      --redis-url "$SMS_REDIS_URL" --search-url "$SMS_SEARCH_URL"
      --kafka-topic-prefix "$TAG." --search-index-prefix "$TAG")
start ingest healthcheck "${DIST[@]}"
start manage management "${DIST[@]}"
start worker worker "${DIST[@]}"
register "$URL_ingest" "$URL_worker"
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
