#!/usr/bin/env bash
# The layering, checked where the compiler cannot. Every module's private headers sit in its own
# folder under src/ and are included by file name (no library target gets -I src, so another
# module's private folder does not even resolve); what other modules may use is under
# include/atelier/. Debian's system headers are on every target's path, so this script checks:
#   - `core` (model, graph, validation; no I/O) includes only atelier/core/ of the project;
#   - `engine` includes only atelier/core/, atelier/engine/ and the store contracts
#     (atelier/store/store.h, atelier/store/accounts.h, atelier/store/automations.h,
#     atelier/store/retention.h), never a backend;
#   - neither includes a header of SQLite, libpq/libpqxx, curl, cpp-httplib or Boost.Asio/Beast;
#   - no library source or public header includes a path into src/ ("store/sqlite/...").
# Prints every offending line as FILE:LINE: TEXT and exits 1 when there is one, 0 otherwise.
# Usage: scripts/check_includes.sh [ROOT]   (ROOT defaults to the repository)
set -eu
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*'
io='(sqlite3\.h|SQLiteCpp/|libpq-fe\.h|pqxx|curl/|httplib\.h|boost/(asio|beast))'
core=(src/core include/atelier/core)
engine=(src/engine include/atelier/engine include/atelier/store/store.h include/atelier/store/accounts.h
        include/atelier/store/automations.h include/atelier/store/retention.h)

includes() {  # PATTERN PATH...: the matching include lines as FILE:LINE: TEXT
  local pattern="$1" paths=()
  shift
  for p in "$@"; do [ -e "$p" ] && paths+=("$p"); done
  [ "${#paths[@]}" -eq 0 ] && return 0
  grep -rHnE --include='*.h' --include='*.cc' "$pattern" "${paths[@]}" 2>/dev/null || true
}
found=""
add() {  # WHY LINES
  [ -n "$2" ] && found+="$(sed "s|\$|   <- $1|" <<<"$2")"$'\n'
  return 0
}
add "core and engine include no database, HTTP or curl library" \
  "$(includes "$inc[<\"]$io" "${core[@]}" "${engine[@]}")"
add "core includes only atelier/core/ of the project" \
  "$(includes "$inc\"atelier/" "${core[@]}" | grep -v '"atelier/core/' || true)"
add "engine includes only core, engine and the store contracts" \
  "$(includes "$inc\"atelier/" "${engine[@]}" |
     grep -vE '"atelier/(core|engine)/|"atelier/store/(store|accounts|automations|retention)\.h"' || true)"
# A quoted path with a folder resolves either under include/ (atelier/...) or beside the file that
# includes it (a subfolder of its own module); anything else reaches into src/.
private=""
while IFS= read -r line; do
  file="${line%%:*}"
  path="$(sed -E 's/^[^"]*"([^"]+)".*$/\1/' <<<"${line#*:*:}")"
  [ -e "$(dirname "$file")/$path" ] || private+="$line"$'\n'
done < <(includes "$inc\"[A-Za-z0-9_]+/" src include | grep -v '"atelier/' | grep -v '_test\.cc:' || true)
add "a private folder under src/: include a header of include/atelier/, or by file name in its own folder" \
  "${private%$'\n'}"

if [ -n "$found" ]; then
  printf '%s' "$found"
  echo "include check: layering broken (see docs/architecture.md)" >&2
  exit 1
fi
echo "include check: the layers are clean"
