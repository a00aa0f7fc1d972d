#!/usr/bin/env bash
# Realtime (WebSocket) benchmarks of issue 5 item 8. bench/ws/run.mjs (Node)
# creates users, rooms and tokens through the API and prints the tables; the
# connections are held by load generators on the same machine as the server —
# they share its cores:
#   fanout, throughput  tr_wsload, a C++ client (bench/wsload/, built with the
#                       release preset; Beast for senders, bare sockets read
#                       through io_uring for the fan-out's subscribers), so that
#                       reading 50,000 frames/s does not starve the server; the
#                       subscribers' thread polls (a core busy for the run) unless
#                       `BENCH_ARGS="--readers block"`; `BENCH_ARGS="--client node"`
#                       runs them in Node instead, as before, for comparison
#   idle, catchup       Node processes with npm `ws` (bench/ws/worker.mjs)
# A fresh server (Release build, temporary data folder) per scenario. Each
# scenario prints a markdown table with the server's RSS and CPU and `nproc`.
#
# Usage: bench/realtime.sh [--quick] [--no-build] [--postgres]
#                          [--scenarios idle,fanout,throughput,catchup] [-- SERVER_ARGS...]
#   --quick       scaled-down smoke run (1,000 idle connections, 100 subscribers for 5 s, ...)
#   --no-build    do not build; use the existing binary
#   --postgres    start a private, durable PostgreSQL (fsync on) and run against it
#   TR_DATABASE_URL=postgresql://...   run against that database instead of SQLite
#                 (set TR_ADMIN_PASSWORD to its admin's password if it has one already)
#   TR_BENCH_BINARY=path               another server binary (default build/release/task-reporter)
#   BENCH_ARGS="--connections 5000 ..." extra options for bench/ws/run.mjs
#   RUNS=3        repeat each scenario (fresh server each time) and take the median yourself
# Messages are rate-limited per user (SPEC); the fan-out (100 msg/s from one
# user) and throughput scenarios need that limit raised for the benchmark:
# pass the server's option after `--`, or it is added automatically when the
# server's --help lists --message-rate / --message-burst.
set -euo pipefail
. "$(dirname "$0")/common.sh"

quick=""
build=1
postgres=0
scenarios="idle,fanout,throughput,catchup"
server_args=()
while [ $# -gt 0 ]; do
  case "$1" in
  --quick) quick="--quick" ;;
  --no-build) build=0 ;;
  --postgres) postgres=1 ;;
  --scenarios) scenarios=$2; shift ;;
  --) shift; server_args=("$@"); break ;;
  *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done

[ "$build" -eq 1 ] && build_release
binary=${TR_BENCH_BINARY:-$bench_root/build/release/task-reporter}
[ -x "$binary" ] || { echo "error: no server binary at $binary (build the release preset, or set TR_BENCH_BINARY)" >&2; exit 1; }

# Many sockets on both ends.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
if [ "$(ulimit -n)" -lt 12000 ]; then
  echo "warning: ulimit -n is $(ulimit -n); 10,000 connections need more (run as root or raise the hard limit)" >&2
fi

if [ ! -d "$bench_root/bench/ws/node_modules/ws" ]; then
  (cd "$bench_root/bench/ws" && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d /tmp/tr-bench-rt.XXXXXX)
chmod 755 "$work"
SERVER_PID=""
PG_DIR=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# A private PostgreSQL with its durable defaults (fsync, synchronous_commit,
# full_page_writes all on) — unlike the test cluster, which turns them off.
if [ "$postgres" -eq 1 ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DIR=$work/pg
  mkdir -p "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
  as_pg "$pg_bin/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
  pg_port=$(free_port)
  as_pg "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start \
    -o "-p $pg_port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null ||
    { cat "$PG_DIR/server.log" >&2; exit 1; }
  as_pg psql -h "$PG_DIR" -p "$pg_port" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE tr LOGIN PASSWORD 'tr-bench-pass'" -c "CREATE DATABASE tr OWNER tr" >/dev/null
  as_pg psql -h "$PG_DIR" -p "$pg_port" -U postgres -d tr -q -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null
  export TR_DATABASE_URL="postgresql://tr:tr-bench-pass@127.0.0.1:$pg_port/tr"
fi
export TR_ADMIN_PASSWORD=${TR_ADMIN_PASSWORD:-bench-admin-password}
database=SQLite
case "${TR_DATABASE_URL:-}" in postgres*) database=PostgreSQL ;; esac

# The per-user message rate limit, raised for the load generators if the server offers it.
help=$("$binary" --help 2>&1 || true)
if [ ${#server_args[@]} -eq 0 ]; then
  grep -q -- '--message-rate' <<<"$help" && server_args+=(--message-rate 1000000)
  grep -q -- '--message-burst' <<<"$help" && server_args+=(--message-burst 1000000)
fi

# start_rt_server DATA_DIR: sets SERVER_PID and SERVER_URL.
start_rt_server() {
  local data=$1 port
  port=$(free_port)
  "$binary" --listen "127.0.0.1:$port" --data-dir "$data" --log-level warn "${server_args[@]}" >"$data/server.log" 2>&1 &
  SERVER_PID=$!
  SERVER_URL="http://127.0.0.1:$port"
  wait_for 30 "task-reporter" curl -sf "$SERVER_URL/healthz" || { tail -20 "$data/server.log" >&2; return 1; }
}

stop_rt_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

printf '\n## Realtime benchmarks\n\n'
printf -- '- %s cores (`nproc`); the load generators (fanout and throughput: C++, bench/wsload, unless BENCH_ARGS has `--client node`; idle and catchup: Node, bench/ws) run on the same machine and share them with the server.\n' "$(nproc)"
printf -- '- server: %s, database %s%s; server options: %s\n' "$(basename "$binary")" "$database" \
  "$([ "$postgres" -eq 1 ] && echo ' (private cluster, fsync on)')" "${server_args[*]:-(defaults)}"
printf -- '- %s run; CPU %% is of one core (200%% = both of 2 cores busy).\n' "$([ -n "$quick" ] && echo 'quick (scaled-down)' || echo 'full')"
printf -- '- machine speed before the runs: BM_VerifyAccessToken %s (bench/common.sh, machine_speed)\n' "$(machine_speed)"

status=0
IFS=, read -r -a list <<<"$scenarios"
runs=${RUNS:-1}
for scenario in "${list[@]}"; do
 for run in $(seq 1 "$runs"); do
  [ "$runs" -gt 1 ] && printf '\n(run %s of %s)\n' "$run" "$runs"
  data=$work/data-$scenario
  mkdir -p "$data"
  start_rt_server "$data"
  # shellcheck disable=SC2086
  if ! timeout 900 node "$bench_root/bench/ws/run.mjs" --url "$SERVER_URL" --pid "$SERVER_PID" --scenario "$scenario" \
    --database "$database" $quick ${BENCH_ARGS:-}; then
    echo "error: scenario $scenario failed; server log tail:" >&2
    tail -20 "$data/server.log" >&2
    status=1
  fi
  stop_rt_server
  rm -rf "$data"
 done
done
printf '\n- machine speed after the runs: BM_VerifyAccessToken %s\n' "$(machine_speed)"
exit $status
