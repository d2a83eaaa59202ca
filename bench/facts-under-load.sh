#!/usr/bin/env bash
# Benchmark (issue 36): what the drill's facts cost the service while it is written to. pgbench TPC-B
# (2 clients, fsync on) runs WINDOW seconds at a time against a database of SCALE (70 = ~1.05 GB),
# and in each window, once, in its middle:
#   alone  nothing else (the baseline, first and last)
#   dump   a dump's facts: row counts and content sums of every table (PostgresRowCounts.QUERY) in one
#          read-only repeatable-read transaction, as a dump's run takes them in its own snapshot
#   wal    a wal-mode base backup's facts: the same sums at a restore point, the tables held from
#          writes meanwhile (PostgresRowCounts.atRestorePoint, the lock timeout the sidecar uses)
# Prints each window's throughput as a share of the baseline, the longest run of seconds in which no
# transaction ended (pgbench -P 1: writers waiting on the hold), and how long the facts took. Both
# queries are read from the compiled classes (mvn compile). Needs what `bash scripts/test.sh` sets up.
# Usage: bench/facts-under-load.sh [SCALE] [WINDOW]   (defaults 70, 60 s). Prints RESULT lines.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
scale=${1:-70}
window=${2:-60}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-facts-pg
. "$here/bench/lib.sh"
trap cleanup_sidecar_and_postgres EXIT
start_postgres "$name" on
docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s "$scale" bench 2>&1 | tail -1
docker exec "$name" psql -U postgres -qc 'CHECKPOINT'
echo "database: $(( $(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')") / 1048576 )) MiB"

{ echo 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;'; java_text org.backrestsidecar.postgres.PostgresRowCounts.QUERY
  echo 'COMMIT;'; } > "$work/dump.sql"
grep -q 'md5(t::text)' "$work/dump.sql" || { echo "the query was not read from target/classes" >&2; exit 1; }
tables=$(docker exec "$name" psql -U postgres -d bench -At -c "$(java_text org.backrestsidecar.postgres.PostgresRowCounts.TABLE_NAMES)" \
  | sed 's/.*/"&"/' | paste -sd,)
java_text "org.backrestsidecar.postgres.PostgresRowCounts.atRestorePoint(java.util.List.of($tables), \"bench-point\", java.time.Duration.ofSeconds(2))" \
  > "$work/wal.sql"
grep -q 'IN SHARE MODE' "$work/wal.sql" || { echo "the restore point's script holds no table" >&2; cat "$work/wal.sql" >&2; exit 1; }
docker cp "$work/dump.sql" "$name:/tmp/dump.sql"; docker cp "$work/wal.sql" "$name:/tmp/wal.sql"

window_of() { # window_of KIND: pgbench for $window s, the facts of KIND once in its middle; prints "tps stall facts_s"
  local kind=$1 facts=-
  docker exec "$name" "$pg_bin/pgbench" -U postgres -c 2 -T "$window" -P 1 bench > "$work/pgbench.out" 2> "$work/progress" &
  local bench=$!
  if [ "$kind" != alone ]; then
    sleep $((window / 3))
    facts=$(docker exec "$name" sh -c "s=\$(date +%s.%N); psql -X -q -At -v ON_ERROR_STOP=1 -U postgres -d bench \
      -f /tmp/$kind.sql >/dev/null; e=\$(date +%s.%N); echo \"\$s \$e\" | awk '{printf \"%.1f\", \$2 - \$1}'")
  fi
  wait "$bench"
  local tps stall
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/pgbench.out" | head -1)
  # "progress: 12.0 s, 0.0 tps, ...": the longest run of seconds without a transaction ended
  stall=$(sed -n 's/^progress: [0-9.]* s, \([0-9.]*\) tps.*/\1/p' "$work/progress" \
    | awk '{ if ($1 < 1) { run++; if (run > max) max = run } else run = 0 } END { print max + 0 }')
  echo "$tps $stall $facts"
}
read -r base0 _ _ <<<"$(window_of alone)"
results=()
for kind in dump wal; do
  read -r tps stall facts <<<"$(window_of $kind)"
  results+=("$kind tps=$tps share=$(echo "scale=2; $tps / $base0" | bc) stall_s=$stall facts_s=$facts")
done
read -r base1 _ _ <<<"$(window_of alone)"
echo "RESULT baseline_tps=\"$base0 $base1\""
for r in "${results[@]}"; do echo "RESULT $r"; done
