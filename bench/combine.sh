#!/usr/bin/env bash
# Benchmark: the ways pg_combinebackup (Postgres 17) can write a chain's combined base, the step a
# wal-mode restore of an incremental chain spends its time on after the fetch (issue 38,
# postgres/pitr/DataFolder COMBINE). A Postgres 17 server of the test image (summarize_wal on) is
# loaded with pgbench at SCALE and vacuumed; a full base backup (plain format) is taken onto a volume,
# 1 % of pgbench_accounts' rows are updated (CHANGE: spread over the table, every page touched,
# pgbench's worst case; or recent, the newest rows, as chats appended and edited touch few pages),
# and an incremental one is taken against the full's manifest. Then, ROUNDS times each, the two are combined into an emptied folder on
# the same volume, the page cache dropped first (when the host lets us):
# - copy: pg_combinebackup's defaults (read and write each file; a CRC-32C of each in the manifest);
# - copy_nosum: the same with --manifest-checksums=NONE (sizes only in the combined manifest);
# - cfr: --copy-file-range (the kernel copies unchanged files; ext4 still writes their blocks);
# - cfr_nosum: both.
# Each figure is the wall time of pg_combinebackup alone. Needs dockerd and the test images (`bash
# scripts/test.sh` sets them up). Usage: bench/combine.sh [SCALE] [ROUNDS] [CHANGE] (defaults 50, 2,
# spread).
# Prints RESULT lines.
set -euo pipefail
scale=${1:-50}
rounds=${2:-2}
change=${3:-spread}
case "$change" in
  spread) which='aid % 100 = 7' ;;
  recent) which="aid > $((scale * 100000 * 99 / 100))" ;;
  *) echo "CHANGE is spread or recent, not $change" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
use_postgres17
name=bsc-bench-combine
volume=bsc-bench-combine-data
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
docker volume rm "$volume" >/dev/null 2>&1 || true
start_postgres "$name" off -v "$volume:/data"
as_pg() { docker exec -u postgres "$name" sh -c "$1"; }
docker exec "$name" sh -c 'chown postgres /data'
docker exec "$name" psql -U postgres -qc 'ALTER SYSTEM SET summarize_wal = on' -c 'SELECT pg_reload_conf()' >/dev/null
docker exec "$name" $pg_bin/pgbench -U postgres -i -q -s "$scale" postgres >/dev/null 2>&1
docker exec "$name" psql -U postgres -qc 'VACUUM ANALYZE' >/dev/null
as_pg "$pg_bin/pg_basebackup -U postgres -D /data/full -X fetch -c fast"
docker exec "$name" psql -U postgres -qc "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE $which" >/dev/null
# the summarizer must have read up to the incremental's start: a checkpoint, then its WAL summarized
docker exec "$name" psql -U postgres -qc 'CHECKPOINT' >/dev/null
as_pg "$pg_bin/pg_basebackup -U postgres -D /data/incr -X fetch -c fast --incremental /data/full/backup_manifest"
sizes=$(as_pg 'du -sm /data/full /data/incr' | awk '{print $1}' | paste -sd/)
timed() { local t0; t0=$(date +%s.%N); "$@" >/dev/null; echo "scale=2; ($(date +%s.%N) - $t0) / 1" | bc; }
combine() {
  as_pg 'rm -rf /data/out'
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  timed as_pg "$pg_bin/pg_combinebackup --no-sync $* -o /data/out /data/full /data/incr"
}
# what a way wrote: every file's name and size, the manifest aside (its checksums differ by design)
files() { as_pg "cd /data/out && find . -type f ! -name backup_manifest -printf '%P %s\\n' | sort | md5sum | cut -c1-12"; }
count() { as_pg 'find /data/out -type f | wc -l'; }
for round in $(seq 1 "$rounds"); do
  a=$(combine); fa=$(files)
  b=$(combine --manifest-checksums=NONE); fb=$(files)
  c=$(combine --copy-file-range); fc=$(files)
  d=$(combine --copy-file-range --manifest-checksums=NONE); fd=$(files); n=$(count)
  [ "$fa" = "$fb" ] && [ "$fb" = "$fc" ] && [ "$fc" = "$fd" ] || { echo "the ways wrote different files: $fa $fb $fc $fd" >&2; exit 1; }
  echo "RESULT combine scale=$scale change=$change full/incr_MiB=$sizes files=$n round=$round copy=$a copy_nosum=$b cfr=$c cfr_nosum=$d"
done
