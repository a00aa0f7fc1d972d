#!/usr/bin/env bash
# Sets up, builds the test configuration (Debug + ASan + UBSan), starts the real
# services the tests need in a temporary folder on 127.0.0.1, runs every test
# suite, and stops the services again, also when a test fails.
# Exit code: 0 when every suite passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/install-deps.sh"

export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake --preset test >/dev/null
cmake --build --preset test

work=$(mktemp -d /tmp/task-reporter-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  for svc in samba slapd postgres; do
    [ -x "$root/scripts/services/$svc.sh" ] && "$root/scripts/services/$svc.sh" stop "$work/$svc" || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

for svc in postgres slapd samba; do
  if [ -x "$root/scripts/services/$svc.sh" ]; then
    mkdir -p "$work/$svc"
    chmod 755 "$work/$svc"
    echo "== starting $svc"
    exports=$("$root/scripts/services/$svc.sh" start "$work/$svc") || { echo "error: $svc did not start" >&2; exit 1; }
    eval "$exports"
  fi
done

status=0
echo "== C++ suites (unit, contract, layering)"
ctest --preset test -j2 || status=1

echo "== API suites (the real binary over HTTP and WebSocket)"
if [ -f server/tests/api/package.json ] && [ ! -d server/tests/api/node_modules/ws ]; then
  (cd server/tests/api && npm ci --no-audit --no-fund --loglevel=error)
fi
TR_BINARY="$root/build/test/task-reporter" node --test --test-concurrency=2 server/tests/api/ || status=1

exit $status
