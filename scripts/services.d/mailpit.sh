# shellcheck shell=bash disable=SC2034  # <name>_timeout and <name>_stop_signal are read by name
# Mailpit (SMTP sink with a REST API), built once with `go install` from the Go module proxy
# into the cache. The module zip has no built web UI assets, so the browser UI is bare; the
# REST API (/api/v1/...) and SMTP are complete. Messages persist in .services/mailpit/.

mailpit_timeout=20
mailpit_stop_signal=TERM
MAILPIT_VERSION=v1.33.1

mailpit_bin() { echo "$SVC_CACHE/bin/mailpit-$MAILPIT_VERSION"; }

mailpit_install() {
  [ -x "$(mailpit_bin)" ] || with_cache_lock mailpit_build
}

mailpit_build() {
  [ -x "$(mailpit_bin)" ] && return 0
  local go tmp
  go=$(find_go)
  tmp=$(mktemp -d "$SVC_CACHE/mailpit-build.XXXXXX")
  log "mailpit: building $MAILPIT_VERSION with $("$go" env GOVERSION) (about 90 s the first time)"
  if ! GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS='' GOWORK=off "$go" install \
    "github.com/axllent/mailpit@$MAILPIT_VERSION" >"$tmp.log" 2>&1; then
    tail -n 30 "$tmp.log" >&2
    rm -rf "$tmp"
    die "mailpit: go install failed"
  fi
  mkdir -p "$(dirname "$(mailpit_bin)")"
  mv "$tmp/mailpit" "$(mailpit_bin)"
  rm -rf "$tmp" "$tmp.log"
}

mailpit_launch() {
  local dir="$SVC_ROOT/mailpit"
  port_ensure mailpit || return 1
  port_ensure mailpit http || return 1
  mkdir -p "$dir" || return 1
  spawn mailpit "$dir/log" "$(mailpit_bin)" \
    --smtp "127.0.0.1:$(port_get mailpit)" --listen "127.0.0.1:$(port_get mailpit http)" \
    --database "$dir/mailpit.db" --max 0 --smtp-auth-accept-any --smtp-auth-allow-insecure \
    --smtp-disable-rdns --disable-version-check --quiet
}

mailpit_ready() { curl -sf -m 2 "$(mailpit_api)/readyz" -o /dev/null 2>/dev/null; }
mailpit_post() { :; }
mailpit_api() { echo "http://127.0.0.1:$(port_get mailpit http)"; }
mailpit_url() { echo "smtp://127.0.0.1:$(port_get mailpit) api $(mailpit_api)"; }
mailpit_env() {
  echo "SMS_SMTP_URL=smtp://127.0.0.1:$(port_get mailpit)"
  echo "SMS_MAILPIT_API=$(mailpit_api)"
}
mailpit_marker() { echo "$SVC_ROOT/mailpit/mailpit.db"; }
mailpit_logs() { echo "$SVC_ROOT/mailpit/log"; }
mailpit_clean() { :; }
