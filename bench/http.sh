#!/usr/bin/env bash
# HTTP foundation benchmark: wrk against /healthz (inline) and /api/version (a
# small JSON endpoint that hops to the worker pool), median of RUNS runs each.
# wrk shares the machine's cores with the server.
# Usage: bench/http.sh [SECONDS=10] [RUNS=3] [CONNECTIONS=64]
set -euo pipefail
. "$(dirname "$0")/common.sh"
seconds=${1:-10}
runs=${2:-3}
conns=${3:-64}

build_release
data=$(mktemp -d)
trap 'stop_server; rm -rf "$data"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '\n%s cores, wrk -t2 -c%s, %ss x %s runs (median), wrk on the same machine\n' "$(nproc)" "$conns" "$seconds" "$runs"
# The default is one I/O thread per core; with wrk taking a core here, one
# I/O thread is also shown.
for io in "$(nproc)" 1; do
  rm -rf "${data:?}"/*
  start_server "$data" --io-threads "$io"
  sleep 1
  idle_kb=$(rss_kb "$SERVER_PID")
  printf '\n--io-threads %s\n\n| endpoint | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n' "$io"
  for path in /healthz /api/version; do
    results=()
    for _ in $(seq 1 "$runs"); do results+=("$(wrk_run "$SERVER_URL$path" "$seconds" "$conns")"); done
    rps=$(printf '%s\n' "${results[@]}" | awk '{print $1}' | median)
    p50=$(printf '%s\n' "${results[@]}" | awk '{print $2}' | median)
    p99=$(printf '%s\n' "${results[@]}" | awk '{print $3}' | median)
    printf '| GET %s | %s | %s | %s |\n' "$path" "$rps" "$p50" "$p99"
  done
  loaded_kb=$(peak_rss_kb "$SERVER_PID")
  awk -v idle="$idle_kb" -v peak="$loaded_kb" 'BEGIN {
    printf "\n| server memory | MB |\n|---|---:|\n| idle RSS | %.1f |\n| peak RSS under load | %.1f |\n", idle / 1024, peak / 1024 }'
  stop_server
done
