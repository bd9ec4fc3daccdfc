#!/usr/bin/env bash
# Installs, builds, and runs a demo workflow end to end on the embedded defaults (SQLite file,
# offline provider, no API key). Leaves the database in demo/ and the outputs in demo/out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
scripts/build.sh "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DATELIER_BUILD_TESTS=OFF \
  -DATELIER_BUILD_BENCH=OFF >/dev/null
mkdir -p demo
bin="$root/build-release/atelier"
"$bin" validate templates/blog_article.json
"$bin" run templates/blog_article.json --db demo/atelier.db --out demo/out \
  --input topic="Growing tomatoes on a balcony" --input words=600
echo
echo "Open demo/out/article.md and demo/out/featured_image.png; the execution's history:"
"$bin" executions --db demo/atelier.db --limit 1
echo
echo "To watch and steer executions in the browser, serve the same database:"
echo "  $bin serve --db demo/atelier.db"
echo "It prints the web UI's address (http://127.0.0.1:8080/) and, on its first start, a one-time"
echo "sign-in link."
