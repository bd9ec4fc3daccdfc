#!/usr/bin/env bash
# The ThreadSanitizer run: builds the engine, server and crash tests (and the atelier binary that
# the crash tests kill and restart) with -fsanitize=thread into DIR (default build-tsan/), runs
# them two at a time, and fails when a test fails or when any process, the spawned servers
# included, reported a race: TSan writes every report to DIR/tsan-reports/ (log_path), so a report
# from a child process that a test never looks at still fails the run.
# Usage: scripts/tsan.sh [--build-only] [DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_only=0
if [ "${1:-}" = "--build-only" ]; then build_only=1; shift; fi
dir="${1:-$root/build-tsan}"

# The suites: the engine (unit, over SQLite and over memory, with its limits, maps and tweaks),
# the SQLite store (its writer and its pool of read connections), the HTTP server (unit, its
# transport and its limits on slow and greedy clients) and the server over loopback HTTP with its
# live streams and background runners, the processes by role (serve --workers 0, worker), and the
# tests that SIGKILL a process mid-run.
suites=(atelier_engine_tests tests/engine_integration_tests tests/engine_memory_tests
  tests/engine_limits_tests tests/map_items_tests tests/tweak_tests
  atelier_store_sqlite_tests atelier_server_tests tests/server_transport_tests
  tests/server_limits_tests tests/server_tests tests/automation_tests tests/crash_tests
  tests/server_crash_tests tests/worker_tests)
targets=(atelier)
for s in "${suites[@]}"; do targets+=("$(basename "$s")"); done

# clang (several times faster than g++ at this build), -O1 with line tables: every report's stack has
# file:line. The build type "Sanitize" compiles the test code itself at -O0 (CMakeLists.txt), as
# the ASan build does.
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -gline-tables-only" -DATELIER_TSAN=ON -DATELIER_WERROR=ON \
  -DATELIER_BUILD_BENCH=OFF >/dev/null
args=()
for t in "${targets[@]}"; do args+=(--target "$t"); done
cmake --build "$dir" -j"$(nproc)" "${args[@]}"
((build_only)) && exit 0

reports="$dir/tsan-reports"
logs="$dir/tsan-logs"
rm -rf "$reports" "$logs"
mkdir -p "$reports" "$logs"
# Environment for every process the tests start as well (the crash tests' servers inherit it).
export TSAN_OPTIONS="log_path=$reports/report:second_deadlock_stack=1:history_size=4:suppressions=$root/tests/tsan.supp"

run_suite() {
  local suite="$1" name
  name="$(basename "$suite")"
  if "$dir/$suite" --gtest_brief=1 >"$logs/$name.log" 2>&1; then
    echo "ok      $name ($(grep -Eo '[0-9]+ tests? from [0-9]+ test suites? ran. \([0-9]+ ms' "$logs/$name.log" | tail -n 1)))"
  else
    echo "FAILED  $name"
    tail -n 60 "$logs/$name.log"
    return 1
  fi
}
export -f run_suite
export dir logs
status=0
printf '%s\n' "${suites[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run_suite {}' || status=1

shopt -s nullglob
found=("$reports"/report*)
if ((${#found[@]})); then
  echo "ThreadSanitizer reported in ${#found[@]} process(es):" >&2
  for f in "${found[@]}"; do
    echo "---- $f" >&2
    head -n 80 "$f" >&2
  done
  status=1
fi
((status == 0)) && echo "ThreadSanitizer: no race reported"
exit "$status"
