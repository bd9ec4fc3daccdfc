#!/usr/bin/env bash
# Builds the benchmarks in Release mode and prints their table.
# Usage: bench/run.sh [--runs N] [--only chain|fanout|map|validate]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DATELIER_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target atelier_bench -j"$(nproc)" >/dev/null
"$build/bench/atelier_bench" "$@"
