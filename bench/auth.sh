#!/usr/bin/env bash
# Authentication benchmark: wrk against GET /api/auth/me with a bearer token
# (token check + session lookup + user read on every request), and the
# token-verification micro-benchmark (Google Benchmark, one thread).
# Usage: bench/auth.sh [SECONDS=10] [CONNECTIONS=64]
set -euo pipefail
. "$(dirname "$0")/common.sh"
seconds=${1:-10}
conns=${2:-64}

build_release
data=$(mktemp -d)
trap 'stop_server; rm -rf "$data" "$data.lua"' EXIT
export TR_ADMIN_PASSWORD=bench-admin-password
start_server "$data"
token=$(curl -sf "$SERVER_URL/api/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"bench-admin-password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
cat >"$data.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA

printf '\n%s cores; wrk -t2 -c%s -d%ss on the same machine\n\n' "$(nproc)" "$conns" "$seconds"
printf '| endpoint | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n'
read -r rps p50 p99 < <(wrk_run "$SERVER_URL/api/auth/me" "$seconds" "$conns" -s "$data.lua")
printf '| GET /api/auth/me (authenticated) | %s | %s | %s |\n' "$rps" "$p50" "$p99"
printf '\n| micro-benchmark (1 thread) | ns/op | ops/s |\n|---|---:|---:|\n'
"$bench_root/build/release/server/bench/tr_token_bench" --benchmark_format=csv 2>/dev/null |
  awk -F, 'NR > 1 { gsub(/"/, "", $1); printf "| %s | %.0f | %.0f |\n", $1, $3, 1e9 / $3 }'
