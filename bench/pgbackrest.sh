#!/usr/bin/env bash
# Benchmark: the sidecar's wal mode beside pgBackRest (issue 38), on one Postgres 17 server, the same
# data, in the same run. The server (the test image debian-postgres17: Debian trixie's Postgres 17.12
# and pgBackRest 2.55) is backed up by both at once:
# - the packaged sidecar: wal mode, a base backup a run (incremental, a full one every FULL_EVERY),
#   the WAL streamed and shipped every 15 s, into a local restic repo;
# - pgBackRest as its user guide sets up one server: archive_command (archive-push), process-max 2,
#   its default compression, the repo encrypted (aes-256-cbc, as restic's always is), start-fast (as
#   the sidecar's checkpoint fast here), archive_timeout 60 s; a full backup, then `--type=incr` a day,
#   a full one every FULL_EVERY days, as the sidecar's chain.
# Each day of WORKLOAD (bench/lib.sh bench_workload: chats, webui or pgbench's worst case) is followed by a
# CHECKPOINT and one backup by each tool, one after the other. Then, for each tool:
# - the repo's bytes after DAYS days against its first full backup;
# - a restore to a moment after the last day (base backups and the day's WAL) into a new container
#   and a new volume, timed from the call to the server promoted, its rows checked;
# - the server killed under writes (a row every 0.2 s), then a restore of the newest WAL each repo
#   holds into a new container: how many seconds of rows each lost (the recovery point).
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test images) and `mvn package`.
# Usage: bench/pgbackrest.sh [WORKLOAD] [MIB] [DAYS] [FULL_EVERY]
#   (defaults chats, 256, 14, 7). Prints RESULT lines. PGBR_BLOCK=y turns on pgBackRest's block-level
#   incremental (repo1-block with repo1-bundle, not its default): an incr then stores the changed
#   blocks of a file instead of the whole file.
set -euo pipefail
workload=${1:-chats}
mib=${2:-256}
days=${3:-14}
full_every=${4:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
use_postgres17
name=bsc-bench-pgbr
port=18095
data=/var/lib/postgresql/data
as_pg="setpriv --reuid=postgres --regid=postgres --init-groups"
# the sidecar names every container it makes so
by_sidecar=backrest-sidecar-bench-pgbr-by-sidecar
cleanup() {
  cleanup_wal_bench
  for c in "$name-by-pgbr" "$by_sidecar"; do
    docker rm -f -v "$c" >/dev/null 2>&1 || true
    docker volume rm "$c-data" >/dev/null 2>&1 || true
  done
  docker volume rm "$name-pgbr" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker volume rm "$name-pgbr" >/dev/null 2>&1 || true
start_wal_postgres "$name" --data-checksums --label backup.postgres.base.full-every="$full_every" \
  -v "$name-pgbr:/var/lib/pgbackrest"

setup_pgbackrest

bench_workload "$workload" "$mib"
sql "CREATE TABLE beats (at timestamptz DEFAULT clock_timestamp())"
sql "CHECKPOINT"
db_mib=$(( $(sql "select pg_database_size('bench')") / 1048576 ))
echo "workload $workload: database $db_mib MiB, $days days, a full base backup every $full_every, pgBackRest block incremental ${PGBR_BLOCK:-n}"

head -c 32 /dev/urandom | base64 > "$work/key"
one_plan_config "$work/repo" "$work/key"
# at DEBUG each job's phases are logged with their lengths: where a restore's time goes is printed below
start_sidecar "$work/sidecar.yml" "$port" QUARKUS_LOG_CATEGORY__ORG_BACKRESTSIDECAR__LEVEL=DEBUG
sidecar_bytes() { du -sb "$work/repo" | cut -f1; }
pgbr_bytes() { docker exec "$name" du -sb /var/lib/pgbackrest/repo | cut -f1; }
pgbr_backup() { # pgbr_backup TYPE: seconds
  local start
  start=$(date +%s.%N)
  pgbr --type="$1" backup >&2
  echo "$(date +%s.%N) - $start" | bc
}
# both repos hold the WAL up to now: the sidecar's window reaches past it, pgBackRest archived the
# segment a switch closed
both_shipped() {
  local t segment
  t=$(date +%s.%N)
  # a row first: a switch with nothing written since the last one closes no segment
  sql "INSERT INTO beats DEFAULT VALUES"
  segment=$(docker exec "$name" psql -U postgres -Atc "SELECT pg_walfile_name(pg_switch_wal())")
  until [ "$(docker exec "$name" psql -U postgres -Atc "SELECT coalesce(substr(last_archived_wal, 1, 24) >= '$segment', false) FROM pg_stat_archiver")" = t ]; do sleep 0.5; done
  for _ in $(seq 1 150); do
    until=$(api "$port" /api/targets/bench-pg/window | sed -n 's/.*"until":"\([^"]*\)".*/\1/p')
    if [ -n "$until" ] && [ "$(echo "$(date -d "$until" +%s.%N) > $t" | bc)" = 1 ]; then return 0; fi
    sleep 1
  done
  echo "the sidecar did not ship past $t" >&2; return 1
}

s_side=$(run_plan "$port" critical)
s_pgbr=$(pgbr_backup full)
both_shipped
first_side=$(sidecar_bytes)
first_pgbr=$(pgbr_bytes)
echo "RESULT first-full sidecar_seconds=$s_side sidecar_bytes=$first_side pgbackrest_seconds=$s_pgbr pgbackrest_bytes=$first_pgbr database_mib=$db_mib"
before_side=$first_side
before_pgbr=$first_pgbr
for d in $(seq 1 "$days"); do
  day "$d"
  sql "CHECKPOINT"
  s_side=$(run_plan "$port" critical)
  kind=incr
  [ $(( d % full_every )) -eq 0 ] && kind=full
  s_pgbr=$(pgbr_backup "$kind")
  both_shipped
  now_side=$(sidecar_bytes)
  now_pgbr=$(pgbr_bytes)
  echo "RESULT day=$d sidecar_seconds=$s_side sidecar_added=$((now_side - before_side)) pgbackrest_type=$kind pgbackrest_seconds=$s_pgbr pgbackrest_added=$((now_pgbr - before_pgbr))"
  before_side=$now_side
  before_pgbr=$now_pgbr
done
echo "RESULT storage workload=$workload database_mib=$db_mib days=$days full_every=$full_every sidecar_ratio=$(echo "scale=2; $before_side / $first_side" | bc) pgbackrest_ratio=$(echo "scale=2; $before_pgbr / $first_pgbr" | bc) sidecar_bytes=$before_side pgbackrest_bytes=$before_pgbr"

# a restore to a moment: after the last base backups, one more day's change in the WAL
day $((days + 1))
moment=$(docker exec "$name" psql -U postgres -Atc "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00:00')")
expected=$(sql "$rows")
sql "INSERT INTO beats DEFAULT VALUES"
both_shipped

# wait_promoted CONTAINER: until it takes writes
wait_promoted() {
  until [ "$(docker exec "$1" psql -U postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do
    [ "$(docker inspect -f '{{.State.Running}}' "$1")" = true ] || { docker logs "$1" 2>&1 | tail -20 >&2; return 1; }
    sleep 0.1
  done
}
# pgbr_restore_new OPTIONS...: pgBackRest's restore into a new container and volume, the server started
# on it; the container is $name-by-pgbr
pgbr_restore_new() {
  docker rm -f -v "$name-by-pgbr" >/dev/null 2>&1 || true
  docker volume rm "$name-by-pgbr-data" >/dev/null 2>&1 || true
  docker run -d --name "$name-by-pgbr" --network none -v "$name-by-pgbr-data:$data" -v "$name-pgbr:/var/lib/pgbackrest" \
    "$image" sh -c "mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql $data && chmod 700 $data \
    && $as_pg pgbackrest --config=$pgbr_conf --stanza=bench --archive-mode=off $([ $# -eq 0 ] || printf '%q ' "$@") restore \
    && exec $as_pg $pg_bin/postgres -D $data -c listen_addresses=*" >/dev/null
  wait_promoted "$name-by-pgbr"
}
# sidecar_restore_new TO: the sidecar's restore into a new container ($by_sidecar); fails unless it succeeded
sidecar_restore_new() {
  docker rm -f -v "$by_sidecar" >/dev/null 2>&1 || true
  docker volume rm "$by_sidecar-data" >/dev/null 2>&1 || true
  local id
  id=$(api "$port" /api/restores -X POST -d "{\"target\":\"bench-pg\",\"to\":\"$1\",\"newContainer\":\"$by_sidecar\"}" \
    | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  [ -n "$id" ] || { echo "the sidecar refused the restore to $1" >&2; return 1; }
  until api "$port" "/api/restores/$id" | grep -q '"endedAt":"'; do sleep 0.2; done
  api "$port" "/api/restores/$id" | grep -q '"state":"SUCCEEDED"' || { api "$port" "/api/restores/$id" >&2; return 1; }
  wait_promoted "$by_sidecar"
}
timed() { local start; start=$(date +%s.%N); "$@"; echo "$(date +%s.%N) - $start" | bc; }
in_db() { docker exec "$1" psql -U postgres -d bench -Atc "$2"; }

t_side=$(timed sidecar_restore_new "$moment" | tail -1)
# its phases, and the restic dumps within them
sed -n '/restore of bench-pg started/,/restore of bench-pg succeeded/p' "$work/sidecar.log" \
  | grep -a -E "JobLife|restic dump|lay-down" | sed -E 's/^[0-9-]+ ([0-9:,]+) DEBUG \[[A-Za-z]+\] /PHASE \1 /'
[ "$(in_db "$by_sidecar" "$rows")" = "$expected" ] || { echo "the sidecar's restore does not hold the rows of $moment" >&2; exit 1; }
t_pgbr=$(timed pgbr_restore_new --type=time "--target=$moment" --target-action=promote | tail -1)
[ "$(in_db "$name-by-pgbr" "$rows")" = "$expected" ] || { echo "pgBackRest's restore does not hold the rows of $moment" >&2; exit 1; }
echo "RESULT restore-to-a-moment workload=$workload database_mib=$db_mib sidecar_seconds=$t_side pgbackrest_seconds=$t_pgbr ratio=$(echo "scale=2; $t_side / $t_pgbr" | bc) (into a new container, base backups and a day of WAL, until promoted; rows checked)"
docker rm -f -v "$by_sidecar" "$name-by-pgbr" >/dev/null
docker volume rm "$by_sidecar-data" "$name-by-pgbr-data" >/dev/null

# the server dies under writes: a row every 0.2 s for 45 s, then SIGKILL
( end=$(( $(date +%s) + 45 )); while [ "$(date +%s)" -lt "$end" ]; do sql "INSERT INTO beats DEFAULT VALUES" || true; sleep 0.2; done ) &
writer=$!
wait "$writer"
last=$(sql "SELECT extract(epoch FROM max(at)) FROM beats")
docker kill "$name" >/dev/null
sleep 20 # the sidecar's next ship finds the stream gone; pgBackRest has what archive_command pushed
t_side=$(timed sidecar_restore_new latest | tail -1)
t_pgbr=$(timed pgbr_restore_new | tail -1)
lost_side=$(echo "$last - $(in_db "$by_sidecar" "SELECT extract(epoch FROM max(at)) FROM beats")" | bc)
lost_pgbr=$(echo "$last - $(in_db "$name-by-pgbr" "SELECT extract(epoch FROM max(at)) FROM beats")" | bc)
echo "RESULT server-killed workload=$workload sidecar_lost_seconds=$lost_side pgbackrest_lost_seconds=$lost_pgbr sidecar_restore_seconds=$t_side pgbackrest_restore_seconds=$t_pgbr (a row every 0.2 s, the newest WAL each repo holds restored into a new container)"
