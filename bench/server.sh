#!/usr/bin/env bash
# Benchmarks `atelier serve` (Release build) and prints a table, every figure the median of
# --runs runs against one server:
#   - GET /healthz with 64 concurrent connections (wrk, from Debian): the floor of this server and
#     machine, a route that touches no database;
#   - GET of an execution's status with 64 concurrent connections: requests per second, p99
#     latency, and its ratio to the /healthz rate measured in the same run;
#   - 1,000 concurrent SSE subscribers on one running execution, each receiving every event:
#     p99 delay from commit to delivery;
#   - 10,000 idle SSE subscribers held at once: the server's resident memory per subscriber
#     (RSS after connecting them minus before, divided) and its thread count.
# Usage: bench/server.sh [--runs N] [--subscribers N] [--idle N] [--seconds S] [--build DIR]
#   --build DIR: use the binaries already built in DIR instead of building build-bench/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
prebuilt=""
runs=3 subscribers=1000 idle=10000 seconds=10
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --subscribers) subscribers="$2"; shift 2 ;;
    --idle) idle="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --build) build="$(cd "$2" && pwd)"; prebuilt=1; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--subscribers N] [--idle N] [--seconds S] [--build DIR]" >&2
       exit 64 ;;
  esac
done

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [ -z "$prebuilt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DATELIER_BUILD_TESTS=OFF \
    -DATELIER_BUILD_BENCH=ON >/dev/null
  if ! cmake --build "$build" --target atelier atelier_sse_bench -j"$(nproc)" >"$build/build.log" 2>&1; then
    cat "$build/build.log" >&2
    exit 1
  fi
fi

# Every subscriber is a file descriptor in the client and one in the server (each its own process).
need=$(((idle > subscribers ? idle : subscribers) + 1024))
ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  echo "warning: the open-file limit is $(ulimit -n) (hard $(ulimit -Hn)); $need are needed for" \
    "$idle idle subscribers" >&2
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# All subscribers come from one address: allow them.
cap=$(((idle > subscribers ? idle : subscribers) + 100))
"$build/atelier" serve --db "$tmp/atelier.db" --listen 127.0.0.1:0 \
  --max-connections $((cap + 100)) --max-connections-per-client "$cap" \
  --max-unauthenticated-per-client "$cap" >"$tmp/serve.out" 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 1 500); do grep -q "listening on" "$tmp/serve.out" && break; sleep 0.02; done
port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/serve.out")"
key="$(grep -o 'atl_[0-9a-f]*' "$tmp/serve.out" | head -1)"
[ -n "$port" ] && [ -n "$key" ] || { cat "$tmp/serve.out" "$tmp/serve.log" >&2; exit 1; }

# wrk prints latencies with units (850.00us, 1.20ms, 1.01s): convert to ms.
to_ms() { for v in "$@"; do echo "$v" | awk '/us$/ {sub("us",""); print $1/1000; next}
  /ms$/ {sub("ms",""); print $1; next} /s$/ {sub("s",""); print $1*1000}'; done; }
# Requests per second and p99 (ms) of `wrk -t2 -c64` on a URL.
load() {
  local w
  w="$(wrk -t2 -c64 -d"${seconds}s" --latency -H "Authorization: Bearer $key" "$1")"
  echo "$(echo "$w" | awk '/Requests\/sec/ {print $2}') $(to_ms "$(echo "$w" | awk '$1 == "99%" {print $2}')")"
}

hz=() hzp99=() rps=() p99=() ratio=() sse=() complete=()
for _ in $(seq 1 "$runs"); do
  out="$("$build/bench/atelier_sse_bench" --port "$port" --key "$key" --subscribers "$subscribers")" || {
    echo "$out" >&2; echo "SSE run failed" >&2; exit 1; }
  sse+=("$(echo "$out" | sed -n 's/.*"delay_ms_p99":\([0-9-]*\).*/\1/p')")
  complete+=("$(echo "$out" | sed -n 's/.*"subscribers_with_every_event":\([0-9]*\).*/\1/p')")
  id="$(echo "$out" | sed -n 's/.*"execution_id":"\([^"]*\)".*/\1/p')"
  read -r h hp < <(load "http://127.0.0.1:$port/healthz")
  read -r r rp < <(load "http://127.0.0.1:$port/api/v1/executions/$id")
  hz+=("$h") hzp99+=("$hp") rps+=("$r") p99+=("$rp")
  ratio+=("$(awk -v a="$r" -v b="$h" 'BEGIN {printf "%.3f", a / b}')")
done
idle_out="$("$build/bench/atelier_sse_bench" --port "$port" --key "$key" --idle "$idle" \
  --server-pid "$pid")" || { echo "$idle_out" >&2; echo "idle run failed" >&2; exit 1; }
field() { echo "$idle_out" | sed -n "s/.*\"$1\":\([0-9.-]*\).*/\1/p"; }

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
row() {  # label unit values...
  local label="$1" unit="$2"; shift 2
  printf '%-56s %10s %10s %10s %-8s\n' "$label" "$(median "$@")" \
    "$(printf '%s\n' "$@" | sort -g | head -1)" "$(printf '%s\n' "$@" | sort -g | tail -1)" "$unit"
}
printf '%-56s %10s %10s %10s %-8s\n' benchmark median min max unit
row "GET /healthz, 64 connections (floor)" "req/s" "${hz[@]}"
row "GET /healthz, 64 connections: p99" "ms" "${hzp99[@]}"
row "GET execution status, 64 connections" "req/s" "${rps[@]}"
row "GET execution status, 64 connections: p99" "ms" "${p99[@]}"
row "GET execution status / healthz (same run)" "ratio" "${ratio[@]}"
row "$subscribers SSE subscribers, commit to delivery: p99" "ms" "${sse[@]}"
row "$(field idle_subscribers) idle SSE subscribers: server RSS per subscriber" "bytes" \
  "$(field bytes_per_subscriber)"
row "$(field idle_subscribers) idle SSE subscribers: server threads" "threads" \
  "$(field server_threads)"
printf '\n%s runs; subscribers that received every event, per run: %s of %s; %s cores\n' \
  "$runs" "${complete[*]}" "$subscribers" "$(nproc)"
printf 'idle subscribers: RSS %s kB before, %s kB with them connected (one run)\n' \
  "$(field rss_before_kb)" "$(field rss_after_kb)"
