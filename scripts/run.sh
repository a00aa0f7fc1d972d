#!/usr/bin/env bash
# Builds Task Reporter in Release and runs it on http://localhost:8080 with
# SQLite in ./data, file storage in ./data/files and local accounts.
# Extra arguments go to the server (see `build/release/task-reporter --help`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/install-deps.sh"
if [ -f web/package.json ]; then
  (cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
fi

export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake --preset release >/dev/null
cmake --build --preset release --target task-reporter

exec "$root/build/release/task-reporter" --data-dir "${TR_DATA_DIR:-$root/data}" \
  --web-dir "${TR_WEB_DIR:-$root/web/dist}" "$@"
