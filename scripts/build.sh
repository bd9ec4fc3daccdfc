#!/usr/bin/env bash
# Configures and builds into DIR (default build/) with extra CMake arguments.
# Usage: scripts/build.sh [DIR] [-DOPTION=VALUE ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/build}"
shift || true
cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
