#!/usr/bin/env bash
# Private OpenLDAP slapd with Active-Directory-like attributes, for the LDAP
# directory tests (server/tests/ldap).
#
#   eval "$(scripts/services/slapd.sh start DIR)"   # prints only `export ...` lines
#   scripts/services/slapd.sh stop DIR
#
# `start` builds everything inside DIR (config, schema, mdb database, entries
# loaded over LDAP so the memberof overlay fills memberOf), listens on a free
# port of 127.0.0.1 and writes DIR/slapd.pid. Progress goes to stderr.
#
# Exported variables:
#   TR_TEST_SLAPD_URL            ldap://127.0.0.1:PORT
#   TR_TEST_SLAPD_BASE_DN        dc=factory,dc=local
#   TR_TEST_SLAPD_BIND_DN        service account DN (search-then-bind)
#   TR_TEST_SLAPD_BIND_PASSWORD  its password
#   TR_TEST_SLAPD_USER_PASSWORD  password of every test user below
#   TR_TEST_SLAPD_ADMIN_GROUP    group DN whose members are admins
#   TR_TEST_SLAPD_ALLOWED_GROUP  group DN whose members may log in
#
# Entries (under ou=people / ou=groups):
#   alice  Alice Chen  alice@factory.local  tr-users, tr-admins
#   bob    Bob Lin     bob@factory.local    tr-users
#   carol  Carol Wu    carol@factory.local  (no group: outside the allowed group)
#   wang   王小明       wang@factory.local   tr-users
#   Dave   (no displayName, no mail; sAMAccountName spelt "Dave")  tr-users
set -euo pipefail

readonly SUFFIX="dc=factory,dc=local"
readonly ROOT_DN="cn=admin,${SUFFIX}"
readonly ROOT_PW="root-secret-1"
readonly SVC_DN="cn=svc-taskreporter,ou=services,${SUFFIX}"
readonly SVC_PW="svc-secret-1"
readonly USER_PW="Factory#2024"

log() { echo "slapd.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
# Alive and still a slapd (not a reused pid).
is_slapd() { pid_alive "${1:-}" && [ "$(ps -o comm= -p "$1" 2>/dev/null)" = slapd ]; }

stop_instance() {
  local dir=$1 pid
  [ -f "$dir/slapd.pid" ] || return 0
  pid=$(tr -dc '0-9' <"$dir/slapd.pid" 2>/dev/null || true)
  if is_slapd "$pid"; then
    log "stopping slapd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      log "slapd (pid $pid) did not exit after 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$dir/slapd.pid"
}

write_schema() {
  # sAMAccountName and userPrincipalName with Microsoft's OIDs. Debian's
  # msuser.schema is unusable here: its attributes have no equality rule.
  cat >"$1" <<'EOF'
# Active Directory attributes needed by Task Reporter's LDAP tests.
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  DESC 'AD: logon name (pre-Windows 2000)'
  EQUALITY caseIgnoreMatch
  SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{256}
  SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  DESC 'AD: user principal name, user@domain'
  EQUALITY caseIgnoreMatch
  SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{1024}
  SINGLE-VALUE )

# Auxiliary class added to inetOrgPerson users (OpenLDAP experimental arc).
objectclass ( 1.3.6.1.4.1.4203.666.11.9001.1 NAME 'trActiveDirectoryUser'
  DESC 'AD logon names for an inetOrgPerson'
  SUP top AUXILIARY
  MAY ( sAMAccountName $ userPrincipalName ) )
EOF
}

write_conf() {
  local dir=$1 root_hash
  root_hash=$(slappasswd -s "$ROOT_PW")
  cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $dir/ad.schema

pidfile  $dir/slapd.pid
argsfile $dir/slapd.args

modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload refint

loglevel none
sizelimit 500

database mdb
suffix   "$SUFFIX"
rootdn   "$ROOT_DN"
rootpw   $root_hash
directory $dir/db
maxsize  104857600

index objectClass eq
index sAMAccountName eq
index member,memberOf eq

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

overlay refint
refint_attributes member

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by users read
  by * none
EOF
}

