#!/usr/bin/env bash
# Start a private PostgreSQL server on 127.0.0.1:54329 for the tests (installs it if needed).
# Prints the URL to export as TOKENPRINT_TEST_PG_URL. Safe to run twice.
set -euo pipefail
PORT=${TOKENPRINT_PG_PORT:-54329}
DATA=${TOKENPRINT_PG_DATA:-/tmp/tokenprint-pg}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null) >&2
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if ! as_pg "$PGBIN/pg_isready -h 127.0.0.1 -p $PORT -q" 2>/dev/null; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres "$DATA"
  as_pg "$PGBIN/initdb -D $DATA -A trust -U postgres >/dev/null"
  as_pg "$PGBIN/pg_ctl -D $DATA -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -l $DATA/server.log -w start >/dev/null"
fi
as_pg "$PGBIN/psql -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='tokenprint_test'\" | grep -q 1 || $PGBIN/createdb -h 127.0.0.1 -p $PORT -U postgres tokenprint_test"
echo "postgresql://postgres@127.0.0.1:$PORT/tokenprint_test"
