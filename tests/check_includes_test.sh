#!/usr/bin/env bash
# scripts/check_includes.sh passes on the repository and fails, naming each line, on a tree that
# breaks the layering.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/check_includes.sh" "$root" >/dev/null

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/engine" "$tmp/src/core" "$tmp/include/atelier/core"
printf '#include <curl/curl.h>\n#include "atelier/store/store.h"\n' >"$tmp/src/engine/fetch.cc"
printf '#include <string>\n  #  include "store/sqlite/sqlite_store.h"\n' >"$tmp/src/engine/recover.cc"
printf '#include "atelier/engine/records.h"\n' >"$tmp/include/atelier/core/model.h"
printf '#include <httplib.h>\n' >"$tmp/src/core/render.cc"
printf '#include "atelier/api/records_json.h"\n' >"$tmp/src/engine/report.cc"
mkdir -p "$tmp/src/core/parts" && : >"$tmp/src/core/parts/list.inc"
printf '#include "parts/list.inc"\n' >"$tmp/src/core/catalogue.cc"
mkdir -p "$tmp/src/server" "$tmp/src/engine"
printf '#include "store/sqlite/sqlite_impl.h"\n#include "atelier/app/app.h"\n' >"$tmp/src/server/routes.cc"
printf '#include "atelier/engine/records.h"\n#include "atelier/app/app.h"\n' >"$tmp/src/engine/loop.cc"
set +e
out="$("$root/scripts/check_includes.sh" "$tmp" 2>&1)"
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc: $out"; exit 1; }
for want in "src/engine/fetch.cc:1:" "src/engine/recover.cc:2:" "include/atelier/core/model.h:1:" \
            "src/core/render.cc:1:" "src/server/routes.cc:1:" "src/engine/loop.cc:2:" \
            "src/engine/report.cc:1:"; do
  grep -qF "$want" <<<"$out" || { echo "missing $want in: $out"; exit 1; }
done
if grep -qE "fetch.cc:2:|routes.cc:2:|loop.cc:1:|catalogue.cc" <<<"$out"; then echo "the engine may include its own headers: $out"; exit 1; fi
echo "ok"
