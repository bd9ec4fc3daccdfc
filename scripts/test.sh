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
echo "== tests"
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

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
    ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"
  echo "== fuzzers (ASan + UBSan, ${ATELIER_FUZZ_SECONDS:-45} s each; fails on any finding)"
  scripts/fuzz.sh --seconds "${ATELIER_FUZZ_SECONDS:-45}"
fi
