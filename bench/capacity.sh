#!/usr/bin/env bash
# What 1 000 heartbeats cost, per process: CPU seconds (user + system, from /proc/PID/stat) and
# bytes written to storage (/proc/PID/io write_bytes), for each SMS role and each engine, at a
# steady offered load; then the same for the embedded shape. Also what the data grows by per
# 1 000 heartbeats (PostgreSQL database, OpenSearch indices, Kafka topic, SQLite + journal) and
# each process's resident memory. docs/CAPACITY.md turns these into sizes for a fleet.
#   bench/capacity.sh     (a Release build in build/; engines from scripts/services, started
#                          when not running and left running)
# Each process's idle CPU (the same processes, no load, SMS_BENCH_IDLE_SECONDS) is measured first
# and taken off, so an engine's housekeeping is not charged to the heartbeats.
# Knobs: SMS_BENCH_FLEET (20000 servers), SMS_BENCH_RATE (3000 heartbeats/s offered, one wrk
#        thread), SMS_BENCH_SECONDS (60), SMS_BENCH_IDLE_SECONDS (20). Prints Markdown.
# The kernel charges a process for the CPU it used, whatever else runs: the figures hold on a
# busy machine, though contention (cache, context switches) inflates them somewhat. A process
# that exits during the window (a PostgreSQL backend) is not counted; the roles keep theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SMS_BIN:-build/bin}
FLEET=${SMS_BENCH_FLEET:-20000}
RATE=${SMS_BENCH_RATE:-3000}
SECS=${SMS_BENCH_SECONDS:-60}
IDLE_SECS=${SMS_BENCH_IDLE_SECONDS:-20}
. bench/lib.sh
bench_init capacity
engines_up
TICK=$(getconf CLK_TCK)

# pids_of NAME: the processes counted for NAME (an engine: its main process and descendants).
descendants() { local p; for p in "$@"; do echo "$p"; descendants $(pgrep -P "$p" || true); done; }
pids_of() {
  case $1 in
    postgres | redis | kafka | opensearch) descendants "$(cat "$SERVICES_DIR/$1/pid")" ;;
    *) eval echo "\$PID_$1" ;;
  esac
}
# sample NAME...: one line per name: "NAME cpu_ticks write_bytes rss_kib" summed over its pids.
sample() {
  local name p ticks bytes rss
  for name in "$@"; do
    ticks=0 bytes=0 rss=0
    for p in $(pids_of "$name"); do
      [ -r "/proc/$p/stat" ] || continue
      ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat")))
      bytes=$((bytes + $(awk '/^write_bytes:/ {print $2}' "/proc/$p/io")))
      rss=$((rss + $(rss_kb "$p" VmRSS)))
    done
    echo "$name $ticks $bytes $rss"
  done
}
# table IDLE0 IDLE1 BEFORE AFTER BEATS LOADED_SECONDS: Markdown rows per 1 000 heartbeats.
table() {
  python3 - "$@" "$TICK" "$IDLE_SECS" <<'PY'
import sys
def read(path):
    return {l.split()[0]: list(map(int, l.split()[1:])) for l in open(path)}
i0, i1, before, after = (read(p) for p in sys.argv[1:5])
beats, secs, tick, idle_secs = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
for name, (t1, b1, rss) in after.items():
    t0, b0, _ = before[name]
    idle = (i1[name][0] - i0[name][0]) / tick / idle_secs  # CPU seconds per second, unloaded
    busy = (t1 - t0) / tick - idle * secs
    print(f"| {name} | {idle * 100:.1f} % | {max(busy, 0) / beats * 1000:.3f} | "
          f"{(b1 - b0) / beats * 1000 / 1024:.1f} | {rss / 1024:.0f} |")
PY
}
kafka_bytes() { du -sb "$SERVICES_DIR"/kafka/data/"$ENGINES_TAG".healthcheck-* 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
search_bytes() {
  curl -sf "$SMS_SEARCH_URL/$ENGINES_TAG-*/_stats/store" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["_all"]["total"]["store"]["size_in_bytes"])'
}
pg_bytes() { psql "$DB_URL" -tAc "SELECT pg_database_size(current_database())"; }
SMS_SEARCH_URL=$(awk -F= '/^SMS_SEARCH_URL=/ {print $2}' "$SERVICES_DIR/env")

