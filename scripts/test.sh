#!/usr/bin/env bash
# The whole test suite: installs what is needed, builds with warnings as errors, runs every test,
# then builds and runs the tests again under AddressSanitizer + UndefinedBehaviorSanitizer, and
# runs each fuzzer (fuzz/, clang) for a short fixed time from its seed corpus.
# Usage: scripts/test.sh [--no-sanitizers]   (skips both the ASan suite and the fuzzers)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
jobs="$(nproc)"

echo "== include boundaries"
scripts/check_includes.sh

echo "== build (RelWithDebInfo, -Werror)"
scripts/build.sh "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATELIER_WERROR=ON -DATELIER_BUILD_BENCH=ON
echo "== PostgreSQL test server"
# A throwaway cluster (its own folder, 127.0.0.1, a free port) for the PostgreSQL store's tests,
# stopped by its PID when this script ends, however it ends. Its folder is under /tmp so that the
# postgres user can reach it when this runs as root.
pg_dir="$(mktemp -d /tmp/atelier-pg.XXXXXX)"
chmod 755 "$pg_dir"
trap 'scripts/pg_test_server.sh stop "$pg_dir"' EXIT
ATELIER_TEST_PG_URL="$(scripts/pg_test_server.sh start "$pg_dir")"
export ATELIER_TEST_PG_URL
# The tests below run with CI set: a PostgreSQL test that finds no server fails instead of skipping.

echo "== tests"
CI="${CI:-true}" ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

echo "== kill campaign: SIGKILL the server 20 times under load, then check every invariant"
node scripts/kill_campaign.mjs --bin "$root/build/atelier" --kills 20 --executions 24

echo "== atelier mcp under the official MCP client SDK"
(
  cd "$root/tests/mcp"
  [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] ||
    npm ci --no-audit --no-fund --loglevel=error
  ATELIER_BIN="$root/build/atelier" node mcp_client_test.mjs
)

echo "== web UI: type check, unit tests, API types against the server's OpenAPI document"
(
  cd "$root/web"
  [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] ||
    npm ci --no-audit --no-fund --loglevel=error
  npm run --silent typecheck
  npm test --silent
  ATELIER_BIN="$root/build/atelier" npm run --silent check:api
  echo "== web UI in Chromium against atelier serve"
  ATELIER_BIN="$root/build/atelier" npm run --silent e2e
)

if [ "${1:-}" != "--no-sanitizers" ]; then
  echo "== build (ASan + UBSan)"
  scripts/build.sh "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DATELIER_WERROR=ON \
    -DATELIER_SANITIZE=ON -DATELIER_BUILD_BENCH=OFF
  echo "== tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" CI="${CI:-true}" ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"
  echo "== fuzzers (ASan + UBSan, ${ATELIER_FUZZ_SECONDS:-45} s each; fails on any finding)"
  scripts/fuzz.sh --seconds "${ATELIER_FUZZ_SECONDS:-45}"
fi
