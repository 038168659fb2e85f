# Helpers every bench script sources: a work directory and the processes to stop at exit,
# free ports, numbers read from wrk's output, /metrics and /proc, smsd roles started and
# stopped, and the engines of the distributed shape.
#   . bench/lib.sh; bench_init NAME     (then PIDS+=(pid) for each process started)
# A script that has more to clean defines bench_cleanup_extra before it calls bench_init.
# Every wait here is bounded.

BIN=${BIN:-${SMS_BIN:-build/bin}}

bench_init() {  # bench_init NAME -> sets WORK (a fresh directory) and PIDS; cleans up at exit
  WORK=$(mktemp -d "/tmp/sms-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${ENGINES_TAG:-}" ]; then engines_drop; fi
  if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra; fi
  rm -rf "$WORK"
}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }              # rps WRK_FILE
pct() { awk -v p="$2" '$1==p {print $2}' "$1"; }              # pct WRK_FILE 99% -> "1.23ms"
non2xx() { awk '/Non-2xx/ {print $5}' "$1" | grep . || echo 0; }  # non2xx WRK_FILE
metric() {  # metric URL NAME -> value of a sample named exactly NAME (labels included)
  curl -sf "$1/metrics" | awk -v n="$2" '$1==n {print $2}'
}
rss_kb() { awk '/^'"$2"':/ {print $2}' "/proc/$1/status"; }  # rss_kb PID VmRSS|VmHWM -> KiB
machine_line() {
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
}

# start NAME ROLE ARGS...: smsd ROLE on a free loopback port with its data in $WORK/NAME; sets
# PID_<NAME> and URL_<NAME> once /healthz answers (30 s at most). Variables assigned before the
# call (SMS_ADMIN_USER=… start …) reach smsd.
start() {
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
# register FLEET INGEST_URL WORKER_URL: every server's first heartbeat, unpaced, until all are
# in SQL.
register() {
  SMS_BENCH_SERVERS=$1 wrk -t2 -c64 -d"$(( $1 / 10000 + 5 ))s" \
    -s bench/wrk/heartbeat.lua "$2/healthcheck" >"$WORK/register.wrk"
  wait_drained "$3"
}

# engines_up: PostgreSQL, Redis, Kafka and OpenSearch from scripts/services (started when not
# running, left running), a fresh database, and DIST: the flags that put an smsd role on them,
# with this run's own database, topic prefix and index prefix ($ENGINES_TAG). The database, the
# indices and the index template are dropped at exit. The engines' URLs become flags only: no
# SMS_* variable stays exported, so an embedded smsd of the same script runs on its defaults.
engines_up() {
  SERVICES_DIR=${SMS_SERVICES_DIR:-.services}
  scripts/services start postgres redis kafka opensearch >&2
  . "$SERVICES_DIR/env"
  for v in $(compgen -e | grep '^SMS_' || true); do export -n "$v"; done
  ENGINES_TAG=bench$(date +%s)
  DB_URL="${SMS_DATABASE_URL%/*}/sms_$ENGINES_TAG"
  psql "$SMS_DATABASE_URL" -qc "CREATE DATABASE sms_$ENGINES_TAG" >/dev/null
  (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$WORK/jwt-secret")
  DIST=(--database-url "$DB_URL" --kafka-brokers "$SMS_KAFKA_BROKERS"
        --redis-url "$SMS_REDIS_URL" --search-url "$SMS_SEARCH_URL"
        --jwt-secret-file "$WORK/jwt-secret"
        --kafka-topic-prefix "$ENGINES_TAG." --search-index-prefix "$ENGINES_TAG")
}
engines_drop() {  # the run's database, indices and index template (its Kafka topics stay)
  psql "$SMS_DATABASE_URL" -qc "DROP DATABASE IF EXISTS sms_$ENGINES_TAG WITH (FORCE)" \
    >/dev/null 2>&1 || true
  curl -sf -X DELETE "$SMS_SEARCH_URL/$ENGINES_TAG-*" >/dev/null 2>&1 || true
  curl -sf -X DELETE "$SMS_SEARCH_URL/_index_template/$ENGINES_TAG" >/dev/null 2>&1 || true
}
