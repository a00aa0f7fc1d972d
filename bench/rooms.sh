#!/usr/bin/env bash
# Incident rooms benchmark (issue 4, item 9), SQLite, wrk with a Lua script
# that sends the Authorization header; median of RUNS runs each.
#  - list:   GET /api/rooms?limit=50 for a user who belongs to 100 of 10,000 rooms
#            (target >= 15,000 req/s, p99 <= 5 ms on 2 cores); lists are cached
#            until something changes, so it runs once more while 20 messages/s
#            arrive in one of the user's rooms (each one rebuilds the lists);
#  - search: GET /api/rooms?all=true&limit=50&q=... over 100,000 rooms as an
#            admin, for queries from rare to common, Chinese and English, and
#            one of two characters (target p99 <= 20 ms); every request is
#            made distinct, so none is answered from the cache.
# Data: users through the API, rooms straight into the database with
# bench/rooms_seed.py (deterministic), the search index filled by the
# schema's triggers. wrk shares the machine's cores with the server.
# The list runs with CONNECTIONS connections (throughput); search with
# SEARCH_CONNECTIONS (latency of a search while others search too).
# Usage: bench/rooms.sh [SECONDS=10] [RUNS=3] [CONNECTIONS=32] [SEARCH_CONNECTIONS=2]
#        TR_BINARY=path/to/task-reporter bench/rooms.sh ...   (skip the build)
set -euo pipefail
. "$(dirname "$0")/common.sh"
seconds=${1:-10}
runs=${2:-3}
conns=${3:-32}
search_conns=${4:-2}

if [ -n "${TR_BINARY:-}" ]; then
  binary=$TR_BINARY
else
  build_release
  binary=$bench_root/build/release/task-reporter
fi

work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
admin_password=bench-admin-password

# start DATA_DIR: like common.sh's start_server, for $binary.
start() {
  local port
  port=$(free_port)
  TR_ADMIN_PASSWORD=$admin_password "$binary" --listen "127.0.0.1:$port" --data-dir "$1" \
    --log-level warn >>"$1/server.log" 2>&1 &
  SERVER_PID=$!
  SERVER_URL="http://127.0.0.1:$port"
  wait_for 30 "task-reporter" curl -sf "$SERVER_URL/healthz"
}

json_field() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$1"; }

login() {  # USER PASSWORD -> the login response
  curl -sf -X POST "$SERVER_URL/api/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}"
}

# seed DATA_DIR ROOMS MEMBER_ROOMS: a server data folder with ROOMS rooms owned
# by `admin`, MEMBER_ROOMS of which also have the user `bench`.
seed() {
  local data=$1 rooms=$2 member_rooms=$3
  mkdir -p "$data"
  start "$data"
  local admin admin_token admin_id bench_id
  admin=$(login admin "$admin_password")
  admin_token=$(json_field access_token <<<"$admin")
  admin_id=$(json_field user.user_id <<<"$admin")
  bench_id=$(curl -sf -X POST "$SERVER_URL/api/admin/users" -H 'content-type: application/json' \
    -H "authorization: Bearer $admin_token" \
    -d '{"username":"bench","password":"bench-password","display_name":"壓測帳號"}' |
    json_field user_id)
  stop_server
  python3 "$bench_root/bench/rooms_seed.py" "$data/task-reporter.db" "$rooms" "$admin_id" \
    "$bench_id" "$member_rooms" >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure NAME PATH TOKEN CONNECTIONS [uncached]: one table row, median of
# $runs wrk runs. With "uncached" every request carries a parameter of its own
# (ignored by the server), so no answer comes from the server's list cache.
measure() {
  local name=$1 path=$2 token=$3 connections=$4 uncached=${5:-} results=()
  printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" >"$work/auth.lua"
  if [ "$uncached" = uncached ]; then
    cat >>"$work/auth.lua" <<'LUA'
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "&uncached=" .. tid .. "-" .. n)
end
LUA
  fi
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" "$SERVER_URL$path")
  if [ "$status" != 200 ]; then echo "error: $path answered $status" >&2; exit 1; fi
  for _ in $(seq 1 "$runs"); do
    results+=("$(wrk_run "$SERVER_URL$path" "$seconds" "$connections" -s "$work/auth.lua")")
  done
  local rps p50 p99 total
  rps=$(printf '%s\n' "${results[@]}" | awk '{print $1}' | median)
  p50=$(printf '%s\n' "${results[@]}" | awk '{print $2}' | median)
  p99=$(printf '%s\n' "${results[@]}" | awk '{print $3}' | median)
  total=$(curl -s -H "authorization: Bearer $token" "$SERVER_URL$path" | json_field total)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$total" "$connections" "$rps" "$p50" "$p99"
}

