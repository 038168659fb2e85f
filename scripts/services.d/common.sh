# shellcheck shell=bash
# Shared helpers for scripts/services: logging, locks, ports, pids, readiness, the env file,
# and the Java/Maven/Go tool lookups. Sourced, never run.
#
# Every engine file (services.d/<name>.sh) defines, for its <name>:
#   <name>_install   make binaries/jars available (cached); may be slow the first time
#   <name>_launch    start the engine in the background and write its pid file
#   <name>_ready     exit 0 when the engine answers on its port (quick, no waiting)
#   <name>_post      one-off setup after it answers (idempotent): users, topics, ...
#   <name>_env       print its lines of .services/env
#   <name>_url       print the URL that status shows
#   <name>_marker    print a string that the engine's /proc/<pid>/cmdline contains
#   <name>_logs      print the log files whose tails explain a failure
#   <name>_clean     remove data kept outside .services/<name> (usually nothing)
# and the variables <name>_timeout (seconds to answer) and <name>_stop_signal.

log() { echo "services: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- locks -------------------------------------------------------------------------------------

# Serialises start/stop/clean on one .services directory. The lock fd must not leak into the
# engines (it would stay held while they run): launches close it with {STATE_LOCK_FD}>&-.
STATE_LOCK_FD=
lock_state() {
  [ -n "$STATE_LOCK_FD" ] && return 0
  mkdir -p "$SVC_ROOT"
  exec {STATE_LOCK_FD}>"$SVC_ROOT/.lock"
  if ! flock -n "$STATE_LOCK_FD"; then
    log "waiting for another scripts/services call on $SVC_ROOT"
    flock -w 900 "$STATE_LOCK_FD" || die "timed out waiting for $SVC_ROOT/.lock"
  fi
}

# Runs "$@" holding the cache lock, so that two clones filling the shared cache at the same
# time do not build or resolve the same thing into the same place.
with_cache_lock() {
  mkdir -p "$SVC_CACHE"
  (
    exec {fd}>"$SVC_CACHE/.lock"
    flock -w 1800 "$fd" || die "timed out waiting for $SVC_CACHE/.lock"
    "$@"
  )
}

# --- ports -------------------------------------------------------------------------------------

# port_get ENGINE [ROLE]: the remembered port (.services/ENGINE/port or port.ROLE).
port_get() {
  local f="$SVC_ROOT/$1/port${2:+.$2}"
  [ -f "$f" ] || return 1
  cat "$f"
}

# Exit 0 when the engines could bind 127.0.0.1:PORT now. A bind test also catches 0.0.0.0
# listeners and bound sockets that do not listen; SO_REUSEADDR, as the engines set it, lets a
# port pass whose only users are connections in TIME_WAIT from a previous run.
port_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# Ports remembered by any engine of this .services directory.
ports_taken() { cat "$SVC_ROOT"/*/port* 2>/dev/null || true; }

pick_port() {
  local taken p i
  taken=$(ports_taken)
  for i in $(seq 1 200); do
    p=$((PORT_MIN + (RANDOM * 32768 + RANDOM) % (PORT_MAX - PORT_MIN)))
    grep -qxF "$p" <<<"$taken" && continue
    port_free "$p" && { echo "$p"; return 0; }
  done
  die "no free port found in $PORT_MIN-$PORT_MAX after $i tries"
}

# port_ensure ENGINE [ROLE]: keeps the remembered port when it is still free, else picks one.
# Called only while ENGINE is stopped, so a busy port belongs to somebody else.
port_ensure() {
  local f="$SVC_ROOT/$1/port${2:+.$2}" p
  if [ -f "$f" ]; then
    p=$(cat "$f")
    port_free "$p" && return 0
    log "$1: remembered port $p${2:+ ($2)} is taken by another process; picking a new one"
  fi
  pick_port >"$f.tmp"
  mv "$f.tmp" "$f"
}

# --- pids and lifecycle ------------------------------------------------------------------------

pid_file() { echo "$SVC_ROOT/$1/pid"; }
pid_of() { cat "$(pid_file "$1")" 2>/dev/null; }

# Exit 0 when the pid file names a live process that is this engine (the marker guards against
# a stale pid file whose number the kernel has since given to an unrelated process). When the
# pid file is missing or stale but the engine runs all the same (pid file deleted by hand), the
# process is found by its marker and its pid written back, so that it is neither started twice
# on the same data nor left running by stop.
engine_running() {
  local pid marker
  marker=$("${1}_marker")
  pid=$(pid_of "$1") && has_marker "$pid" "$marker" && return 0
  pid=$(find_by_marker "$marker") || return 1
  [ -d "$SVC_ROOT/$1" ] && echo "$pid" >"$(pid_file "$1")" 2>/dev/null
  return 0
}

has_marker() {
  pid_alive "$1" || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# Prints the pid of the process whose command line holds MARKER, skipping the grep itself and
# forked children (a Redis AOF rewrite) whose parent matches too.
find_by_marker() {
  local -a pids=()
  local f pid ppid
  while IFS= read -r f; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != grep ] && pid_alive "$pid" && pids+=("$pid")
  done < <(grep -alsF -- "$1" /proc/[0-9]*/cmdline)
  for pid in "${pids[@]}"; do
    ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [[ " ${pids[*]} " == *" $ppid "* ]] && continue
    echo "$pid"
    return 0
  done
  return 1
}

