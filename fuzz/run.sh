#!/usr/bin/env bash
# fuzz/run.sh SECONDS: builds the libFuzzer targets (fuzz/CMakeLists.txt, clang, ccache) and runs
# each one for SECONDS on a fresh copy of its seed corpus, one after the other; prints the
# executions of each. Exits 1 when a target finds a crash, a leak, UB, a broken property or a
# timeout, naming the input it saved (its reproducer); 2 on a usage or build error.
#
#   FUZZ_BUILD_DIR   build directory (default: build-fuzz at the top of the repository)
#   FUZZ_TARGETS     the targets to run, space-separated (default: all of them)
#   FUZZ_JOBS        build parallelism (default: 2)
#
# `make fuzz` runs it for FUZZ_SECONDS (60) per target; the ctest entry fuzz_smoke for 10.
# The seeds in fuzz/corpus/ are never written: new inputs go to the copy in the build dir.
set -euo pipefail

ALL_TARGETS="fuzz_heartbeat fuzz_query fuzz_xlsx fuzz_multipart fuzz_report_request fuzz_mail_job fuzz_jwt"

usage() {
  echo "usage: fuzz/run.sh SECONDS   (targets: $ALL_TARGETS)" >&2
  exit 2
}

if [ $# -ne 1 ] || ! [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
  usage
fi
seconds=$1
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$fuzz_dir")
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
targets=${FUZZ_TARGETS:-$ALL_TARGETS}

# Per-target libFuzzer flags beyond the common ones. The xlsx mutator rewrites whole archives,
# which grow past libFuzzer's default 4 KiB bound.
target_flags() {
  case "$1" in
    fuzz_xlsx) echo "-max_len=32768" ;;
    *) echo "" ;;
  esac
}

build_targets() {
  if ! command -v clang++ >/dev/null 2>&1; then
    echo "fuzz/run.sh: clang++ not found; scripts/install-deps installs clang" >&2
    exit 2
  fi
  local generator=()
  command -v ninja >/dev/null 2>&1 && [ ! -f "$build/Makefile" ] && generator=(-G Ninja)
  if ! cmake -S "$fuzz_dir" -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++ \
    >"$build/configure.log" 2>&1; then
    cat "$build/configure.log" >&2
    echo "fuzz/run.sh: configuring $build failed" >&2
    exit 2
  fi
  # shellcheck disable=SC2086 # $targets is a list
  if ! cmake --build "$build" --parallel "${FUZZ_JOBS:-2}" --target $targets \
    >"$build/build.log" 2>&1; then
    tail -n 40 "$build/build.log" >&2
    echo "fuzz/run.sh: the build failed (log: $build/build.log)" >&2
    exit 2
  fi
}

# The value of libFuzzer's final statistic `name` in log `log`, or "?".
stat() {
  local v
  v=$(sed -n "s/^stat::$1: *//p" "$2" | tail -n 1)
  echo "${v:-?}"
}

# Runs one target; prints its line of the summary; returns non-zero on a finding.
run_target() {
  local name=$1 work=$build/run/$1
  local bin=$build/$name seeds=$fuzz_dir/corpus/$name dict=$fuzz_dir/dict/$name.dict
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "$seeds/." "$work/corpus/"
  local flags=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
               -artifact_prefix="$work/artifacts/")
  [ -f "$dict" ] && flags+=(-dict="$dict")
  # shellcheck disable=SC2207 # one word per flag
  flags+=($(target_flags "$name"))
  local seeds_count rc=0
  seeds_count=$(find "$seeds" -type f | wc -l)
  UBSAN_OPTIONS=print_stacktrace=1 "$bin" "${flags[@]}" "$work/corpus" >"$work.log" 2>&1 || rc=$?
  local execs rate found
  execs=$(stat number_of_executed_units "$work.log")
  rate=$(stat average_exec_per_sec "$work.log")
  printf '%-22s %12s %10s %7s -> %-7s' "$name" "$execs" "$rate" "$seeds_count" \
    "$(find "$work/corpus" -type f | wc -l)"
  found=$(find "$work/artifacts" -type f | head -n 1)
  if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
    echo " ok"
    return 0
  fi
  echo " FOUND (exit $rc)"
  echo "  log: $work.log"
  [ -n "$found" ] && echo "  reproducer: $found"$'\n'"  rerun: $bin $found"
  grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz property broken|.*runtime error)' "$work.log" |
    sed 's/^/  /' || true
  return 1
}

# One run at a time per build directory (make fuzz and make test may overlap).
mkdir -p "$build"
exec 9>"$build/.run.lock"
flock 9
build_targets
echo "fuzzing each target for ${seconds}s (logs and grown corpora in $build/run/)"
printf '%-22s %12s %10s %18s\n' target executions exec/s "corpus seeds->end"
failed=()
for t in $targets; do
  run_target "$t" || failed+=("$t")
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz/run.sh: findings in: ${failed[*]}" >&2
  exit 1
fi
