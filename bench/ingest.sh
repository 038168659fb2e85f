#!/usr/bin/env bash
# Durable ingest next to nginx, one CPU each: the healthcheck path (bench/ingest_server) in
# memory only and with the journal (every 202 after fdatasync, group commit), and nginx
# answering 204, each pinned to CPU 0 with `taskset`, wrk -t1 pinned to CPU 1; -c64 and -c1024,
# keep-alive, median of 3 rounds. Then heartbeat latency while logins hammer smsd all.
#   bench/ingest.sh   (bench/run.sh runs it; expects a Release build in build/)
# Knobs: SMS_BENCH_SECONDS (10), SMS_BENCH_ROUNDS (3). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SMS_BIN:-build/bin}
SECS=${SMS_BENCH_SECONDS:-10}
ROUNDS=${SMS_BENCH_ROUNDS:-3}
SERVER_CPU=0
CLIENT_CPU=$(( $(nproc) > 1 ? 1 : 0 ))
. bench/lib.sh
bench_init ingest
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return; sleep 0.1; done; }
WRK_CPU=(taskset -c "$CLIENT_CPU" wrk -t1 --latency -s bench/wrk/heartbeat.lua)

# One server kind at one concurrency, ROUNDS times: the wrk output of the median round (by
# requests/s) lands in $WORK/<name>-c<conns>.wrk, the journal's counters of that round in .journal.
measure() {  # measure NAME CONNS START_CMD...
  local name=$1 conns=$2; shift 2
  local round file port results=()
  for round in $(seq 1 "$ROUNDS"); do
    port=$(free_port)
    file="$WORK/$name-c$conns-r$round"
    rm -rf "$WORK/journal"
    "$@" "$port" >"$file.log" 2>&1 & local pid=$!; PIDS+=("$pid")
    wait_port "$port"
    "${WRK_CPU[@]}" -c"$conns" -d"${SECS}s" "http://127.0.0.1:$port/healthcheck" >"$file.wrk"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    results+=("$(rps "$file.wrk") $round")
  done
  local median; median=$(printf '%s\n' "${results[@]}" | sort -n | awk -v n="$ROUNDS" 'NR==int((n+1)/2) {print $2}')
  cp "$WORK/$name-c$conns-r$median.wrk" "$WORK/$name-c$conns.wrk"
  grep '^journal:' "$WORK/$name-c$conns-r$median.log" >"$WORK/$name-c$conns.journal" || true
}

nginx_server() {  # nginx_server PORT
  mkdir -p "$WORK/nginx-$1"
  cat >"$WORK/nginx-$1/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx-$1/nginx.pid;
error_log $WORK/nginx-$1/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx-$1/body;
  server { listen 127.0.0.1:$1 backlog=4096; location / { return 204; } }
}
NGINX
  exec taskset -c "$SERVER_CPU" nginx -c "$WORK/nginx-$1/nginx.conf"
}
memory_server() { SMS_THREADS=1 exec taskset -c "$SERVER_CPU" "$BIN/ingest_server" "$1"; }
journal_server() {
  SMS_THREADS=1 exec taskset -c "$SERVER_CPU" "$BIN/ingest_server" "$1" "$WORK/journal"
}

for conns in 64 1024; do
  measure nginx "$conns" nginx_server
  measure memory "$conns" memory_server
  measure journal "$conns" journal_server
done

ratio() { python3 -c "print(f'{$(rps "$1")/$(rps "$2"):.2f}')"; }
cell() {  # cell NAME CONNS -> "rps | ratio | p50 / p99 | non-2xx"
  local f="$WORK/$1-c$2.wrk"
  echo "$(rps "$f") | $(ratio "$f" "$WORK/nginx-c$2.wrk") | $(pct "$f" 50%) / $(pct "$f" 99%) | $(non2xx "$f")"
}
syncs() {  # syncs CONNS -> "N fdatasync/s, M heartbeats per sync"
  read -r _ _ s _ r _ <"$WORK/journal-c$1.journal" || { echo "-"; return; }
  python3 -c "print(f'{$s/$SECS:.0f} fdatasync/s, {$r/max($s,1):.1f} heartbeats per sync')"
}

echo "## Durable ingest (POST /healthcheck), one CPU per server"
echo
echo "Server pinned to CPU $SERVER_CPU, \`wrk -t1 --latency\` pinned to CPU $CLIENT_CPU, keep-alive, ${SECS} s, median of $ROUNDS rounds by requests/s; nginx \`return 204\` (1 worker) measured in the same run."
echo
echo "| server | -c64 req/s | ratio to nginx | p50 / p99 | non-2xx | -c1024 req/s | ratio to nginx | p50 / p99 | non-2xx |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| nginx \`return 204\` (baseline) | $(cell nginx 64) | $(cell nginx 1024) |"
echo "| healthcheck path, memory only (no durability) | $(cell memory 64) | $(cell memory 1024) |"
echo "| healthcheck path + journal (202 after fdatasync; consumer trims it) | $(cell journal 64) | $(cell journal 1024) |"
echo
echo "Journal: $(syncs 64) at -c64; $(syncs 1024) at -c1024."
echo "Target: the journal row >= 0.70 of nginx at -c64 and at -c1024."
echo

# --- heartbeats while logins run ---------------------------------------------------------
PASSWORD="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PORT=$(free_port)
mkdir -p "$WORK/smsd"
SMS_ADMIN_USER=bench SMS_ADMIN_PASSWORD="$PASSWORD" "$BIN/smsd" all --listen "127.0.0.1:$PORT" \
  --data-dir "$WORK/smsd" --log-level warn >"$WORK/smsd.log" 2>&1 & SMSD=$!; PIDS+=("$SMSD")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
HB=(wrk -t1 -c16 -d"${SECS}s" --latency -s bench/wrk/heartbeat.lua "http://127.0.0.1:$PORT/healthcheck")
SMS_BENCH_RATE=2000 "${HB[@]}" >"$WORK/hb-alone.wrk"
SMS_BENCH_USER=bench SMS_BENCH_PASSWORD="$PASSWORD" wrk -t1 -c4 -d"${SECS}s" \
  -s bench/wrk/login.lua "http://127.0.0.1:$PORT/api/v1/auth/login" >"$WORK/login.wrk" &
LOGIN=$!
SMS_BENCH_RATE=2000 "${HB[@]}" >"$WORK/hb-logins.wrk"
wait "$LOGIN"
echo "## Heartbeats while logins run (smsd all, embedded)"
echo
echo "wrk -t1 -c16 heartbeats paced to 2 000/s for ${SECS} s, alone and while \`wrk -t1 -c4\` logs in as one user in a loop (argon2id on the slow-work pool at a lower CPU priority; logins past the limit get 429)."
echo
echo "| heartbeats | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
echo "| alone | $(rps "$WORK/hb-alone.wrk") | $(pct "$WORK/hb-alone.wrk" 50%) | $(pct "$WORK/hb-alone.wrk" 99%) | $(non2xx "$WORK/hb-alone.wrk") |"
echo "| while logging in | $(rps "$WORK/hb-logins.wrk") | $(pct "$WORK/hb-logins.wrk" 50%) | $(pct "$WORK/hb-logins.wrk" 99%) | $(non2xx "$WORK/hb-logins.wrk") |"
echo
echo "Login requests: $(awk '/requests in/ {print $1}' "$WORK/login.wrk") in ${SECS} s, of which non-2xx (429 past the limit): $(non2xx "$WORK/login.wrk"). Target: heartbeat p99 < 10 ms while logins run."
echo
