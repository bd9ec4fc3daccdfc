#!/usr/bin/env bash
# Installs the Debian packages Atelier builds with (Debian 12). Skips apt when all are present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev libfmt-dev libcli11-dev libexpected-dev
  libkainjow-mustache-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev zlib1g-dev
  libcurl4-openssl-dev libcpp-httplib-dev liblua5.4-dev libzip-dev libboost-dev
  # Schedules' cron times in IANA time zones: Howard Hinnant's date library over the system's
  # tz database (libstdc++ 12 has no std::chrono::tzdb).
  libhowardhinnant-date-dev tzdata
  # The PostgreSQL store: libpqxx to build it, PostgreSQL 15 for the throwaway test server
  # (scripts/pg_test_server.sh). python3 finds the server a free port.
  libpqxx-dev postgresql python3
  # The fuzzers (fuzz/, scripts/fuzz.sh) build with clang 14; libclang-rt-14-dev holds its
  # libFuzzer runtime (libclang_rt.fuzzer*.a) and the sanitizer runtimes.
  clang libclang-rt-14-dev
  # The web UI's browser tests drive Debian's Chromium (web/e2e/run.mjs).
  chromium
  # The export node's DOCX test renders through LibreOffice and reads the PDF's text back.
  libreoffice-writer-nogui poppler-utils fonts-dejavu-core
)
# The web UI (web/) builds with Node.js (18 or later) and npm. A Node.js from elsewhere (one that
# bundles npm) is kept: Debian's npm package would conflict with it.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
