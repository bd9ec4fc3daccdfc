#!/usr/bin/env bash
# The layering the build does not yet enforce by itself: `core` (model, graph, validation; no I/O)
# and `engine` include no database, HTTP or curl header and no other module's private folder;
# `core` includes nothing of `engine`. Prints every offending line as FILE:LINE: TEXT and exits 1
# when there is one, 0 otherwise.
# Usage: scripts/check_includes.sh [ROOT]   (ROOT defaults to the repository)
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

# Headers of SQLite, libpq/libpqxx, curl, cpp-httplib, Boost.Asio/Beast, and the modules above
# the engine (their folders under src/; `api`, the rendering of records for clients, also under
# include/atelier/api/).
io='(sqlite3\.h|SQLiteCpp/|libpq-fe\.h|pqxx/|curl/|httplib\.h|boost/(asio|beast)|"(store|server|providers|nodes|blob|app|cli|api)/|"atelier/api/)'
engine='"(atelier/)?engine/'

status=0
check() {  # FOLDER... -- PATTERN WHY
  local pattern="$1" why="$2"
  shift 2
  local found
  found="$(grep -rnE --include='*.h' --include='*.cc' "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]?.*$pattern" "$@" 2>/dev/null || true)"
  if [ -n "$found" ]; then
    echo "$found" | sed "s|\$|   <- $why|"
    status=1
  fi
}
layers=()
for d in src/core include/atelier/core src/engine include/atelier/engine; do
  [ -d "$d" ] && layers+=("$d")
done
check "$io" "core and engine include no I/O library or higher module" "${layers[@]}"
core=()
for d in src/core include/atelier/core; do [ -d "$d" ] && core+=("$d"); done
check "$engine" "core includes nothing of the engine" "${core[@]}"
if [ "$status" -ne 0 ]; then
  echo "include check: layering broken (see docs/architecture.md)" >&2
else
  echo "include check: core and engine are clean"
fi
exit "$status"
