#!/usr/bin/env bash
# SMS benchmarks on this machine, every figure next to its baseline from the same run.
#   bench/run.sh            (or `make bench`; expects a Release build in build/)
# Knobs: SMS_BENCH_SECONDS (10), SMS_BENCH_CONNECTIONS (64), SMS_BENCH_E2E_SECONDS (30),
#        SMS_BENCH_E2E_CONNECTIONS (100), SMS_BENCH_E2E_DELAY_MS (2).
# Prints a Markdown report; docs/BENCHMARKS.md records one.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SMS_BIN:-build/bin}
SECS=${SMS_BENCH_SECONDS:-10}
CONNS=${SMS_BENCH_CONNECTIONS:-64}
E2E_SECS=${SMS_BENCH_E2E_SECONDS:-30}
E2E_CONNS=${SMS_BENCH_E2E_CONNECTIONS:-100}
E2E_DELAY=${SMS_BENCH_E2E_DELAY_MS:-2}
WORK=$(mktemp -d /tmp/sms-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
non2xx() { awk '/Non-2xx/ {print $5}' "$1" | grep . || echo 0; }
metric() {  # metric URL NAME -> value of an unlabelled sample
  curl -sf "$1/metrics" | awk -v n="$2" '$1==n {print $2}'
}
start_smsd() {  # start_smsd DATA_DIR -> sets SMSD_PID SMSD_URL
  local port; port=$(free_port)
  "$BIN/smsd" all --listen "127.0.0.1:$port" --data-dir "$1" --log-level warn \
    >"$1.log" 2>&1 &
  SMSD_PID=$!; PIDS+=("$SMSD_PID"); SMSD_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -sf "$SMSD_URL/healthz" >/dev/null && return; sleep 0.1; done
  echo "smsd did not start" >&2; cat "$1.log" >&2; exit 1
}
rss_kb() { awk '/^'"$2"':/ {print $2}' "/proc/$1/status"; }

echo "# SMS benchmark run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo

# --- 1. Ingest: nginx answering 204 vs smsd, same wrk, same script, keep-alive ------------
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  server { listen 127.0.0.1:$NGINX_PORT; location / { return 204; } }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" & PIDS+=($!)
sleep 0.5
WRK=(wrk -t2 -c"$CONNS" -d"${SECS}s" -s bench/wrk/heartbeat.lua)
"${WRK[@]}" "http://127.0.0.1:$NGINX_PORT/healthcheck" >"$WORK/nginx.wrk"
start_smsd "$WORK/ingest"
"${WRK[@]}" "$SMSD_URL/healthcheck" >"$WORK/smsd.wrk"
INGEST_RSS=$(rss_kb "$SMSD_PID" VmHWM)
NGINX_RPS=$(rps "$WORK/nginx.wrk"); SMSD_RPS=$(rps "$WORK/smsd.wrk")
echo "## Ingest (POST /healthcheck, wrk -t2 -c$CONNS -d${SECS}s, keep-alive)"
echo
echo "| server | requests/s | non-2xx | p99 latency |"
echo "|---|---|---|---|"
echo "| nginx 204 (baseline) | $NGINX_RPS | $(non2xx "$WORK/nginx.wrk") | $(awk '/ 99%/ {print $2}' "$WORK/nginx.wrk") |"
echo "| smsd all (202, published, written by its worker) | $SMSD_RPS | $(non2xx "$WORK/smsd.wrk") | $(awk '/ 99%/ {print $2}' "$WORK/smsd.wrk") |"
echo
echo "Ratio smsd / nginx: $(python3 -c "print(f'{$SMSD_RPS/$NGINX_RPS:.2f}')") (target >= 0.50). smsd peak RSS: $((INGEST_RSS / 1024)) MiB."
echo
kill "$SMSD_PID"; wait "$SMSD_PID" 2>/dev/null || true

# --- 2. End to end: paced load of 1 M distinct servers until last_seen is in SQLite --------
start_smsd "$WORK/e2e"
T0=$(date +%s.%N)
SMS_BENCH_DELAY_MS=$E2E_DELAY wrk -t2 -c"$E2E_CONNS" -d"${E2E_SECS}s" -s bench/wrk/heartbeat.lua \
  "$SMSD_URL/healthcheck" >"$WORK/e2e.wrk"
for _ in $(seq 1 600); do
  [ "$(curl -sf "$SMSD_URL/metrics" | awk '$1=="sms_bus_queue_depth{topic=\"healthcheck\"}" {print $2}')" = "0" ] && break
  sleep 0.1
done
T1=$(date +%s.%N)
WRITTEN=$(metric "$SMSD_URL" sms_worker_heartbeats_total)
ACCEPTED=$(metric "$SMSD_URL" sms_heartbeats_accepted_total)
E2E_RSS=$(rss_kb "$SMSD_PID" VmHWM)
LAG=$(curl -sf "$SMSD_URL/metrics" | python3 bench/lag_quantiles.py)
SERVERS=$(curl -sf "$SMSD_URL/api/v1/stats" | python3 -c 'import json,sys;print(json.load(sys.stdin)["total"])')
echo "## End to end (HTTP -> bus -> worker -> SQLite last_seen), smsd all on SQLite"
echo
echo "Offered: wrk -t2 -c$E2E_CONNS -d${E2E_SECS}s, each connection pausing ${E2E_DELAY} ms between requests; 1 M distinct server ids."
echo
echo "| accepted | written to SQL | servers registered | sustained heartbeats/s (accepted / time until written) | last-seen lag p50 / p99 / max | smsd peak RSS |"
echo "|---|---|---|---|---|---|"
echo "| $ACCEPTED | $WRITTEN | $SERVERS | $(python3 -c "print(int($WRITTEN/($T1-$T0)))") | $LAG | $((E2E_RSS / 1024)) MiB |"
echo

# --- 3. sms-agent RSS --------------------------------------------------------------------
"$BIN/sms-agent" --url "$SMSD_URL/healthcheck" --server-id bench-agent --interval 1 \
  2>"$WORK/agent.log" & AGENT_PID=$!; PIDS+=("$AGENT_PID")
sleep 3
echo "## sms-agent"
echo
echo "RSS after 3 heartbeats: $(rss_kb "$AGENT_PID" VmRSS) KiB (target <= 8 MiB)."
