#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster on 127.0.0.1 for the search tests (scale-out on a real
# server) and print its URL. Installs Debian's postgresql when it is missing. The cluster lives
# in a temporary folder owned by the `postgres` user (the server refuses to run as root).
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
    >/tmp/postgresql-install.log 2>&1 || { cat /tmp/postgresql-install.log >&2; exit 1; }
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --no-create-home postgres; fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=${DIGITS_TEST_PG_PORT:-54329}
data=$(mktemp -d /tmp/digits-pg.XXXXXX)
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$data"
run "$bin/initdb" -D "$data/db" -A trust -U postgres >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
run "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $data" start \
  >/dev/null || { cat "$data/server.log" >&2; exit 1; }
echo "postgresql://postgres@127.0.0.1:$port/postgres"
