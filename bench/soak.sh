#!/usr/bin/env bash
# Soak: a fleet of agents each beating once a second, for minutes, on the embedded default
# (smsd all, SQLite, in-process bus) and then on the distributed shape (smsd healthcheck +
# worker + management on PostgreSQL, Kafka, Redis and OpenSearch from scripts/services, started
# when not running and left running). Every sample: each smsd process's RSS and open files, the
# data size, the heartbeats written and accepted per second, and the last-seen lag over the
# interval. Then, per shape, a Markdown table and a verdict per metric: flat after warm-up when
# the last sample is within the tolerance of the warm-up sample (bench/soak_report.py).
#   bench/soak.sh    (or `make soak`; a Release build in build/; ~25 min with the defaults)
# Knobs: SMS_SOAK_SECONDS (600 per shape), SMS_SOAK_SAMPLE_SECONDS (60), SMS_SOAK_WARMUP (2:
#        the sample that ends the warm-up), SMS_SOAK_AGENTS (10000), SMS_SOAK_CONNECTIONS
#        (400), SMS_SOAK_SHAPES ("embedded distributed").
# A connection carries one heartbeat at a time, and a 202 waits until the heartbeat is durable
# (a journal sync; on Kafka, the broker's acknowledgement after the producer's 10 ms linger):
# 100 connections answered in ~12 ms each offer ~8 000/s, not 10 000. 400 keep the offered rate
# independent of that latency (10 000 agents hold 10 000 connections).
# Load only to 127.0.0.1; wrk stops 5 s after SMS_SOAK_SECONDS (killed 60 s after at the
# latest), the sampling loop after as many samples as fit in SMS_SOAK_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SMS_SOAK_SECONDS:-600}
EVERY=${SMS_SOAK_SAMPLE_SECONDS:-60}
WARMUP=${SMS_SOAK_WARMUP:-2}
AGENTS=${SMS_SOAK_AGENTS:-10000}
CONNS=${SMS_SOAK_CONNECTIONS:-400}
SHAPES=${SMS_SOAK_SHAPES:-embedded distributed}
. bench/lib.sh
bench_init soak

# The disk space of what a shape keeps, as label=bytes,... (du's blocks, not apparent sizes:
# Kafka preallocates sparse 10 MiB index files). Embedded: the SQLite file, its WAL and the
# journal/ directory if there is one.
sizes_embedded() {
  local f
  for f in sms.db sms.db-wal journal; do
    [ -e "$WORK/embedded/$f" ] && echo -n "$f=$(du -s -B1 "$WORK/embedded/$f" | cut -f1),"
  done
  echo
}
# Distributed: the run's database; its indices (the bench's own prefix), segments and the
# translog, which holds what a refresh has not yet turned into segments; its Kafka topics' log
# directories when the broker's data directory is on this machine ("nan" otherwise).
sizes_distributed() {
  local kafka=nan dirs=("$SERVICES_DIR/kafka/data/$ENGINES_TAG."*)
  [ -e "${dirs[0]}" ] && kafka=$(du -sc -B1 "${dirs[@]}" | tail -1 | cut -f1)
  echo -n "PostgreSQL=$(psql "$DB_URL" -Atc 'SELECT pg_database_size(current_database())'),"
  echo -n "OpenSearch=$(curl -sf "$SMS_SEARCH_URL/$ENGINES_TAG-*/_stats/store,translog" | python3 -c '
import json, sys
p = json.load(sys.stdin)["_all"]["primaries"]
print(p.get("store", {}).get("size_in_bytes", 0) + p.get("translog", {}).get("size_in_bytes", 0))'),"
  echo "Kafka=$kafka"
}

