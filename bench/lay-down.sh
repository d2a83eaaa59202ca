#!/usr/bin/env bash
# Benchmark: three ways to lay a base backup stored in restic down as files on a volume (issue 38,
# postgres/pitr/DataFolder). A Postgres 17 server of the test image is loaded with pgbench at SCALE,
# its `pg_basebackup -Ft -X fetch` tar stored in a local restic repo with --stdin, as the sidecar
# stores a base backup; then, ROUNDS times each, into an emptied volume:
# - dump_archive: `restic dump` on the host into Docker's archive call (`docker cp -`), the shape of the
#   way the sidecar laid a base down until 2026-11-30 (restic in the sidecar, the archive call into a
#   container that sees the volume; the JVM's copy between the two is not counted here);
# - dump_tar: `restic dump | tar -x` in a container that sees the volume and the repo;
# - restore_tar: `restic restore` of the tar into the volume, then `tar -x` and the tar removed, in that
#   container: the way the sidecar lays it down now (volumes/Helper.unpackTar).
# Each figure is the wall time from the start to the files in place. Needs dockerd, restic on the host
# and the test images (`bash scripts/test.sh` sets them up). Usage: bench/lay-down.sh [SCALE] [ROUNDS]
# (defaults 50, about 750 MiB, and 2). Prints RESULT lines.
set -euo pipefail
scale=${1:-50}
rounds=${2:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
use_postgres17
name=bsc-bench-lay-down
into=bsc-bench-lay-down-into
volume=bsc-bench-lay-down-data
cleanup() {
  docker rm -f "$name" "$into" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export RESTIC_PASSWORD=bench RESTIC_REPOSITORY="$work/repo"
restic init -q
start_postgres "$name" off
docker exec "$name" $pg_bin/pgbench -U postgres -i -q -s "$scale" postgres >/dev/null 2>&1
docker exec "$name" $pg_bin/pg_basebackup -U postgres -D - -Ft -X fetch -c fast \
  | restic backup -q --stdin --stdin-filename /bench-pg/base.tar
snapshot=$(restic snapshots --json -q | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
size=$(restic stats --json -q --mode restore-size "$snapshot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_size"])')
docker rm -f "$name" >/dev/null
docker volume create "$volume" >/dev/null
docker run -d --name "$into" --network none -v "$volume:/data" -v "$work/repo:/repo" \
  -v "$(command -v restic):/usr/local/bin/restic:ro" -e RESTIC_PASSWORD=bench -e RESTIC_REPOSITORY=/repo \
  --entrypoint sleep "$image" 86400 >/dev/null
fresh() { docker exec "$into" sh -c 'rm -rf /data/x /data/fetch; mkdir -p /data/x'; sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
timed() { local t0; t0=$(date +%s.%N); "$@" >/dev/null; echo "scale=2; ($(date +%s.%N) - $t0) / 1" | bc; }
files() { docker exec "$into" sh -c 'find /data/x -type f | wc -l'; }
for round in $(seq 1 "$rounds"); do
  fresh
  a=$(timed sh -c "restic dump -q $snapshot /bench-pg/base.tar | docker cp - $into:/data/x"); fa=$(files)
  fresh
  b=$(timed docker exec "$into" sh -c "restic dump -q --no-cache $snapshot /bench-pg/base.tar | tar -x -C /data/x"); fb=$(files)
  fresh
  c=$(timed docker exec "$into" sh -c "restic restore -q --no-cache $snapshot --target /data/fetch --include /bench-pg/base.tar \
    && tar -x -f /data/fetch/bench-pg/base.tar -C /data/x && rm -rf /data/fetch"); fc=$(files)
  [ "$fa" = "$fb" ] && [ "$fb" = "$fc" ] || { echo "the three ways laid down different files: $fa $fb $fc" >&2; exit 1; }
  echo "RESULT lay-down scale=$scale tar_bytes=$size files=$fa round=$round dump_archive=$a dump_tar=$b restore_tar=$c"
done
