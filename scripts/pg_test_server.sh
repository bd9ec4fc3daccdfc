#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests: its own data folder, listening on 127.0.0.1 on
# a free port, its unix socket in its own folder, trust authentication for the test user.
#
#   scripts/pg_test_server.sh start DIR [--durable]
#                                         initdb DIR/data and start; prints the URL on stdout
#                                         (also written to DIR/url; the server's PID to DIR/pid).
#                                         Without --durable, fsync, synchronous_commit and full-page
#                                         writes are off (tests, not a crash of the machine); with
#                                         it, PostgreSQL's defaults (the benchmarks, bench/pg.sh)
#   scripts/pg_test_server.sh restart DIR stops the server started in DIR at once (immediate mode:
#                                         as if it crashed; it recovers from its WAL) and starts it
#                                         again on the same port with the same settings
#   scripts/pg_test_server.sh stop DIR    stops the server started in DIR (by its PID) and
#                                         removes DIR
#
# initdb refuses to run as root: as root the cluster runs as the `postgres` user (runuser), and
# DIR must then be a folder that user can reach (mktemp -d under /tmp is).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd="${1:-}"
dir="${2:-}"
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
usage="usage: $0 start DIR [--durable] | restart DIR | stop DIR"
shift $(($# < 2 ? $# : 2))
while [ $# -gt 0 ]; do
  case "$1" in
    --durable) durability="" ;;
    *) echo "$0: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "$usage" >&2
  exit 2
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$cmd" in
  start)
    if [ ! -x "$bin/initdb" ]; then
      echo "$0: PostgreSQL 15 is not installed ($bin/initdb missing; scripts/setup.sh installs it)" >&2
      exit 1
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    mkdir -p "$dir/data" "$dir/socket"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U atelier --auth=trust --encoding=UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # A port can be taken between choosing it and binding it: try a few.
    for attempt in 1 2 3 4 5; do
      port="$(free_port)"
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c max_connections=200 $durability" \
        >/dev/null 2>&1; then
        break
      fi
      if [ "$attempt" -eq 5 ]; then
        cat "$dir/server.log" >&2
        exit 1
      fi
    done
    head -1 "$dir/data/postmaster.pid" >"$dir/pid"
    url="postgresql://atelier@127.0.0.1:$port/atelier_test"
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U atelier atelier_test
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
  restart)
    [ -f "$dir/pid" ] || { echo "$0: no server was started in $dir" >&2; exit 1; }
    dir="$(cd "$dir" && pwd)"
    # pg_ctl restart starts it again with the options it last started with (postmaster.opts).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -m immediate restart \
      >/dev/null 2>&1 || {
      tail -20 "$dir/server.log" >&2
      exit 1
    }
    head -1 "$dir/data/postmaster.pid" >"$dir/pid"
    ;;
  stop)
    [ -f "$dir/pid" ] || exit 0
    pid="$(cat "$dir/pid")"
    # SIGINT is PostgreSQL's fast shutdown; wait for that PID to be gone.
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
