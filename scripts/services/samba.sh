#!/usr/bin/env bash
# Private Samba Active Directory domain controller, for the LDAP directory
# tests against a real AD (server/tests/ldap).
#
#   eval "$(scripts/services/samba.sh start DIR)"   # prints only `export ...` lines
#   scripts/services/samba.sh stop DIR
#
# `start` provisions the domain FACTORY.LOCAL inside DIR (its own smb.conf, no
# DNS, services ldap/cldap/kdc only), installs a test CA and a server
# certificate for 127.0.0.1/localhost in DIR/private/tls, creates the test
# users and groups with samba-tool, starts `samba` on 127.0.0.1 ports 389 and
# 636 (so it needs root) and writes DIR/run/samba.pid. Progress goes to stderr.
# A Samba left running by an earlier start (in this DIR or any other) and the
# system's own slapd/samba services are stopped first: they would hold the
# ports.
#
# Exported variables:
#   TR_TEST_SAMBA_URL            ldap://127.0.0.1:389
#   TR_TEST_SAMBA_LDAPS_URL      ldaps://127.0.0.1:636
#   TR_TEST_SAMBA_CA_FILE        DIR/private/tls/ca.pem (signs the DC's certificate)
#   TR_TEST_SAMBA_BASE_DN        DC=factory,DC=local
#   TR_TEST_SAMBA_UPN_DOMAIN     factory.local
#   TR_TEST_SAMBA_BIND_DN        service account DN (search-then-bind, lookup)
#   TR_TEST_SAMBA_BIND_PASSWORD  its password
#   TR_TEST_SAMBA_USER_PASSWORD  password of every test user below
#   TR_TEST_SAMBA_ADMIN_GROUP    DN of tr-admins
#   TR_TEST_SAMBA_ALLOWED_GROUP  DN of tr-users
#
# Users (CN=Users): alice (Alice Chen; tr-users, tr-admins), bob (tr-users),
# carol (no group), erin (tr-users, line-leads; line-leads is a member of
# tr-admins: admin only through nesting), wang (displayName 王小明, tr-users),
# dave (tr-users, account disabled).
set -euo pipefail

readonly REALM="FACTORY.LOCAL"
readonly DOMAIN="FACTORY"
readonly BASE_DN="DC=factory,DC=local"
readonly ADMIN_PW="Admin#Passw0rd1"
readonly SVC_NAME="svc-taskreporter"
readonly SVC_PW="Svc#Passw0rd1"
readonly USER_PW="Factory#2024x"

