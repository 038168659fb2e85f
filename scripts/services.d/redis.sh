# shellcheck shell=bash disable=SC2034  # <name>_timeout and <name>_stop_signal are read by name
# Redis 7 from Debian with a generated config: 127.0.0.1 only, data in .services/redis/data
# with an append-only file, so that stop and start keep the keys.

redis_timeout=20
redis_stop_signal=TERM # Redis flushes the AOF and exits on SIGTERM

redis_install() {
  command -v redis-server >/dev/null ||
    die "redis: redis-server missing (apt-get install redis-server)"
  command -v redis-cli >/dev/null || die "redis: redis-cli missing (apt-get install redis-tools)"
}

redis_launch() {
  port_ensure redis || return 1
  local dir="$SVC_ROOT/redis"
  mkdir -p "$dir/data" || return 1
  # set-proc-title no keeps the config path in /proc/<pid>/cmdline (the marker).
  cat >"$dir/redis.conf" <<EOF
# Written by scripts/services on every start; edits are lost.
bind 127.0.0.1
port $(port_get redis)
protected-mode yes
daemonize no
set-proc-title no
dir $dir/data
save ""
appendonly yes
appendfsync everysec
logfile ""
loglevel notice
maxmemory 512mb
maxmemory-policy noeviction
EOF
  spawn redis "$dir/log" redis-server "$dir/redis.conf"
}

redis_ready() {
  [ "$(redis-cli -h 127.0.0.1 -p "$(port_get redis)" PING 2>/dev/null)" = PONG ]
}

redis_post() { :; }
redis_url() { echo "redis://127.0.0.1:$(port_get redis)/0"; }
redis_env() { echo "SMS_REDIS_URL=$(redis_url)"; }
redis_marker() { echo "$SVC_ROOT/redis/redis.conf"; }
redis_logs() { echo "$SVC_ROOT/redis/log"; }
redis_clean() { :; }
