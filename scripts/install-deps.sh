#!/usr/bin/env bash
# Installs the Debian packages Task Reporter needs to build, run and test.
# Idempotent: packages already present are skipped, so a second run is fast.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config
  # libraries (ARCHITECTURE.md, chosen dependencies)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsoci-dev libsqlite3-dev libpq-dev libssl-dev libjwt-dev libsodium-dev
  libmagic-dev libspdlog-dev libcli11-dev libldap-dev liburing-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql slapd ldap-utils wrk curl python3 sqlite3
  samba samba-ad-dc samba-ad-provision winbind krb5-user
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
