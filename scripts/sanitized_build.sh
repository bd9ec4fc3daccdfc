#!/usr/bin/env bash
# The sanitizer build: clang, AddressSanitizer + UndefinedBehaviorSanitizer, and libFuzzer's
# coverage instrumentation in every library, so that one build serves both the sanitized test
# suite (scripts/test.sh) and the fuzzers (scripts/fuzz.sh). -O1 with line tables: quick to build
# and to run, and every report's stack has file:line.
# Usage: scripts/sanitized_build.sh [DIR] [TARGET...]   (DIR default build-asan/, TARGET default all)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/build-asan}"
shift || true
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -gline-tables-only" -DATELIER_SANITIZE=ON -DATELIER_FUZZ=ON \
  -DATELIER_WERROR=ON -DATELIER_BUILD_BENCH=OFF >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