# measure LABEL INGEST_URL WORKER_URL NAMES...: paced load, samples around it; prints rows and
# sets BEATS.
measure() {
  local ingest=$2 worker=$3 w0 w1 t0 t1; shift 3
  sample "$@" >"$WORK/idle0"
  sleep "$IDLE_SECS"
  sample "$@" >"$WORK/idle1"
  cp "$WORK/idle1" "$WORK/before"
  w0=$(metric "$worker" sms_worker_heartbeats_total)
  t0=$(date +%s.%N)
  SMS_BENCH_SERVERS=$FLEET SMS_BENCH_RATE=$RATE wrk -t1 -c64 -d"${SECS}s" \
    -s bench/wrk/heartbeat.lua "$ingest/healthcheck" >"$WORK/steady.wrk"
  wait_drained "$worker"
  t1=$(date +%s.%N)
  w1=$(metric "$worker" sms_worker_heartbeats_total)
  sample "$@" >"$WORK/after"
  BEATS=$((w1 - w0))
  table "$WORK/idle0" "$WORK/idle1" "$WORK/before" "$WORK/after" "$BEATS" \
    "$(python3 -c "print($t1 - $t0)")"
}

echo "# SMS capacity run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "$(machine_line); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Fleet $FLEET servers (registered first), then ${SECS} s at $RATE heartbeats/s offered (wrk -t1, bench/wrk/heartbeat.lua with SMS_BENCH_RATE)."
echo
echo "## Distributed shape, per 1 000 heartbeats"
echo
start ingest healthcheck "${DIST[@]}"
start manage management "${DIST[@]}"
start worker worker "${DIST[@]}"
redis_used() {
  redis-cli -u "$(awk -F= '/^SMS_REDIS_URL=/ {print $2}' "$SERVICES_DIR/env")" info memory |
    awk -F: '/^used_memory:/ {print $2 + 0}'
}
pr=$(pg_bytes) rr=$(redis_used)
register "$FLEET" "$URL_ingest" "$URL_worker"
k0=$(kafka_bytes) s0=$(search_bytes) p0=$(pg_bytes)
PER_SERVER="PostgreSQL $(( (p0 - pr) / FLEET )) B and Redis $(( ($(redis_used) - rr) / FLEET )) B per registered server"

echo "| process | idle CPU | CPU s per 1 000 (above idle) | written KiB per 1 000 | RSS MiB (end) |"
echo "|---|---|---|---|---|"
measure distributed "$URL_ingest" "$URL_worker" ingest worker manage kafka postgres redis opensearch
sleep 2  # let OpenSearch refresh before its size is read
echo
echo "Heartbeats written: $BEATS. Data grown per 1 000 heartbeats: Kafka topic $(( ($(kafka_bytes) - k0) * 1000 / BEATS / 1024 )) KiB, OpenSearch indices $(( ($(search_bytes) - s0) * 1000 / BEATS / 1024 )) KiB, PostgreSQL database $(( ($(pg_bytes) - p0) * 1000 / BEATS / 1024 )) KiB (fleet already registered: updates only)."
echo "Registration of $FLEET servers: $PER_SERVER."
stop ingest; stop manage; stop worker

echo
echo "## Embedded shape (smsd all: SQLite and the journal), per 1 000 heartbeats"
echo
start embedded all
register "$FLEET" "$URL_embedded" "$URL_embedded"
d0=$(du -sb "$WORK/embedded" | cut -f1)
echo "SQLite after registering $FLEET servers: $(( $(cat "$WORK/embedded/sms.db" "$WORK/embedded/sms.db-wal" | wc -c) / FLEET )) B per server (sms.db and its WAL)."
echo
echo "| process | idle CPU | CPU s per 1 000 (above idle) | written KiB per 1 000 | RSS MiB (end) |"
echo "|---|---|---|---|---|"
measure embedded "$URL_embedded" "$URL_embedded" embedded
echo
echo "Heartbeats written: $BEATS. Data directory grown per 1 000 heartbeats: $(( ($(du -sb "$WORK/embedded" | cut -f1) - d0) * 1000 / BEATS / 1024 )) KiB (SQLite WAL and the journal's preallocated segments come and go)."
