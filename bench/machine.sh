#!/usr/bin/env bash
# What this machine charges for the steps every delivery pays and no server
# code can avoid: a system call, waking a thread (on a virtual machine, a CPU
# that has gone idle can take long to wake), and a 32 KiB overwrite with
# fdatasync (a WAL commit) after the disk was idle 2 or 10 ms. Prints a
# Markdown table; compare it with bench/realtime.sh's fan-out row.
# Usage: bench/machine.sh [--no-build] [DIR]   (DIR: on the data's file system, default /tmp)
. "$(dirname "$0")/common.sh"

build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
dir=${1:-/tmp}
[ -d "$dir" ] || { echo "error: $dir is not a directory" >&2; exit 2; }
[ "$build" = 1 ] && build_release
ulimit -n 4096 2>/dev/null || true  # the fan-out floor holds 1,000 sockets
probes="$bench_root/build/release/bench/machine/tr_machine_probes"
[ -x "$probes" ] || { echo "error: $probes is not built (run without --no-build)" >&2; exit 1; }

printf '\n## Machine probes\n\n- %s cores (`nproc`); files in %s; machine speed: BM_VerifyAccessToken %s\n\n' \
  "$(nproc)" "$dir" "$(machine_speed)"
"$probes" "$dir"
