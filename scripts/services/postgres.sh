#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for tests, in DIR, on a free port of 127.0.0.1.
#   postgres.sh start DIR   prints `export TR_TEST_PG_URL=postgresql://...`
#   postgres.sh stop DIR
# initdb refuses root, so the cluster runs as the `postgres` user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

cmd=${1:?usage: postgres.sh start|stop DIR}
dir=${2:?usage: postgres.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  mkdir -p "$dir/pg"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir/pg"
  as_pg "$bin/initdb" -D "$dir/pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/pg/initdb.log" 2>&1 ||
    { cat "$dir/pg/initdb.log" >&2; exit 1; }
  port=$(free_port)
  as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 30 start \
    -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null || { cat "$dir/pg/server.log" >&2; exit 1; }
  as_pg psql -h "$dir/pg" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE tr LOGIN PASSWORD 'tr-test-pass'" -c "CREATE DATABASE tr OWNER tr" >/dev/null
  as_pg psql -h "$dir/pg" -p "$port" -U postgres -d tr -q -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null
  echo "$port" >"$dir/pg/port"
  echo "export TR_TEST_PG_URL=postgresql://tr:tr-test-pass@127.0.0.1:$port/tr"
  echo "export TR_TEST_PG_ADMIN='psql -h $dir/pg -p $port -U postgres'"
  ;;
stop)
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  ;;
*) echo "usage: postgres.sh start|stop DIR" >&2; exit 2 ;;
esac
