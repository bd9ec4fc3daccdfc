#!/usr/bin/env bash
# Installs, builds, runs a demo workflow end to end on the embedded defaults (SQLite file, offline
# provider, no API key), then serves the web UI on that database at http://127.0.0.1:8080/.
# Leaves the database in demo/ and the outputs in demo/out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
scripts/build.sh "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DATELIER_BUILD_TESTS=OFF \
  -DATELIER_BUILD_BENCH=OFF >/dev/null
mkdir -p demo
fresh=yes
[ -f demo/atelier.db ] && fresh=no
bin="$root/build-release/atelier"
"$bin" validate templates/blog_article.json
"$bin" run templates/blog_article.json --db demo/atelier.db --out demo/out \
  --input topic="Growing tomatoes on a balcony" --input words=600
echo
echo "Open demo/out/article.md and demo/out/featured_image.png; the execution's history:"
"$bin" executions --db demo/atelier.db --limit 1
echo
# The server with the web UI on the same database. Its first start prints an admin key and a
# one-time sign-in link; on a later run of this script, a fresh admin key signs in instead.
if [ "$fresh" = no ]; then
  echo "Sign in to the web UI with this new admin key:"
  "$bin" keys create --db demo/atelier.db --workspace default --role admin --name demo
fi
echo "Serving the web UI at http://127.0.0.1:8080/ (Ctrl-C stops it)."
exec "$bin" serve --db demo/atelier.db --listen 127.0.0.1:8080
