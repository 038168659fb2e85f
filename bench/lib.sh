# Helpers every bench script sources: a work directory and the processes to stop at exit,
# free ports, and numbers read from wrk's output and /metrics.
#   . bench/lib.sh; bench_init NAME     (then PIDS+=(pid) for each process started)
# A script that has more to clean defines bench_cleanup_extra before it calls bench_init.

bench_init() {  # bench_init NAME -> sets WORK (a fresh directory) and PIDS; cleans up at exit
  WORK=$(mktemp -d "/tmp/sms-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
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
