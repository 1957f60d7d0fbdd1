#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on 127.0.0.1 for the search tests (scale-out on a real server):
#   .ci/postgres.sh [start]  create the cluster (or start the one already there) and print its URL,
#                            alone on stdout (.ci/run captures it)
#   .ci/postgres.sh stop     stop it (fast shutdown); nothing to do when it is not running
# The cluster lives in the folder $DIGITS_TEST_PG_DATA (start makes a new /tmp/digits-pg.XXXXXX
# when it is unset; stop needs it), which records the server's pg_ctl and URL; the folder's
# parents must be open to the `postgres` user, who owns the cluster (the server refuses to run as
# root). Port: $DIGITS_TEST_PG_PORT (default 54329). Start installs Debian's postgresql when missing.
set -euo pipefail
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ctl() { run "$(cat "$data/pg_ctl")" -D "$data/db" -l "$data/server.log" -w "$@" >/dev/null; }

create() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
      >/tmp/postgresql-install.log 2>&1 || { cat /tmp/postgresql-install.log >&2; exit 1; }
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --no-create-home postgres; fi
  local bin port=${DIGITS_TEST_PG_PORT:-54329}
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres "$data"
  run "$bin/initdb" -D "$data/db" -A trust -U postgres >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
  # in the cluster's own settings, so that a plain `pg_ctl start` after a stop serves the same URL
  printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\n" "$port" "$data" \
    >>"$data/db/postgresql.conf"
  echo "$bin/pg_ctl" >"$data/pg_ctl"
  echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$data/url"
}

case ${1:-start} in
  start)
    data=${DIGITS_TEST_PG_DATA:-$(mktemp -d /tmp/digits-pg.XXXXXX)}
    [ -f "$data/url" ] || create
    pg_ctl start || { cat "$data/server.log" >&2; exit 1; }
    cat "$data/url" ;;
  stop)
    data=${DIGITS_TEST_PG_DATA:?"set DIGITS_TEST_PG_DATA to the folder of the cluster to stop"}
    if [ -f "$data/db/postmaster.pid" ]; then pg_ctl stop -m fast; fi ;;
  *)
    echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
