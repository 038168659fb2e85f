#!/usr/bin/env bash
# What authentication costs on the management API: `smsd all` (Release, SQLite) with 1000
# servers; wrk on a public route (no guard), on GET /api/v1/auth/me with a login's JWT and with
# an API token (the guard and a trivial handler), on a list page with the JWT, and with a bad
# token (refused); then the time of a login (argon2id). Prints a Markdown table.
#
#   SMS_BIN=build/bin bench/auth_bench.sh     (make build first)
#   SMS_BENCH_SECONDS=8 SMS_BENCH_CONNECTIONS=16
set -euo pipefail
BIN=${SMS_BIN:-build/bin}
SECS=${SMS_BENCH_SECONDS:-8}
CONNS=${SMS_BENCH_CONNECTIONS:-16}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/sms-auth-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
PASSWORD="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
SMS_ADMIN_USER=bench SMS_ADMIN_PASSWORD="$PASSWORD" \
  "$BIN/smsd" all --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --log-level warn \
  >"$WORK/smsd.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done

# Logins (timed), 1000 servers, one read-only API token.
URL=$URL PASSWORD=$PASSWORD WORK=$WORK BENCH_DIR=$HERE python3 - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
import http_call, time
port = int(os.environ["URL"].rsplit(":", 1)[1])
def call(method, path, body=None, token=None):
    return http_call.call(port, method, path, body, token)
t = time.perf_counter()
for _ in range(20):
    jwt = call("POST", "/api/v1/auth/login",
               {"username": "bench", "password": os.environ["PASSWORD"]})["access_token"]
login_ms = (time.perf_counter() - t) / 20 * 1000
for i in range(1000):
    call("POST", "/api/v1/servers", {"server_id": f"s-{i}", "server_name": f"S {i}",
                                     "ipv4": f"10.0.{i // 250}.{i % 250}"}, jwt)
api = call("POST", "/api/v1/tokens", {"name": "bench", "scopes": ["servers:read"]}, jwt)["token"]
work = os.environ["WORK"]
open(f"{work}/jwt", "w").write(jwt)
open(f"{work}/api", "w").write(api)
open(f"{work}/login_ms", "w").write(f"{login_ms:.0f}")
PY
JWT=$(cat "$WORK/jwt"); API=$(cat "$WORK/api")

echo "| request | credential | requests/s | p50 | p99 | answered 401 |"
echo "|---|---|---|---|---|---|"
run() {  # run LABEL CREDENTIAL-LABEL PATH TOKEN
  local h=(); [ -n "$4" ] && h=(-H "Authorization: Bearer $4")
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "${h[@]}" "$URL$3" 2>&1 |
    awk -v l="$1" -v c="$2" '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
      /Non-2xx/ {n=$5} END {printf "| %s | %s | %d | %s | %s | %s |\n", l, c, r, p50, p99, n ? n : 0}'
}
run "GET /healthz (public: no guard)" "none" /healthz ""
run "GET /api/v1/auth/me" "login JWT" /api/v1/auth/me "$JWT"
run "GET /api/v1/auth/me" "API token" /api/v1/auth/me "$API"
run "GET /api/v1/servers?limit=50" "login JWT" "/api/v1/servers?limit=50" "$JWT"
run "GET /api/v1/auth/me" "bad token (refused)" /api/v1/auth/me "not-a-token"
echo
echo "A login (argon2id, libsodium interactive cost: 64 MiB): $(cat "$WORK/login_ms") ms, 20 in a row."