# Exit 0 when PID is a live process (a zombie is not).
pid_alive() {
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

declare -A START_TIME=()

engine_launch() {
  local e=$1
  mkdir -p "$SVC_ROOT/$e"
  rm -f "$(pid_file "$e")"
  START_TIME[$e]=$SECONDS
  log "$e: starting"
  if ! "${e}_launch" {STATE_LOCK_FD}>&-; then
    log "$e: failed to launch"
    show_logs "$e"
    return 1
  fi
}

elapsed_since() { echo $((SECONDS - ${START_TIME[$1]:-$SECONDS})); }

# One look at a launched engine: prints ready, failed (after printing why and the tail of its
# logs) or waiting; failed once it is past <name>_timeout seconds since its launch. Liveness is
# the pid alone: just after the launch the child may not have exec'd the engine yet, so its
# command line may still lack the marker.
engine_check() {
  local e=$1 timeout_var="${1}_timeout"
  if ! pid_alive "$(pid_of "$e")"; then
    log "$e: the process exited before it answered"
    show_logs "$e"
    echo failed
  elif "${e}_ready"; then
    echo ready
  elif [ "$(elapsed_since "$e")" -ge "${!timeout_var}" ]; then
    log "$e: did not answer within ${!timeout_var}s"
    show_logs "$e"
    echo failed
  else
    echo waiting
  fi
}

# Waits until the engine answers, at most <name>_timeout seconds; on failure prints why and
# the tail of its logs.
engine_wait_ready() {
  local e=$1 timeout_var="${1}_timeout"
  local deadline=$((SECONDS + ${!timeout_var}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! engine_running "$e"; then
      log "$e: the process exited before it answered"
      show_logs "$e"
      return 1
    fi
    "${e}_ready" && return 0
    sleep 0.5
  done
  log "$e: did not answer within ${!timeout_var}s"
  show_logs "$e"
  return 1
}

engine_post_start() {
  "${1}_post" && return 0
  log "$1: setup after start failed"
  show_logs "$1"
  return 1
}

show_logs() {
  local f
  for f in $("${1}_logs"); do
    [ -s "$f" ] || continue
    log "---- last lines of $f"
    tail -n 40 "$f" >&2
  done
}

declare -A SIGNALLED=()

# Sends the engine its stop signal once, if it runs.
engine_signal_stop() {
  local sig_var="${1}_stop_signal"
  engine_running "$1" || return 0
  [ -z "${SIGNALLED[$1]:-}" ] || return 0
  SIGNALLED[$1]=1
  log "$1: stopping (pid $(pid_of "$1"))"
  kill "-${!sig_var}" "$(pid_of "$1")" 2>/dev/null || true
}

# Stops the engine and waits for its exit: its stop signal, then SIGKILL after 90 s.
engine_stop() {
  local e=$1 pid i
  if ! engine_running "$e"; then
    rm -f "$(pid_file "$e")"
    [ -z "${SIGNALLED[$e]:-}" ] || log "$e: stopped"
    return 0
  fi
  pid=$(pid_of "$e")
  engine_signal_stop "$e"
  for i in $(seq 1 900); do
    kill -0 "$pid" 2>/dev/null || break
    [ $((i % 300)) -eq 0 ] && log "$e: still stopping after $((i / 10))s"
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$e: did not exit after 90s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && return 1
  fi
  rm -f "$(pid_file "$e")"
  log "$e: stopped"
}

# Used after a failed start: do not leave a half-started engine behind.
engine_kill() {
  engine_running "$1" || return 0
  kill -KILL "$(pid_of "$1")" 2>/dev/null || true
  sleep 0.5
  rm -f "$(pid_file "$1")"
}

# Runs "$@" in the background, detached from the terminal's signals, with stdout and stderr
# appended to LOG; writes the pid of "$@" itself (setsid execs in place) to ENGINE's pid file.
spawn() {
  local e=$1 logf=$2
  shift 2
  local cmd="$*"
  [ "${#cmd}" -le 400 ] || cmd="${cmd:0:200} ... ${cmd: -150}"
  echo "==== $(date '+%F %T') start: $cmd" >>"$logf"
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  echo "$!" >"$(pid_file "$e")"
  disown "$!"
}

# --- the env file ------------------------------------------------------------------------------

# Rewrites .services/env with the lines of every engine that is running now.
write_env() {
  mkdir -p "$SVC_ROOT"
  local tmp="$SVC_ROOT/env.tmp" e
  {
    echo "# Written by scripts/services for the engines running now. Load it with:"
    echo "#   set -a; . $SVC_ROOT/env; set +a"
    for e in "${ALL_ENGINES[@]}"; do
      engine_running "$e" && "${e}_env"
    done
  } >"$tmp"
  mv "$tmp" "$SVC_ROOT/env"
}

# --- tools -------------------------------------------------------------------------------------

# Installs the Debian packages the project lists (scripts/install-deps returns at once when
# they are all there).
ensure_debian_packages() {
  "$REPO/scripts/install-deps" {STATE_LOCK_FD}>&- || die "scripts/install-deps failed"
}

# Prints a `java` of version 17 or newer: $JAVA_HOME, then PATH, then /usr/lib/jvm. The answer
# is kept in JAVA_BIN: call it once outside $(...) to fill that.
JAVA_BIN=
find_java() {
  [ -z "$JAVA_BIN" ] || { echo "$JAVA_BIN"; return 0; }
  local j v
  for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" \
    /usr/lib/jvm/java-17-openjdk-amd64/bin/java /usr/lib/jvm/*/bin/java; do
    if [ -z "$j" ] || [ ! -x "$j" ]; then continue; fi
    v=$("$j" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java.specification.version = //p')
    if [ "${v%%.*}" -ge 17 ] 2>/dev/null; then
      JAVA_BIN=$j
      echo "$j"
      return 0
    fi
  done
  die "no Java 17 or newer found (apt-get install openjdk-17-jdk-headless)"
}

# Prints a `go` new enough for the Mailpit module (1.24+): PATH, then /usr/local/go (the
# machine image puts Go there; Debian's golang-go 1.19 is too old).
find_go() {
  local g v minor
  for g in "$(command -v go || true)" /usr/local/go/bin/go "$HOME/go/bin/go" \
    /usr/lib/go-*/bin/go; do
    if [ -z "$g" ] || [ ! -x "$g" ]; then continue; fi
    v=$("$g" env GOVERSION 2>/dev/null) || continue
    minor=$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$v")
    [ "${minor:-0}" -ge 24 ] && { echo "$g"; return 0; }
  done
  die "no Go 1.24 or newer found on PATH or in /usr/local/go (Debian's golang-go is too old)"
}

sha_of() { cat "$@" | sha256sum | cut -c1-16; }

# mvn_classpath NAME POM: prints the path of a file holding the runtime classpath (jars in
# ~/.m2) of POM's dependencies. Resolved once per POM content, then read from the cache.
mvn_classpath() {
  local name=$1 pom=$2 out
  out="$SVC_CACHE/classpath/$name-$(sha_of "$pom").txt"
  if ! classpath_complete "$out"; then
    with_cache_lock mvn_resolve "$pom" "$out"
    prune_cache "$out" "$name-"
  fi
  echo "$out"
}

classpath_complete() {
  [ -s "$1" ] || return 1
  local jar
  while IFS= read -r jar; do
    [ -f "$jar" ] || return 1
  done < <(tr ':' '\n' <"$1")
}

mvn_resolve() {
  local pom=$1 out=$2 mlog
  classpath_complete "$out" && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  mkdir -p "$(dirname "$out")"
  mlog="$out.log"
  log "resolving $(basename "$(dirname "$pom")") jars from Maven Central (cached in ~/.m2)"
  if ! mvn -B -q -f "$pom" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile="$out.tmp" -Dmdep.includeScope=runtime >"$mlog" 2>&1; then
    tail -n 30 "$mlog" >&2
    die "mvn could not resolve $pom"
  fi
  mv "$out.tmp" "$out"
}

# prune_cache KEEP PREFIX: removes the entries beside KEEP that start with PREFIX, older
# versions of the same thing (another pom or source); KEEP and its .log stay.
prune_cache() {
  local keep=$1 prefix=$2 f
  for f in "$(dirname "$keep")/$prefix"*; do
    case "$f" in "$keep" | "$keep.log") continue ;; esac
    rm -rf "$f"
  done
}

# compile_java SOURCE CLASSPATH_FILE: compiles a single-file helper once per source and
# classpath; prints the directory that holds its classes.
compile_java() {
  local src=$1 cpfile=$2 dir
  dir="$SVC_CACHE/classes/$(basename "$src" .java)-$(sha_of "$src" "$cpfile")"
  if [ ! -f "$dir/.done" ]; then
    with_cache_lock javac_into "$src" "$cpfile" "$dir"
    prune_cache "$dir" "$(basename "$src" .java)-"
  fi
  echo "$dir"
}

javac_into() {
  local src=$1 cpfile=$2 dir=$3 javac
  [ -f "$dir/.done" ] && return 0
  javac="$(dirname "$(readlink -f "$JAVA_BIN")")/javac"
  [ -x "$javac" ] ||
    die "javac not found beside $JAVA_BIN (apt-get install openjdk-17-jdk-headless)"
  rm -rf "$dir"
  mkdir -p "$dir"
  "$javac" -nowarn -cp "$(cat "$cpfile")" -d "$dir" "$src" || die "javac failed on $src"
  touch "$dir/.done"
}

# Exit 0 when something accepts TCP connections on 127.0.0.1:PORT.
tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