log() { echo "samba.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Waits up to $2 tenths of a second for pid $1 to exit; then SIGKILL.
wait_exit() {
  local pid=$1 tenths=$2
  for _ in $(seq 1 "$tenths"); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  log "pid $pid did not exit in time; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

# Samba renames its processes ("samba: root process", "ldap(0)", ...), so
# they are recognised by session: the daemon's master leads a session that
# holds all its workers.
is_samba_master() {
  [ -n "${1:-}" ] && [ "$(ps -o comm= -p "$1" 2>/dev/null)" = samba ] &&
    [ "$(ps -o sid= -p "$1" 2>/dev/null | tr -d ' ')" = "$1" ]
}

# Stops the samba whose master is $1 and every process of its session.
stop_samba_session() {
  local master=$1
  kill -TERM "$master" 2>/dev/null || true
  wait_exit "$master" 150
  pkill -TERM -s "$master" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pgrep -s "$master" >/dev/null || return 0
    sleep 0.1
  done
  pkill -KILL -s "$master" 2>/dev/null || true
}

stop_instance() {
  local dir=$1 pid
  [ -f "$dir/run/samba.pid" ] || return 0
  pid=$(tr -dc '0-9' <"$dir/run/samba.pid" 2>/dev/null || true)
  if is_samba_master "$pid"; then
    log "stopping samba (pid $pid)"
    stop_samba_session "$pid"
  fi
  rm -f "$dir/run/samba.pid"
}

port_busy() { [ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]; }

# Frees 389/636 for our DC: the system's slapd and samba services, and any
# other samba AD DC (one left by a start in another DIR whose stop never ran).
# Private slapd instances of tests (-h ldap://127.0.0.1:PORT/) are left alone.
free_ldap_ports() {
  local p
  port_busy 389 || port_busy 636 || return 0
  for p in $(pgrep -x slapd || true); do
    if ps -o args= -p "$p" | grep -q -- '-h ldap://127\.0\.0\.1:[0-9]\{4,5\}/'; then
      continue
    fi
    log "the system slapd (pid $p) may hold the LDAP ports; stopping it"
    service slapd stop >&2 2>&1 || true
    if pid_alive "$p"; then
      kill -TERM "$p" 2>/dev/null || true
      wait_exit "$p" 50
    fi
  done
  if [ -s /run/samba/samba.pid ] && is_samba_master "$(tr -dc '0-9' </run/samba/samba.pid)"; then
    log "stopping the system samba-ad-dc service"
    service samba-ad-dc stop >&2 2>&1 || true
  fi
  for p in $(pgrep -x samba || true); do
    if is_samba_master "$p"; then
      log "another samba (pid $p) holds the LDAP ports; stopping it"
      stop_samba_session "$p"
    fi
  done
  for _ in $(seq 1 50); do
    port_busy 389 || port_busy 636 || return 0
    sleep 0.1
  done
  die "ports 389/636 are still in use by another program (see: ss -ltnp)"
}

make_certificates() {
  local tls=$1
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
      -subj "/O=Task Reporter tests/CN=Task Reporter test CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=dc1.factory.local" \
      -keyout key.pem -out server.csr 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:dc1.factory.local,DNS:localhost,IP:127.0.0.1" \
      "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -days 3650 -sha256 -extfile server.ext -out cert.pem 2>/dev/null
    chmod 600 ca.key key.pem
  ) || die "creating the TLS certificates failed"
}

# Adds lines to the [global] section of smb.conf (replacing same-named ones).
configure_smb_conf() {
  local dir=$1 conf=$1/etc/smb.conf tmp
  tmp=$(mktemp "$conf.XXXX")
  awk -v dir="$dir" '
    BEGIN {
      n = split("server services|ldap server require strong auth|log file|" \
                "logging|pid directory|ncalrpc dir|winbindd socket directory|" \
                "tls enabled|tls keyfile|tls certfile|tls cafile|" \
                "panic action|dns update command", drop, "|")
      for (i = 1; i <= n; i++) skip[drop[i]] = 1
    }
    {
      line = $0
      key = line; sub(/^[ \t]+/, "", key); sub(/[ \t]*=.*$/, "", key)
      if (key in skip) next
      print line
      if (line ~ /^\[global\]/) {
        print "\tserver services = ldap, cldap, kdc"
        print "\tldap server require strong auth = no"
        print "\tlogging = file"
        print "\tlog file = " dir "/log/samba.log"
        print "\tpid directory = " dir "/run"
        print "\tncalrpc dir = " dir "/run/ncalrpc"
        print "\twinbindd socket directory = " dir "/run/winbindd"
        print "\ttls enabled = yes"
        print "\ttls keyfile = " dir "/private/tls/key.pem"
        print "\ttls certfile = " dir "/private/tls/cert.pem"
        print "\ttls cafile = " dir "/private/tls/ca.pem"
      }
    }' "$conf" >"$tmp"
  mv "$tmp" "$conf"
}

tool() { samba-tool "$@" -H "$SAMDB" -s "$CONF" >>"$DIR/samba-tool.log" 2>&1 || die "samba-tool $* failed: $(tail -3 "$DIR/samba-tool.log")"; }

# Passwords are fresh at every start, so the default expiry (42 days) never
# matters here.
create_directory_data() {
  tool user create "$SVC_NAME" "$SVC_PW" --use-username-as-cn --given-name=Task --surname=Reporter \
    --description="Task Reporter service account"
  tool user create alice "$USER_PW" --use-username-as-cn --given-name=Alice --surname=Chen --mail-address=alice@factory.local
  tool user create bob "$USER_PW" --use-username-as-cn --given-name=Bob --surname=Lin --mail-address=bob@factory.local
  tool user create carol "$USER_PW" --use-username-as-cn --given-name=Carol --surname=Wu --mail-address=carol@factory.local
  tool user create erin "$USER_PW" --use-username-as-cn --given-name=Erin --surname=Huang --mail-address=erin@factory.local
  tool user create wang "$USER_PW" --use-username-as-cn --given-name=小明 --surname=王 --mail-address=wang@factory.local
  tool user create dave "$USER_PW" --use-username-as-cn --given-name=Dave --surname=Ho --mail-address=dave@factory.local
  tool user disable dave
  tool group add tr-users
  tool group add tr-admins
  tool group add line-leads
  tool group addmembers tr-users alice,bob,erin,wang,dave
  tool group addmembers line-leads erin
  tool group addmembers tr-admins alice,line-leads
}

start() {
  DIR=$1
  [ "$(id -u)" -eq 0 ] || die "Samba AD needs root (ports 389/636)"
  command -v samba >/dev/null || [ -x /usr/sbin/samba ] || die "samba not installed (scripts/install-deps.sh)"
  command -v samba-tool >/dev/null || die "samba-tool not installed (samba-ad-dc)"
  command -v ldapsearch >/dev/null || die "ldapsearch not installed (ldap-utils)"
  export PATH="$PATH:/usr/sbin"
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  CONF=$DIR/etc/smb.conf
  SAMDB=$DIR/private/sam.ldb

  stop_instance "$DIR"
  free_ldap_ports
  rm -rf "$DIR/etc" "$DIR/private" "$DIR/state" "$DIR/cache" "$DIR/bind-dns" \
         "$DIR/run" "$DIR/log" "$DIR"/*.tdb "$DIR"/*.log
  mkdir -p "$DIR/run" "$DIR/log"

  log "provisioning $REALM in $DIR (about 8 s)"
  samba-tool domain provision --use-rfc2307 --realm="$REALM" --domain="$DOMAIN" \
      --server-role=dc --dns-backend=NONE --adminpass="$ADMIN_PW" \
      --targetdir="$DIR" --host-ip=127.0.0.1 --host-name=dc1 \
      --option="interfaces=127.0.0.1" --option="bind interfaces only=yes" \
      >"$DIR/provision.log" 2>&1 \
    || die "provision failed: $(tail -5 "$DIR/provision.log")"
  configure_smb_conf "$DIR"
  make_certificates "$DIR/private/tls"

  log "creating users and groups"
  create_directory_data

  log "starting samba"
  samba -s "$CONF" -D >"$DIR/log/start.out" 2>&1 \
    || die "samba failed to start: $(tail -5 "$DIR/log/start.out")"
  local ready=0 pid=""
  for _ in $(seq 1 300); do  # up to 30 s
    if ldapsearch -x -LLL -H ldap://127.0.0.1:389 -D "Administrator@factory.local" \
        -w "$ADMIN_PW" -b "" -s base -o nettimeout=1 -l 2 defaultNamingContext \
        >/dev/null 2>&1; then
      ready=1
      break
    fi
    sleep 0.1
  done
  [ -s "$DIR/run/samba.pid" ] && pid=$(tr -dc '0-9' <"$DIR/run/samba.pid")
  if [ "$ready" != 1 ]; then
    stop_instance "$DIR"
    die "samba did not answer on ldap://127.0.0.1:389 within 30 s (see $DIR/log/samba.log)"
  fi
  pid_alive "$pid" || die "samba answers but its pid file $DIR/run/samba.pid is missing"

  # samba-tool builds displayName as "given surname"; Chinese names are
  # written family name first, without a space.
  printf 'dn: CN=wang,CN=Users,%s\nchangetype: modify\nreplace: displayName\ndisplayName:: %s\n' \
      "$BASE_DN" "$(printf '王小明' | base64)" >"$DIR/displayname.ldif"
  ldapmodify -x -H ldap://127.0.0.1:389 -D "Administrator@factory.local" -w "$ADMIN_PW" \
      -f "$DIR/displayname.ldif" >>"$DIR/samba-tool.log" 2>&1 \
    || { stop_instance "$DIR"; die "setting the Chinese display name failed"; }

  log "samba ready (pid $pid)"
  cat <<EOF
export TR_TEST_SAMBA_URL='ldap://127.0.0.1:389'
export TR_TEST_SAMBA_LDAPS_URL='ldaps://127.0.0.1:636'
export TR_TEST_SAMBA_CA_FILE='$DIR/private/tls/ca.pem'
export TR_TEST_SAMBA_BASE_DN='$BASE_DN'
export TR_TEST_SAMBA_UPN_DOMAIN='factory.local'
export TR_TEST_SAMBA_BIND_DN='CN=$SVC_NAME,CN=Users,$BASE_DN'
export TR_TEST_SAMBA_BIND_PASSWORD='$SVC_PW'
export TR_TEST_SAMBA_USER_PASSWORD='$USER_PW'
export TR_TEST_SAMBA_ADMIN_GROUP='CN=tr-admins,CN=Users,$BASE_DN'
export TR_TEST_SAMBA_ALLOWED_GROUP='CN=tr-users,CN=Users,$BASE_DN'
EOF
}

[ $# -eq 2 ] || usage
case $1 in
  start) start "$2" ;;
  stop)
    [ -d "$2" ] || exit 0
    stop_instance "$(cd "$2" && pwd)"
    ;;
  *) usage ;;
esac
