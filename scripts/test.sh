#!/usr/bin/env bash
# The whole test suite: installs what is needed, builds with warnings as errors, runs every test,
# then builds (clang) and runs the tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# the engine, server and crash tests under ThreadSanitizer, and runs each fuzzer (fuzz/, from the
# ASan build) for a short fixed time from its seed corpus.
# Usage: scripts/test.sh [--no-sanitizers]   (skips the ASan and TSan suites and the fuzzers)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Each phase's heading carries the minutes and seconds since the start: a slow phase shows in the log.
phase() { printf '== %s  [%d:%02d]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
scripts/setup.sh
jobs="$(nproc)"

phase "include boundaries"
scripts/check_includes.sh

phase "build (RelWithDebInfo, -Werror)"
# -g1: backtraces name functions, and the build takes a quarter less time than with -g.
scripts/build.sh "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DATELIER_WERROR=ON -DATELIER_BUILD_BENCH=ON
phase "PostgreSQL test server"
# A throwaway cluster (its own folder, 127.0.0.1, a free port) for the PostgreSQL store's tests,
# stopped by its PID when this script ends, however it ends. Its folder is under /tmp so that the
# postgres user can reach it when this runs as root.
pg_dir="$(mktemp -d /tmp/atelier-pg.XXXXXX)"
chmod 755 "$pg_dir"
trap 'scripts/pg_test_server.sh stop "$pg_dir"' EXIT
ATELIER_TEST_PG_URL="$(scripts/pg_test_server.sh start "$pg_dir")"
export ATELIER_TEST_PG_URL
# The tests below run with CI set: a PostgreSQL test that finds no server fails instead of skipping.

phase "tests"
CI="${CI:-true}" ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

phase "kill campaign: SIGKILL the server 20 times under load, then check every invariant"
node scripts/kill_campaign.mjs --bin "$root/build/atelier" --kills 20 --executions 24

phase "cluster chaos: 2 API servers and 3 workers on PostgreSQL; worker kills, cut connections, a restart"
node scripts/cluster_chaos.mjs --bin "$root/build/atelier" --executions 200 --kills 20

phase "atelier mcp under the official MCP client SDK"
(
  cd "$root/tests/mcp"
  [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] ||
    npm ci --no-audit --no-fund --loglevel=error
  ATELIER_BIN="$root/build/atelier" node mcp_client_test.mjs
)

phase "web UI: type check, unit tests, API types against the server's OpenAPI document"
(
  cd "$root/web"
  [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] ||
    npm ci --no-audit --no-fund --loglevel=error
  npm run --silent typecheck
  npm test --silent
  ATELIER_BIN="$root/build/atelier" npm run --silent check:api
  phase "web UI in Chromium against atelier serve"
  ATELIER_BIN="$root/build/atelier" npm run --silent e2e
)

if [ "${1:-}" != "--no-sanitizers" ]; then
  phase "build (clang: ASan + UBSan, with the fuzzers)"
  scripts/sanitized_build.sh "$root/build-asan"
  phase "tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" CI="${CI:-true}" ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"
  phase "build and run the engine, server and crash tests under ThreadSanitizer"
  CI="${CI:-true}" scripts/tsan.sh "$root/build-tsan"
  phase "fuzzers (ASan + UBSan, ${ATELIER_FUZZ_SECONDS:-45} s each; fails on any finding)"
  scripts/fuzz.sh --seconds "${ATELIER_FUZZ_SECONDS:-45}"
fi
phase "done"