write_ldif() {
  local dir=$1 user_hash svc_hash
  user_hash=$(slappasswd -s "$USER_PW")
  svc_hash=$(slappasswd -s "$SVC_PW")
  {
    cat <<EOF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: factory
o: Factory

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups

dn: ou=services,$SUFFIX
objectClass: organizationalUnit
ou: services

dn: $SVC_DN
objectClass: inetOrgPerson
cn: svc-taskreporter
sn: service
userPassword: $svc_hash

EOF
    # name, displayName (empty: none), mail (empty: none)
    local spec uid cn display mail
    for spec in "alice|Alice Chen|alice@factory.local" \
                "bob|Bob Lin|bob@factory.local" \
                "carol|Carol Wu|carol@factory.local" \
                "wang|王小明|wang@factory.local" \
                "Dave||"; do
      IFS='|' read -r uid display mail <<<"$spec"
      cn=${display:-$uid}
      echo "dn: cn=$uid,ou=people,$SUFFIX"
      echo "objectClass: inetOrgPerson"
      echo "objectClass: trActiveDirectoryUser"
      echo "cn: $uid"
      echo "sn: $cn"
      echo "uid: $uid"
      echo "sAMAccountName: $uid"
      echo "userPrincipalName: $uid@factory.local"
      [ -n "$display" ] && echo "displayName: $display"
      [ -n "$mail" ] && echo "mail: $mail"
      echo "userPassword: $user_hash"
      echo
    done
    cat <<EOF
dn: cn=tr-users,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: tr-users
member: cn=alice,ou=people,$SUFFIX
member: cn=bob,ou=people,$SUFFIX
member: cn=wang,ou=people,$SUFFIX
member: cn=Dave,ou=people,$SUFFIX

dn: cn=tr-admins,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: tr-admins
member: cn=alice,ou=people,$SUFFIX

EOF
  } >"$dir/entries.ldif"
}

start() {
  local dir=$1 port url
  command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || die "slapd not installed (scripts/install-deps.sh)"
  command -v ldapadd >/dev/null || die "ldapadd not installed (ldap-utils)"
  export PATH="$PATH:/usr/sbin"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  stop_instance "$dir"
  rm -rf "$dir/db" "$dir/slapd.conf" "$dir/ad.schema" "$dir/entries.ldif"
  mkdir -p "$dir/db"

  write_schema "$dir/ad.schema"
  write_conf "$dir"
  write_ldif "$dir"
  slaptest -u -f "$dir/slapd.conf" >/dev/null 2>"$dir/slaptest.err" \
    || die "slapd.conf invalid: $(cat "$dir/slaptest.err")"

  # slapd detaches and writes its pid file itself. The free port may be
  # taken between the probe and slapd's bind: then try another one.
  local attempt started=0
  for attempt in 1 2 3; do
    port=$(free_port)
    url="ldap://127.0.0.1:$port"
    log "starting slapd on $url (data in $dir)"
    if slapd -f "$dir/slapd.conf" -h "$url/" 2>"$dir/slapd.err"; then
      started=1
      break
    fi
    log "attempt $attempt failed: $(tail -1 "$dir/slapd.err")"
  done
  [ "$started" = 1 ] || die "slapd failed to start: $(cat "$dir/slapd.err")"

  local ready=0
  for _ in $(seq 1 100); do  # up to 10 s
    if ldapsearch -x -LLL -H "$url" -D "$ROOT_DN" -w "$ROOT_PW" -b "" -s base \
        -o nettimeout=1 namingContexts >/dev/null 2>&1; then
      ready=1
      break
    fi
    sleep 0.1
  done
  [ "$ready" = 1 ] || { stop_instance "$dir"; die "slapd did not answer on $url within 10 s"; }
  [ -s "$dir/slapd.pid" ] || die "slapd answered but wrote no pid file"

  ldapadd -x -H "$url" -D "$ROOT_DN" -w "$ROOT_PW" -f "$dir/entries.ldif" \
      >"$dir/ldapadd.log" 2>&1 \
    || { stop_instance "$dir"; die "loading entries failed: $(cat "$dir/ldapadd.log")"; }
  log "slapd ready (pid $(cat "$dir/slapd.pid"))"

  cat <<EOF
export TR_TEST_SLAPD_URL='$url'
export TR_TEST_SLAPD_BASE_DN='$SUFFIX'
export TR_TEST_SLAPD_BIND_DN='$SVC_DN'
export TR_TEST_SLAPD_BIND_PASSWORD='$SVC_PW'
export TR_TEST_SLAPD_USER_PASSWORD='$USER_PW'
export TR_TEST_SLAPD_ADMIN_GROUP='cn=tr-admins,ou=groups,$SUFFIX'
export TR_TEST_SLAPD_ALLOWED_GROUP='cn=tr-users,ou=groups,$SUFFIX'
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
