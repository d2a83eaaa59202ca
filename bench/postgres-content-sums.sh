#!/usr/bin/env bash
# Benchmark: what the per-table content sums of a Postgres dump cost (issue 36). One database of
# SIZE_MB of md5-text rows (bench/lib.sh load_text); each query run 3 times in one read-only
# repeatable-read transaction, as the backup runs it beside pg_dump (and the drill on the restored
# database): the row counts alone (PostgresRowCounts.COUNTS: what a dump recorded before, and a base
# backup now), the dump's query (counts and content sums, PostgresRowCounts.QUERY: Postgres's own text
# hash on 11 and later), the same with md5 (PostgresRowCounts.query(Sum.MD5): every backup's before
# 2026-11-29, and a drill's of those); all read from the compiled class; and pg_dump -Fc of the same
# database into /dev/null for scale. Needs what `bash scripts/test.sh` sets up
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
rows=org.backrestsidecar.postgres.PostgresRowCounts
java_text "$rows.QUERY" > "$work/sums.sql"
java_text "$rows.query($rows.Sum.MD5)" > "$work/md5.sql"
java_text "$rows.COUNTS" > "$work/counts.sql"
grep -q 'hashtextextended' "$work/sums.sql" || { echo "the query was not read from target/classes" >&2; exit 1; }
grep -q 'md5(t::text)' "$work/md5.sql" || { echo "the md5 query was not read from target/classes" >&2; exit 1; }
! grep -q 'md5(t::text)' "$work/counts.sql" || { echo "the counts-only query sums" >&2; exit 1; }
for f in sums md5 counts; do docker cp "$work/$f.sql" "$name:/tmp/$f.sql"; done
timed() { # timed FILE: seconds of psql running FILE in a read-only repeatable-read transaction
  docker exec "$name" sh -c "s=\$(date +%s.%N); { echo 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;'; cat $1; echo 'COMMIT;'; } \
    | psql -X -q -At -v ON_ERROR_STOP=1 -U postgres -d bench >/dev/null; e=\$(date +%s.%N); echo \"\$s \$e\" | awk '{printf \"%.1f\", \$2 - \$1}'"
}
counts=""; sums=""; md5=""; dumps=""
for _ in 1 2 3; do
  counts+="$(timed /tmp/counts.sql)s "
  sums+="$(timed /tmp/sums.sql)s "
  md5+="$(timed /tmp/md5.sql)s "
  dumps+="$(docker exec "$name" sh -c 's=$(date +%s.%N); pg_dump -U postgres -Fc bench > /dev/null; e=$(date +%s.%N); echo "$s $e" | awk "{printf \"%.1f\", \$2 - \$1}"')s "
done
size=$(docker exec "$name" psql -U postgres -d bench -Atc "select pg_size_pretty(pg_database_size('bench'))")
echo "RESULT size=\"$size\" counts_only=\"$counts\" counts_and_sums=\"$sums\" counts_and_md5_sums=\"$md5\" pg_dump=\"$dumps\""
