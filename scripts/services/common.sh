# Shared by the service scripts: a free TCP port on 127.0.0.1 and a bounded wait.
# shellcheck shell=bash

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND until it succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "error: $what did not become ready within ${seconds}s" >&2
      return 1
    fi
    sleep 0.1
  done
}

# stop_pidfile FILE: stops the process named in FILE and waits for it to exit.
stop_pidfile() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(head -1 "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
