#!/usr/bin/env bash
# A list page deep in 1 M servers over HTTP: `smsd all` (Release) on the SQLite file store_bench
# builds, wrk with 8 connections over 16 pages around the middle of the list, reached by
# `offset` and by `cursor` (the `next` of the row before each), per sort. Prints a Markdown table.
#
#   SMS_BIN=build/bin bench/list_http.sh     (after store_bench made SMS_BENCH_DB)
#   SMS_BENCH_DB (/tmp/sms_store_bench.db) SMS_BENCH_SECONDS (10) SMS_BENCH_CONNECTIONS (8)
#   SMS_BENCH_SORTS ("server_name:asc last_seen:desc")
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
DB=${SMS_BENCH_DB:-/tmp/sms_store_bench.db}
SECS=${SMS_BENCH_SECONDS:-10}
CONNS=${SMS_BENCH_CONNECTIONS:-8}
SORTS=${SMS_BENCH_SORTS:-server_name:asc last_seen:desc}
bench_init list-bench
PASSWORD="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
SMS_ADMIN_USER=bench SMS_ADMIN_PASSWORD="$PASSWORD" start api all --database-url "sqlite:$DB"
URL=$URL_api

# A login, then per sort the 16 offset paths and the 16 cursor paths.
URL=$URL PASSWORD=$PASSWORD WORK=$WORK SORTS=$SORTS BENCH_DIR=$HERE python3 - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
import http_call, urllib.parse
port = int(os.environ["URL"].rsplit(":", 1)[1])
def call(method, path, body=None, token=None):
    return http_call.call(port, method, path, body, token)
jwt = call("POST", "/api/v1/auth/login", {"username": "bench",
                                          "password": os.environ["PASSWORD"]})["access_token"]
work = os.environ["WORK"]
open(f"{work}/jwt", "w").write(jwt)
total = call("GET", "/api/v1/servers?limit=1", token=jwt)["total"]
for pair in os.environ["SORTS"].split():
    sort, order = pair.split(":")
    base = {"sort": sort, "order": order, "limit": 50}
    offsets = [total // 2 - total // 20 + k * total // 160 for k in range(16)]
    with open(f"{work}/{sort}_{order}_offset", "w") as f:
        for o in offsets:
            f.write("/api/v1/servers?" + urllib.parse.urlencode({**base, "offset": o}) + "\n")
    with open(f"{work}/{sort}_{order}_cursor", "w") as f:
        for o in offsets:
            q = urllib.parse.urlencode({**base, "offset": o - 1, "limit": 1})
            cursor = call("GET", "/api/v1/servers?" + q, token=jwt)["next"]
            f.write("/api/v1/servers?" + urllib.parse.urlencode({**base, "cursor": cursor}) + "\n")
PY

echo "| page of 50, 8 connections | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
for pair in $SORTS; do
  for how in offset cursor; do
    name=${pair/:/_}_$how
    SMS_BENCH_PATHS="$WORK/$name" SMS_BENCH_TOKEN=$(cat "$WORK/jwt") \
      wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$HERE/wrk/paths.lua" "$URL" 2>&1 |
      awk -v l="sort=${pair/:/ order=}, by $how" '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2}
        /^ +99%/ {p99=$2} /Non-2xx/ {n=$5} END {printf "| %s | %d | %s | %s | %s |\n", l, r, p50, p99, n ? n : 0}'
  done
done
echo
echo "Load average: $(cut -d' ' -f1-3 /proc/loadavg)."
