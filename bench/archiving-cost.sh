#!/usr/bin/env bash
# Benchmark (issue 38): what archiving WAL costs the service, the sidecar's stream against
# pgBackRest's archive_command, on one Postgres 17 server (the test image debian-postgres17, with
# pgBackRest 2.55). pgbench -c 2 on a database of pgbench -i -s SCALE, WINDOW seconds at a time,
# ROUNDS rounds of three windows, each the only thing archiving:
# - alone: archive_command '/bin/true' (archive_mode stays on: turning it off needs a restart), no
#   sidecar and no stream;
# - pgBackRest as its user guide sets up one server (archive-push, process-max 2, its default
#   compression, the repo encrypted, archive_timeout 60 s), the sidecar stopped, its stream removed;
# - the sidecar in wal mode: its stream (pg_receivewal from the target's image, in the server's
#   network namespace) and the ship every 15 s into a local restic repo, archive_command '/bin/true'.
#   The window starts once the sidecar has shipped past its own start and its stream has caught up
#   (all but 16 MiB received), so the WAL its slot kept while it was stopped is not counted against it.
# The sidecar's first base backup is made before the windows (what a base backup costs:
# bench/base-backup-pace.sh). Each window's ratio is its TPS over the mean of the alone windows.
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test images) and `mvn package`.
# Usage: bench/archiving-cost.sh [SCALE] [WINDOW] [ROUNDS]   (defaults 50 ≈ 750 MiB, 60, 2).
# Prints RESULT lines; bench/results.md records runs.
set -euo pipefail
scale=${1:-50}
window=${2:-60}
rounds=${3:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
use_postgres17
name=bsc-bench-archiving
port=18096
data=/var/lib/postgresql/data
stream=backrest-sidecar-wal-bench-pg
cleanup() {
  cleanup_wal_bench
  docker volume rm "$name-pgbr" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker volume rm "$name-pgbr" >/dev/null 2>&1 || true
start_wal_postgres "$name" "" -v "$name-pgbr:/var/lib/pgbackrest"

setup_pgbackrest
echo "pgbench -i -s $scale ..."
docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
# pgBackRest's own full backup, as its archive needs one to be of use (not timed here)
pgbr --type=full backup

archive_with() { # archive_with COMMAND: the server's archive_command, reloaded
  docker exec "$name" psql -U postgres -qc "ALTER SYSTEM SET archive_command = '$1'" -c "SELECT pg_reload_conf()" >/dev/null
}
tps() { # tps: pgbench's throughput over the window
  docker exec "$name" "$pg_bin/pgbench" -U postgres -c 2 -T "$window" bench 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
}
sidecar_up() { # the sidecar started, its stream up and shipped past the moment it started, then caught up
  local t until
  t=$(date +%s.%N)
  start_sidecar "$work/sidecar.yml" "$port"
  docker exec "$name" psql -U postgres -qAtc "SELECT pg_switch_wal()" >/dev/null
  for _ in $(seq 1 240); do
    until=$(api "$port" /api/targets/bench-pg/window | sed -n 's/.*"until":"\([^"]*\)".*/\1/p')
    if [ -n "$until" ] && [ "$(echo "$(date -d "$until" +%s.%N) > $t" | bc)" = 1 ]; then caught_up; return 0; fi
    sleep 1
  done
  echo "the sidecar did not ship past its start" >&2
  return 1
}
# caught_up: the stream has received all but 16 MiB of what the server wrote. A ship past the start
# is not enough: the slot kept the WAL of the windows before (about 1 GB a minute of pgbench here),
# and a window that opened on it measured the catch-up (the stream up to 1.2 GB behind in its window)
caught_up() {
  local b
  for _ in $(seq 1 300); do
    b=$(docker exec "$name" psql -U postgres -XAtc "SELECT coalesce(max(pg_current_wal_lsn() - write_lsn), -1)::bigint
      FROM pg_stat_replication WHERE application_name = 'backrest-sidecar-wal'")
    if [ "$b" -ge 0 ] && [ "$b" -lt 16777216 ]; then return 0; fi
    sleep 1
  done
  echo "the stream did not catch up" >&2
  return 1
}
sidecar_down() {
  stop_sidecar
  docker rm -f "$stream" >/dev/null 2>&1 || true
}

head -c 32 /dev/urandom | base64 > "$work/key"
one_plan_config "$work/repo" "$work/key"
archive_with /bin/true
# (its window opens with its first base backup: sidecar_up waits on it from the first round on)
start_sidecar "$work/sidecar.yml" "$port"
first=$(run_plan "$port" critical)
echo "RESULT sidecar-first-base-backup seconds=$first"

alone_sum=0
declare -a alone_tps pgbr_tps side_tps
for round in $(seq 1 "$rounds"); do
  sidecar_down
  archive_with /bin/true
  alone_tps[$round]=$(tps)
  echo "RESULT round=$round alone tps=${alone_tps[$round]}"
  alone_sum=$(echo "$alone_sum + ${alone_tps[$round]}" | bc)

  archive_with "$pgbr_push"
  pgbr_tps[$round]=$(tps)
  echo "RESULT round=$round pgbackrest tps=${pgbr_tps[$round]}"
  archive_with /bin/true

  sidecar_up
  side_tps[$round]=$(tps)
  echo "RESULT round=$round sidecar tps=${side_tps[$round]}"
done
alone_mean=$(echo "scale=3; $alone_sum / $rounds" | bc)
for round in $(seq 1 "$rounds"); do
  echo "RESULT round=$round pgbackrest_ratio=$(echo "scale=3; ${pgbr_tps[$round]} / $alone_mean" | bc)" \
    "sidecar_ratio=$(echo "scale=3; ${side_tps[$round]} / $alone_mean" | bc) alone_mean_tps=$alone_mean"
done
# what each archived: the sidecar's window and pgBackRest's last archived segment
api "$port" /api/targets/bench-pg/window | sed 's/^/sidecar window: /' | cut -c1-300
docker exec "$name" psql -U postgres -Atc "SELECT 'pgBackRest archived: ' || archived_count || ' segments, failed ' || failed_count FROM pg_stat_archiver"
