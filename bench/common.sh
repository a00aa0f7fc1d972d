# Shared by the benchmark scripts: build Release, start the server, measure.
# shellcheck shell=bash
set -euo pipefail
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$bench_root/scripts/services/common.sh"

build_release() {
  "$bench_root/scripts/install-deps.sh"
  export CCACHE_BASEDIR="$bench_root" CCACHE_NOHASHDIR=1
  cmake --preset release >/dev/null
  cmake --build --preset release >/dev/null
}

# start_server DATA_DIR [ARGS...]: sets SERVER_PID and SERVER_URL.
start_server() {
  local data=$1
  shift
  local port
  port=$(free_port)
  "$bench_root/build/release/task-reporter" --listen "127.0.0.1:$port" --data-dir "$data" \
    --log-level warn "$@" >"$data/server.log" 2>&1 &
  SERVER_PID=$!
  SERVER_URL="http://127.0.0.1:$port"
  wait_for 30 "task-reporter" curl -sf "$SERVER_URL/healthz"
}

stop_server() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# machine_speed: the ns of one cached token check (BM_VerifyAccessToken), a
# yardstick for how fast this (possibly shared, virtual) machine is right
# now; "n/a" when the token benchmark is not built. On the 2-core development
# VM it reads about 100 ns in fast periods and about 145 ns in slow ones.
machine_speed() {
  local bench="$bench_root/build/release/server/bench/tr_token_bench"
  [ -x "$bench" ] || { echo "n/a"; return; }
  "$bench" --benchmark_filter='BM_VerifyAccessToken$' --benchmark_min_time=0.5 --benchmark_format=csv 2>/dev/null |
    awk -F, 'NR > 1 { printf "%.0f ns\n", $3; found = 1 } END { if (!found) print "n/a" }'
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
peak_rss_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# wrk_run URL SECONDS CONNECTIONS [EXTRA...]: prints "rps p50 p99" (latency in ms).
wrk_run() {
  local url=$1 seconds=$2 conns=$3
  shift 3
  wrk -t2 -c"$conns" -d"${seconds}s" --latency "$@" "$url" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }'
}
