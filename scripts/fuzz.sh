#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) in the sanitizer build (build-asan/, scripts/sanitized_build.sh:
# clang with ASan + UBSan) and runs each for a fixed time, one at a time, starting from its
# committed seed corpus (fuzz/corpus/TARGET/). Fails on the first finding: the crashing input is
# left in build-asan/artifacts/ (reproduce it with `build-asan/fuzz/fuzz_TARGET FILE`). New inputs
# the fuzzer finds go to build-asan/corpus/TARGET/; --merge adds those that reach new code to
# fuzz/corpus/TARGET/.
# Usage: scripts/fuzz.sh [--seconds N | --runs N] [--merge] [TARGET...]
#   TARGET: template render providers export router lua_patterns (default: all); --seconds: each
#   runs N seconds (default 60); --runs: each runs until it has tried N inputs (the long campaign:
#   --runs 10000000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=60
runs=0
merge=0
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(template render providers export router lua_patterns)
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "unknown target '$t' (one of: ${all[*]})" >&2; exit 2; }
done

build="$root/build-asan"
fuzzers=()
for t in "${targets[@]}"; do fuzzers+=("fuzz_$t"); done
nice "$root/scripts/sanitized_build.sh" "$build" "${fuzzers[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do
  limit=(-max_total_time="$seconds")
  if ((runs > 0)); then limit=(-runs="$runs"); echo "== fuzz_$t for $runs inputs"; else
    echo "== fuzz_$t for ${seconds} s"; fi
  work="$build/corpus/$t"
  mkdir -p "$work"
  dict=()
  [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
  # The router's App keeps worker and server threads that allocate between inputs, so libFuzzer's
  # per-input leak check (run whenever one input's mallocs and frees differ in number) fired on
  # most inputs and rescanned the heap each time: 100-400 inputs a second instead of 800-900.
  # LeakSanitizer still checks the whole run at exit.
  extra=()
  [ "$t" = router ] && extra=(-detect_leaks=0)
  # -timeout: one input running this long is a hang; -rss_limit_mb: unbounded memory is a finding.
  nice "$build/fuzz/fuzz_$t" "${limit[@]}" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "${dict[@]}" "${extra[@]}" \
    "$work" "$root/fuzz/corpus/$t" 2>"$build/fuzz_$t.log" ||
    { tail -n 80 "$build/fuzz_$t.log"; echo "fuzz_$t found a defect: see $build/artifacts/" >&2; exit 1; }
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$build/fuzz_$t.log" || true
  if ((merge)); then
    nice "$build/fuzz/fuzz_$t" -merge=1 "$root/fuzz/corpus/$t" "$work" 2>>"$build/fuzz_$t.log"
  fi
done
