#!/usr/bin/env bash
# Instructions per heartbeat, counted by valgrind's callgrind: a figure that does not depend on
# the machine's load, so that a change's effect on SMS's own CPU shows on any machine.
#   bench/callgrind.sh ingest   ingest_server with the journal (HTTP, JSON, journal append/sync)
#   bench/callgrind.sh e2e      smsd all on SQLite (HTTP, JSON, journal, worker, SQLite)
# Knobs: SMS_BIN (build/bin), SMS_CG_FLEET (servers, 2000), SMS_CG_SECONDS (load; 20 for
#        ingest, 30 for e2e),
#        SMS_CG_LINGER_MS (the worker's batch linger for e2e, 1000),
#        SMS_CG_OUT (where callgrind.out.* and the report go; a temporary directory).
# Under valgrind smsd takes one or two hundred heartbeats a second; the longer linger gives the
# worker batches of that size, as 20 ms do at several thousand a second (the per-batch
# statements then weigh per heartbeat about as they do at full speed).
# Counting starts after start-up (and, for e2e, after a first heartbeat of every server:
# registration), so the figure is the steady state's: servers known, each heartbeat only
# moves last_seen. Prints instructions per heartbeat in total and by component (inclusive
# cost of the functions named in COMPONENTS), from callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-e2e}
BIN=${SMS_BIN:-build/bin}
FLEET=${SMS_CG_FLEET:-2000}
if [ "$MODE" = ingest ]; then SECS=${SMS_CG_SECONDS:-20}; else SECS=${SMS_CG_SECONDS:-30}; fi
LINGER=${SMS_CG_LINGER_MS:-1000}
. bench/lib.sh
bench_init callgrind
OUT=${SMS_CG_OUT:-$WORK}
mkdir -p "$OUT"
CG=(valgrind --tool=callgrind --instr-atstart=no --collect-systime=no
  --callgrind-out-file="$OUT/callgrind.out.$MODE")
load() {  # load SERVERS SECONDS CONNECTIONS URL: heartbeats, unpaced, one per request
  SMS_BENCH_SERVERS=$1 wrk -t1 -c"$3" -d"$2s" -s bench/wrk/heartbeat.lua "$4/healthcheck" |
    awk '/requests in/ {print $1}'
}
wait_url() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null && return; sleep 0.2; done; exit 1; }

port=$(free_port)
URL=http://127.0.0.1:$port
if [ "$MODE" = ingest ]; then
  SMS_THREADS=1 "${CG[@]}" "$BIN/ingest_server" "$port" "$WORK/journal" >"$WORK/server.log" 2>&1 &
  PID=$!; PIDS+=("$PID")
  for _ in $(seq 1 600); do grep -q listening "$WORK/server.log" && break; sleep 0.2; done
  W=$(load 100 2 4 "$URL")  # warm-up: connections, allocator, first segment
  callgrind_control -i on "$PID" >/dev/null
  load "$FLEET" "$SECS" 16 "$URL" >/dev/null
  callgrind_control -i off "$PID" >/dev/null
  kill -TERM "$PID"; wait "$PID" || true
  # Every record the journal wrote while counting is a heartbeat answered 202 (the warm-up's
  # were written before counting started, and are subtracted below).
  N=$(awk '/^journal:/ {print $5}' "$WORK/server.log")
  N=$(( N - W ))
else
  SMS_ADMIN_USER=bench SMS_ADMIN_PASSWORD=bench-password-0123 "${CG[@]}" "$BIN/smsd" all \
    --listen "127.0.0.1:$port" --data-dir "$WORK/data" --log-level warn \
    --batch-linger-ms "$LINGER" >"$WORK/server.log" 2>&1 &
  PID=$!; PIDS+=("$PID")
  wait_url "$URL/healthz"
  load "$FLEET" $(( FLEET / 200 + 5 )) 16 "$URL" >/dev/null  # registration, not counted
  wait_drained "$URL"
  W0=$(metric "$URL" sms_worker_heartbeats_total)
  callgrind_control -i on "$PID" >/dev/null
  load "$FLEET" "$SECS" 16 "$URL" >/dev/null
  wait_drained "$URL"
  callgrind_control -i off "$PID" >/dev/null
  W1=$(metric "$URL" sms_worker_heartbeats_total)
  kill -TERM "$PID"; wait "$PID" || true
  N=$(python3 -c "print(int(float('$W1') - float('$W0')))")
fi
file=$(ls "$OUT"/callgrind.out."$MODE"* | head -1)
TOTAL=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
echo "mode $MODE: $N heartbeats counted, $TOTAL instructions, $(( TOTAL / N )) per heartbeat"
echo "inclusive instructions per heartbeat, by component:"
callgrind_annotate --inclusive=yes --threshold=100 "$file" 2>/dev/null >"$OUT/annotate.$MODE.txt"
# label=pattern: the largest inclusive cost among the functions whose line matches pattern.
COMPONENTS=${SMS_CG_COMPONENTS:-"
  http_parse=basic_parser<true>::put[(]
  http_respond=::Respond[(]sms::http::Response,
  json_parse=sms::ParseHeartbeat[(]
  json_encode=sms::EncodeHeartbeat
  bus_publish=MemoryBus::Publish[(]
  journal_append=Journal::Append[(]
  journal_sync=Journal::WriteAndSync[(]
  journal_writer=Journal::WriterLoop[(]
  bus_poll=MemoryBus::Member::Poll[(]
  worker_decode=sms::DecodeHeartbeat[(]
  worker_known_on=Worker::KnownOn[(]
  worker_apply=Worker::ProcessBatch[(]
  store_apply=SqliteStore::ApplyHeartbeats[(]
  sqlite_step=:sqlite3_step.[[]
  malloc=malloc.c:malloc.[[]
  free=malloc.c:free.[[]"}
for c in $COMPONENTS; do
  awk -v label="${c%%=*}" -v re="${c#*=}" -v n="$N" 'BEGIN {best = 0}
    $0 ~ re { v = $1; gsub(",", "", v); if (v + 0 > best) best = v + 0 }
    END { if (best > 0) printf "  %-16s %8d\n", label, best / n }' "$OUT/annotate.$MODE.txt"
done
if [ -n "${SMS_CG_OUT:-}" ]; then
  echo "(callgrind output: $file; the full inclusive listing: $OUT/annotate.$MODE.txt)"
else
  echo "(set SMS_CG_OUT=DIR to keep the callgrind output and the full inclusive listing)"
fi
