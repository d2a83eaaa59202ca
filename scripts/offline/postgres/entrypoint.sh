#!/bin/sh
set -e
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pw=$(mktemp); printf '%s' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > "$pw"; chown postgres "$pw"
  # as the official image: initdb's own pg_hba (the socket and 127.0.0.1 trusted, replication too,
  # which a WAL stream in the server's network namespace uses), POSTGRES_INITDB_ARGS passed on (e.g.
  # --data-checksums), and a password asked of every other address
  su postgres -s /bin/sh -c "initdb -D '$PGDATA' -U '${POSTGRES_USER:-postgres}' --pwfile='$pw' ${POSTGRES_INITDB_ARGS:-}" >/dev/null
  rm -f "$pw"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all ${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >> "$PGDATA/pg_hba.conf"
  # as the official image: POSTGRES_DB defaults to POSTGRES_USER, and is made unless it is postgres
  db=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
  if [ "$db" != postgres ]; then
    su postgres -s /bin/sh -c "postgres --single -D '$PGDATA' postgres" <<SQL >/dev/null
CREATE DATABASE "$db";
SQL
  fi
fi
exec su postgres -s /bin/sh -c "exec /usr/lib/postgresql/15/bin/postgres -D '$PGDATA'"
