#!/usr/bin/env bash
# Benchmarks `atelier serve` (Release build) and prints a table:
#   - GET of an execution's status with 64 concurrent connections (wrk, from Debian):
#     requests per second and p99 latency;
#   - 1,000 concurrent SSE subscribers on one running execution, each receiving every event:
#     p99 delay from commit to delivery.
# Usage: bench/server.sh [--runs N] [--subscribers N] [--seconds S]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
runs=3 subscribers=1000 seconds=10
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --subscribers) subscribers="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--subscribers N] [--seconds S]" >&2; exit 64 ;;
  esac
done

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DATELIER_BUILD_TESTS=OFF >/dev/null
if ! cmake --build "$build" --target atelier atelier_sse_bench -j"$(nproc)" >"$build/build.log" 2>&1; then
  cat "$build/build.log" >&2
  exit 1
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# All subscribers come from one address: allow them.
"$build/atelier" serve --db "$tmp/atelier.db" --listen 127.0.0.1:0 \
  --max-connections-per-client $((subscribers + 100)) \
  --max-unauthenticated-per-client $((subscribers + 100)) >"$tmp/serve.out" 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 1 500); do grep -q "listening on" "$tmp/serve.out" && break; sleep 0.02; done
port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/serve.out")"
key="$(grep -o 'atl_[0-9a-f]*' "$tmp/serve.out" | head -1)"
[ -n "$port" ] && [ -n "$key" ] || { cat "$tmp/serve.out" "$tmp/serve.log" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

rps=() p99=() sse=() complete=()
for _ in $(seq 1 "$runs"); do
  out="$("$build/bench/atelier_sse_bench" --port "$port" --key "$key" --subscribers "$subscribers")" || {
    echo "$out" >&2; echo "SSE run failed" >&2; exit 1; }
  sse+=("$(echo "$out" | sed -n 's/.*"delay_ms_p99":\([0-9-]*\).*/\1/p')")
  complete+=("$(echo "$out" | sed -n 's/.*"subscribers_with_every_event":\([0-9]*\).*/\1/p')")
  id="$(echo "$out" | sed -n 's/.*"execution_id":"\([^"]*\)".*/\1/p')"
  w="$(wrk -t2 -c64 -d"${seconds}s" --latency -H "Authorization: Bearer $key" \
        "http://127.0.0.1:$port/api/v1/executions/$id")"
  rps+=("$(echo "$w" | awk '/Requests\/sec/ {print $2}')")
  p99+=("$(echo "$w" | awk '$1 == "99%" {print $2}')")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# wrk prints latencies with units (850.00us, 1.20ms, 1.01s): convert to ms.
to_ms() { for v in "$@"; do echo "$v" | awk '/us$/ {sub("us",""); print $1/1000; next}
  /ms$/ {sub("ms",""); print $1; next} /s$/ {sub("s",""); print $1*1000}'; done; }
mapfile -t p99ms < <(to_ms "${p99[@]}")
printf '%-52s %10s %10s %10s %-8s\n' benchmark median min max unit
printf '%-52s %10s %10s %10s %-8s\n' "GET execution status, 64 connections" \
  "$(median "${rps[@]}")" "$(printf '%s\n' "${rps[@]}" | sort -g | head -1)" \
  "$(printf '%s\n' "${rps[@]}" | sort -g | tail -1)" "req/s"
printf '%-52s %10s %10s %10s %-8s\n' "GET execution status, 64 connections: p99" \
  "$(median "${p99ms[@]}")" "$(printf '%s\n' "${p99ms[@]}" | sort -g | head -1)" \
  "$(printf '%s\n' "${p99ms[@]}" | sort -g | tail -1)" "ms"
printf '%-52s %10s %10s %10s %-8s\n' "$subscribers SSE subscribers, commit to delivery: p99" \
  "$(median "${sse[@]}")" "$(printf '%s\n' "${sse[@]}" | sort -g | head -1)" \
  "$(printf '%s\n' "${sse[@]}" | sort -g | tail -1)" "ms"
printf '\n%s runs; subscribers that received every event, per run: %s of %s; %s cores\n' \
  "$runs" "${complete[*]}" "$subscribers" "$(nproc)"
