#!/usr/bin/env bash
# Benchmark: what a drill's own checks cost (issue 36), on SIZE_MB of data, each timed alone.
#   Files (a volume, pause, stop or SQLite target): a snapshot of SIZE_MB of incompressible files in a
#   local repo, restored plainly and with --verify (what FilesDrill runs: every restored file read back
#   from the disk and matched); restic check --read-data-subset=1/4 (one part of the rotating read-back,
#   readBackIn: 4) and --read-data (the whole repo).
#   Postgres in wal mode: a cluster with data checksums and a database of SIZE_MB of md5-text rows
#   (bench/lib.sh load_text); pg_basebackup of it (plain, -X fetch) for scale, pg_verifybackup of that
#   base against its manifest (what the wal drill runs before the replay), and pg_checksums --check of
#   the stopped cluster (what it runs after).
# The host's restic (as the scenarios' sidecar runs it) and Postgres 15 of the test image; needs what
# `bash scripts/test.sh` sets up. Usage: bench/drill-checks.sh [SIZE_MB] (default 1024).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-1024}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-checks-pg
. "$here/bench/lib.sh"
trap 'docker rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

seconds() { # seconds COMMAND...: how long it ran (it must succeed)
  local s e
  s=$(date +%s.%N)
  "$@" >/dev/null
  e=$(date +%s.%N)
  echo "$s $e" | awk '{printf "%.1f", $2 - $1}'
}

# files
mkdir -p "$work/data" "$work/plain" "$work/verified"
for i in $(seq 1 $((size_mb / 64))); do head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/data/blob-$i"; done
export RESTIC_REPOSITORY="$work/repo" RESTIC_PASSWORD=bench-drill-checks
restic init -q
restic backup -q "$work/data"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
plain=$(seconds restic restore latest --target "$work/plain")
rm -rf "$work/plain"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
verified=$(seconds restic restore latest --target "$work/verified" --verify)
cmp -s "$work/data/blob-1" "$work/verified$work/data/blob-1" || { echo "the restore is not the data" >&2; exit 1; }
rm -rf "$work/verified"
part=$(seconds restic check --read-data-subset=1/4)
whole=$(seconds restic check --read-data)
echo "RESULT files size=${size_mb}MiB restore=${plain}s restore_verify=${verified}s check_1_of_4=${part}s check_read_data=${whole}s"

# Postgres in wal mode: the container idles, the server runs under pg_ctl, so it stops with the container left
docker rm -f "$name" >/dev/null 2>&1 || true
docker run -d --name "$name" --network none "$image" sh -c 'trap "exit 0" TERM; sleep infinity & wait' >/dev/null
in_pg() { docker exec -u postgres "$name" sh -c "$1"; }
docker exec "$name" sh -c "mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql"
in_pg "$pg_bin/initdb -D /tmp/pgdata -U postgres --auth=trust --data-checksums >/dev/null \
  && $pg_bin/pg_ctl -D /tmp/pgdata -o '-c listen_addresses= -c fsync=off' -l /tmp/pg.log -w start >/dev/null"
load_text "$name" "$size_mb"
base=$(seconds in_pg "$pg_bin/pg_basebackup -U postgres -D /tmp/base -Fp -X fetch -c fast")
verify=$(seconds in_pg "$pg_bin/pg_verifybackup -q /tmp/base")
in_pg "$pg_bin/pg_ctl -D /tmp/pgdata -m fast -w stop" >/dev/null
checksums=$(seconds in_pg "$pg_bin/pg_checksums --check -D /tmp/pgdata")
size=$(docker exec "$name" du -sm /tmp/pgdata | cut -f1)
echo "RESULT wal size=${size_mb}MiB cluster=${size}MiB pg_basebackup=${base}s pg_verifybackup=${verify}s pg_checksums_check=${checksums}s"
