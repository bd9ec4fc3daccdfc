#!/usr/bin/env bash
# The scale-out benchmark: 1, 2 and 4 `atelier worker` processes (Release build) on a throwaway
# PostgreSQL 15 cluster with its durable defaults (fsync and synchronous_commit on), each figure
# beside pgbench's floor for the same writes measured in the same run (bench/pg_bench.cc says
# what is measured). Prints a table.
# Usage: bench/pg.sh [--runs N] [--workers 1,2,4] [--only chain|fanout] [--build DIR]
#   --build DIR: use the binaries already built in DIR instead of building build-bench/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
prebuilt=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs|--workers|--only) args+=("$1" "$2"); shift 2 ;;
    --build) build="$(cd "$2" && pwd)"; prebuilt=1; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--workers 1,2,4] [--only chain|fanout] [--build DIR]" >&2
       exit 64 ;;
  esac
done
if [ -z "$prebuilt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DATELIER_BUILD_TESTS=OFF \
    -DATELIER_BUILD_BENCH=ON >/dev/null
  # The build's output goes to a log (GCC 12 prints false -Wrestrict warnings in Release builds).
  if ! cmake --build "$build" --target atelier atelier_pg_bench -j"$(nproc)" >"$build/build.log" 2>&1; then
    cat "$build/build.log" >&2
    exit 1
  fi
fi
# The cluster's folder must be reachable by the postgres user when this runs as root.
pg="$(mktemp -d /tmp/atelier-pg-bench.XXXXXX)"
chmod 755 "$pg"
trap '"$root/scripts/pg_test_server.sh" stop "$pg"' EXIT
url="$("$root/scripts/pg_test_server.sh" start "$pg" --durable)"
"$build/bench/atelier_pg_bench" --url "$url" --atelier "$build/atelier" "${args[@]}"