urlq() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

printf '\n%s cores, wrk -t2, %ss x %s runs (median), wrk on the same machine, SQLite\n\n' \
  "$(nproc)" "$seconds" "$runs"
printf '| request | matching rooms | connections | requests/s | p50 ms | p99 ms |\n'
printf '|---|---:|---:|---:|---:|---:|\n'

# List: 100 of 10,000 rooms.
seed "$work/list" 10000 100
start "$work/list"
token=$(login bench bench-password | json_field access_token)
measure "list: 100 of 10,000 rooms, limit=50" "/api/rooms?limit=50" "$token" "$conns"
measure "list: same, sort=severity&status=active" "/api/rooms?limit=50&sort=severity&status=active" "$token" "$conns"
measure "list: 100 of 10,000 rooms, limit=50, uncached" "/api/rooms?limit=50" "$token" "$conns" \
  uncached
# The same list while messages arrive in one of the user's rooms, 20 a second:
# each one changes the lists (last_seq, unread_count), so cached lists are
# rebuilt after every message.
busy_room=$(curl -sf -H "authorization: Bearer $token" "$SERVER_URL/api/rooms?limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["room_id"])')
(
  while :; do
    curl -sf -o /dev/null -X POST "$SERVER_URL/api/rooms/$busy_room/messages" \
      -H 'content-type: application/json' -H "authorization: Bearer $token" \
      -d '{"content":"bench: line still down"}' || true
    sleep 0.05
  done
) &
poster=$!
measure "list: 100 of 10,000 rooms, limit=50, 20 messages/s arriving" "/api/rooms?limit=50" \
  "$token" "$conns"
kill "$poster"
wait "$poster" 2>/dev/null || true
list_rss=$(peak_rss_kb "$SERVER_PID")
stop_server

# Search: 100,000 rooms, as an admin over all of them.
seed "$work/search" 100000 1000
start "$work/search"
token=$(login admin "$admin_password" | json_field access_token)
for q in "EQ-00423" "Line 3 / B棟" "沖壓機 卡料" "沖壓機" "overheat" "卡料"; do
  measure "search all: q=\"$q\"" "/api/rooms?all=true&limit=50&q=$(urlq "$q")" "$token" \
    "$search_conns" uncached
done
member_token=$(login bench bench-password | json_field access_token)
measure "search own 1,000 rooms: q=\"沖壓機\"" "/api/rooms?limit=50&q=$(urlq 沖壓機)" "$member_token" \
  "$search_conns" uncached
search_rss=$(peak_rss_kb "$SERVER_PID")
db_mb=$(du -m "$work/search/task-reporter.db" | awk '{print $1}')
stop_server

awk -v a="$list_rss" -v b="$search_rss" -v db="$db_mb" 'BEGIN {
  printf "\n| server | MB |\n|---|---:|\n| peak RSS, list (10,000 rooms) | %.1f |\n", a / 1024
  printf "| peak RSS, search (100,000 rooms) | %.1f |\n| database file, 100,000 rooms | %d |\n", b / 1024, db }'
