#!/usr/bin/env bash
# Builds the benchmarks in Release mode and prints their table.
# Usage: bench/run.sh [--runs N] [--only chain|fanout|map|validate]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DATELIER_BUILD_TESTS=OFF >/dev/null
# The build's output goes to a log (GCC 12 prints false -Wrestrict warnings in Release builds);
# it is shown only when the build fails.
if ! cmake --build "$build" --target atelier_bench -j"$(nproc)" >"$build/build.log" 2>&1; then
  cat "$build/build.log" >&2
  exit 1
fi
"$build/bench/atelier_bench" "$@"
