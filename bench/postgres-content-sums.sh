#!/usr/bin/env bash
# Benchmark: what the per-table content sums of a Postgres dump cost (issue 36). One database of
# SIZE_MB of md5-text rows (bench/lib.sh load_text); each query run 3 times in one read-only
# repeatable-read transaction, as the backup runs it beside pg_dump (and the drill on the restored
# database): the row counts alone (PostgresRowCounts.COUNTS: what a dump recorded before, and a base
# backup now), the dump's query (counts and content sums, PostgresRowCounts.QUERY; both read from the
# compiled class), and pg_dump -Fc of the same database into /dev/null for scale. Needs what `bash scripts/test.sh` sets up
# and compiled classes (mvn compile). Usage: bench/postgres-content-sums.sh [SIZE_MB] (default 1024).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-1024}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-sums-pg
. "$here/bench/lib.sh"
trap cleanup_sidecar_and_postgres EXIT
start_postgres "$name" off
load_text "$name" "$size_mb"
for query in QUERY COUNTS; do
  java_text "org.backrestsidecar.postgres.PostgresRowCounts.$query" > "$work/$query.sql"
done
mv "$work/QUERY.sql" "$work/sums.sql"; mv "$work/COUNTS.sql" "$work/counts.sql"
grep -q 'md5(t::text)' "$work/sums.sql" || { echo "the query was not read from target/classes" >&2; exit 1; }
! grep -q 'md5(t::text)' "$work/counts.sql" || { echo "the counts-only query sums" >&2; exit 1; }
docker cp "$work/sums.sql" "$name:/tmp/sums.sql"; docker cp "$work/counts.sql" "$name:/tmp/counts.sql"
timed() { # timed FILE: seconds of psql running FILE in a read-only repeatable-read transaction
  docker exec "$name" sh -c "s=\$(date +%s.%N); { echo 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;'; cat $1; echo 'COMMIT;'; } \
    | psql -X -q -At -v ON_ERROR_STOP=1 -U postgres -d bench >/dev/null; e=\$(date +%s.%N); echo \"\$s \$e\" | awk '{printf \"%.1f\", \$2 - \$1}'"
}
counts=""; sums=""; dumps=""
for _ in 1 2 3; do
  counts+="$(timed /tmp/counts.sql)s "
  sums+="$(timed /tmp/sums.sql)s "
  dumps+="$(docker exec "$name" sh -c 's=$(date +%s.%N); pg_dump -U postgres -Fc bench > /dev/null; e=$(date +%s.%N); echo "$s $e" | awk "{printf \"%.1f\", \$2 - \$1}"')s "
done
size=$(docker exec "$name" psql -U postgres -d bench -Atc "select pg_size_pretty(pg_database_size('bench'))")
echo "RESULT size=\"$size\" counts_only=\"$counts\" counts_and_sums=\"$sums\" pg_dump=\"$dumps\""