# sample INGEST_URL WORKER_URL SIZES NAME...: appends one line to $WORK/samples (the format is
# in bench/soak_report.py), over the interval since the previous /metrics scrape; its time is
# that of the worker's scrape, in seconds since T0.
sample() {
  local ingest=$1 worker=$2 sizes=$3 procs="" name pid now; shift 3
  now=$(date +%s.%N)
  if ! curl -sf "$worker/metrics" >"$WORK/now.prom" ||
     ! curl -sf "$ingest/metrics" >"$WORK/ingest.prom"; then
    echo "smsd stopped answering" >&2; tail -20 "$WORK"/*.log >&2; exit 1
  fi
  for name in "$@"; do
    pid=$(eval echo "\$PID_$name")
    procs+="$name=$(rss_kb "$pid" VmRSS)/$(find "/proc/$pid/fd" -mindepth 1 | wc -l),"
  done
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(awk "BEGIN {printf \"%.2f\", $now - $T0}")" \
    "$(awk '$1=="sms_worker_heartbeats_total" {print $2}' "$WORK/now.prom")" \
    "$(awk '$1=="sms_heartbeats_accepted_total" {print $2}' "$WORK/ingest.prom")" \
    "$(python3 bench/lag_quantiles.py "$WORK/now.prom" "$WORK/prev.prom")" \
    "$(python3 bench/lag_quantiles.py --seconds "$WORK/now.prom" "$WORK/prev.prom")" \
    "$procs" "$($sizes)" "$(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/samples"
  mv "$WORK/now.prom" "$WORK/prev.prom"
}
transitions() {  # transitions PROM TO: sms_status_transitions_total{to="TO"} in a scrape
  awk -v n="sms_status_transitions_total{to=\"$2\"}" '$1==n {print $2}' "$1"
}

# soak LABEL INGEST_URL WORKER_URL SIZES NAME...: registers the fleet, offers AGENTS heartbeats
# a second for SECS while sampling every EVERY seconds, then prints the shape's section.
soak() {
  local label=$1 ingest=$2 worker=$3 sizes=$4 i n=$((SECS / EVERY)) wrk_pid; shift 4
  register "$AGENTS" "$ingest" "$worker"
  : >"$WORK/samples"
  curl -sf "$worker/metrics" >"$WORK/prev.prom"
  cp "$WORK/prev.prom" "$WORK/first.prom"
  T0=$(date +%s.%N)
  sample "$ingest" "$worker" "$sizes" "$@"
  # One wrk thread walks the AGENTS ids in order, so each id comes round once a second. It runs
  # 5 s past the last sample, so that one is taken under load too.
  SMS_BENCH_SERVERS=$AGENTS SMS_BENCH_RATE=$AGENTS SMS_BENCH_INTERVAL=1 \
    timeout $((SECS + 60)) wrk -t1 -c"$CONNS" -d"$((SECS + 5))s" --latency \
    -s bench/wrk/heartbeat.lua "$ingest/healthcheck" >"$WORK/soak.wrk" &
  wrk_pid=$!; PIDS+=("$wrk_pid"); T0=$(date +%s.%N)
  for ((i = 1; i <= n; i++)); do
    sleep "$(python3 -c "import time; print(max(0.0, $T0 + $i * $EVERY - time.time()))")"
    sample "$ingest" "$worker" "$sizes" "$@"
    echo "soak: $(date -u +%T) ${label%%:*}: sample $i of $n taken" >&2
  done
  wait "$wrk_pid" || true
  wait_drained "$worker"
  curl -sf "$worker/metrics" >"$WORK/last.prom"
  echo "## $label"
  echo
  echo "Offered: $AGENTS server ids, each once a second (interval 1 s): wrk -t1 -c$CONNS" \
       "-d$((SECS + 5))s, bench/wrk/heartbeat.lua paced to $AGENTS requests/s (SMS_BENCH_RATE)."
  echo "Achieved: $(rps "$WORK/soak.wrk") requests/s ($(awk '/requests in/ {print $1, "in", $4}' \
       "$WORK/soak.wrk" | tr -d ,)), non-2xx $(non2xx "$WORK/soak.wrk"), latency p99" \
       "$(awk '$1=="99%" {print $2}' "$WORK/soak.wrk"); status transitions during the soak:" \
       "on +$(($(transitions "$WORK/last.prom" on) - $(transitions "$WORK/first.prom" on)))," \
       "off +$(($(transitions "$WORK/last.prom" off) - $(transitions "$WORK/first.prom" off)))."
  echo
  python3 bench/soak_report.py "$WORK/samples" "$WARMUP" "$AGENTS"
  echo
}

echo "# SMS soak run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "$(machine_line); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Each shape: $AGENTS agents at 1 s for ${SECS} s, a sample every ${EVERY} s; the warm-up" \
     "ends at sample $WARMUP. The fleet is registered by a first unpaced pass before the soak."
echo
for shape in $SHAPES; do
  case $shape in
    embedded)
      start embedded all
      soak "embedded: smsd all, SQLite, in-process bus" "$URL_embedded" "$URL_embedded" \
        sizes_embedded embedded
      echo "Expected of the data: sms.db flat (a heartbeat updates its server's row in place; the" \
           "history adds a row per status transition only, counted above); the WAL at its" \
           "checkpoint size, reused from the start; journal/ up and down by segments, each" \
           "deleted once every heartbeat in it was written."
      echo
      stop embedded ;;
    distributed)
      engines_up
      start healthcheck healthcheck "${DIST[@]}"
      start worker worker "${DIST[@]}"
      start management management "${DIST[@]}"
      soak "distributed: healthcheck + worker + management, Kafka, PostgreSQL, Redis, OpenSearch" \
        "$URL_healthcheck" "$URL_worker" sizes_distributed healthcheck worker management
      echo "Expected of the data: PostgreSQL levels once autovacuum makes the dead row versions" \
           "of the last_seen updates reusable; OpenSearch grows by one document per heartbeat" \
           "written, Kafka by one message per heartbeat accepted, kept for the retention period."
      echo
      stop healthcheck; stop worker; stop management ;;
    *) echo "unknown shape '$shape' (embedded, distributed)" >&2; exit 2 ;;
  esac
done
echo "Lag: time from a heartbeat's arrival at the healthcheck to its last_seen being written in" \
     "SQL (sms_heartbeat_lag_seconds), as the bounds of the histogram's buckets."
