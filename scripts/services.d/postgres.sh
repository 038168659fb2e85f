# shellcheck shell=bash disable=SC2034  # <name>_timeout and <name>_stop_signal are read by name
# PostgreSQL 15 from Debian, as a private cluster (not the system one): initdb under
# .services/postgres/data, 127.0.0.1 only, trust auth, database `sms` owned by role `sms`.
# The server refuses to run as root, so as root it runs as the `postgres` system user.

postgres_timeout=60
postgres_stop_signal=INT # "fast" shutdown; SIGTERM would wait for every client to leave

PG_BIN=${SMS_PG_BIN:-/usr/lib/postgresql/15/bin}

# The cluster lives in .services/postgres unless the `postgres` user cannot reach that path
# (a clone under /root, say); then under /var/tmp, named after the .services path.
pg_root() {
  if [ -f "$SVC_ROOT/postgres/root" ]; then
    cat "$SVC_ROOT/postgres/root"
  else
    echo "$SVC_ROOT/postgres"
  fi
}
pg_data() { echo "$(pg_root)/data"; }

# Runs "$@" as the server's user: `postgres` when we are root, else ourselves.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && setpriv --reuid=postgres --regid=postgres --init-groups -- "$@")
  else
    "$@"
  fi
}

postgres_install() {
  [ -x "$PG_BIN/postgres" ] ||
    die "postgres: $PG_BIN/postgres missing (apt-get install postgresql-15)"
  command -v psql >/dev/null || die "postgres: psql missing (apt-get install postgresql-client-15)"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "postgres: no 'postgres' user (comes with postgresql-common)"
  fi
  [ -f "$(pg_data)/PG_VERSION" ] || pg_initdb
}

pg_choose_root() {
  mkdir -p "$SVC_ROOT/postgres"
  rm -f "$SVC_ROOT/postgres/root"
  if [ "$(id -u)" -eq 0 ] && ! as_pg test -x "$SVC_ROOT/postgres"; then
    local alt
    alt="/var/tmp/sms-services-$(echo "$SVC_ROOT" | sha256sum | cut -c1-12)/postgres"
    log "postgres: user 'postgres' cannot reach $SVC_ROOT; keeping the cluster in $alt"
    mkdir -p "$alt"
    echo "$alt" >"$SVC_ROOT/postgres/root"
  fi
}

pg_initdb() {
  pg_choose_root
  local root data
  root=$(pg_root)
  data=$(pg_data)
  rm -rf "$data"
  mkdir -p "$data"
  [ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$root"
  chmod 700 "$data"
  log "postgres: initdb $data"
  as_pg "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$root/initdb.log" 2>&1 || {
    tail -n 20 "$root/initdb.log" >&2
    die "postgres: initdb failed"
  }
  # Test settings: durability off (a crash may lose the last transactions, which a test
  # cluster can afford), loopback TCP only, no Unix socket in a path that may be too long.
  cat >>"$data/postgresql.conf" <<'EOF'

# --- scripts/services ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
log_min_error_statement = error
EOF
}

postgres_launch() {
  port_ensure postgres || return 1
  local root
  root=$(pg_root)
  # The log sits beside the data so that the server user can write it wherever the root is.
  touch "$root/server.log" || return 1
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$root/server.log"
  ln -sfn "$root/server.log" "$SVC_ROOT/postgres/log"
  echo "==== $(date '+%F %T') start" >>"$root/server.log"
  if [ "$(id -u)" -eq 0 ]; then
    # From /, which the server user can always enter; in a subshell, so our cwd stays.
    (
      cd /
      setsid setpriv --reuid=postgres --regid=postgres --init-groups -- \
        "$PG_BIN/postgres" -D "$(pg_data)" -p "$(port_get postgres)" \
        </dev/null >>"$root/server.log" 2>&1 &
      echo "$!" >"$(pid_file postgres)"
    )
  else
    spawn postgres "$root/server.log" "$PG_BIN/postgres" -D "$(pg_data)" -p "$(port_get postgres)"
  fi
}

postgres_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(port_get postgres)" -U postgres -d postgres -t 2 \
    2>/dev/null
}

pg_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_get postgres)" -U postgres -d postgres \
    -tA "$@"
}

postgres_post() {
  local have
  have=$(pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'sms'") || return 1
  [ -n "$have" ] || pg_psql -c "CREATE ROLE sms LOGIN PASSWORD 'sms' CREATEDB" || return 1
  have=$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = 'sms'") || return 1
  [ -n "$have" ] || pg_psql -c "CREATE DATABASE sms OWNER sms" || return 1
}

postgres_url() { echo "postgresql://sms:sms@127.0.0.1:$(port_get postgres)/sms"; }
postgres_env() { echo "SMS_DATABASE_URL=$(postgres_url)"; }
postgres_marker() { pg_data; }
postgres_logs() { echo "$(pg_root)/server.log $(pg_root)/initdb.log"; }

postgres_clean() {
  local root
  root=$(pg_root)
  [ "$root" = "$SVC_ROOT/postgres" ] || rm -rf "$(dirname "$root")"
}
