#!/usr/bin/env bash
# Benchmark: incremental base backups on Postgres 17 (issue 38). A wal-mode Postgres 17 (the test
# image debian-postgres17) backed up by the packaged sidecar into a local repo, a base backup a day
# for DAYS days, under one of three workloads (bench/lib.sh bench_workload): chats, as our users'
# databases grow; webui, Open WebUI's own tables written as it writes them; or pgbench's worst case,
# every page of the table changed every day.
# For each it prints the repo's bytes after the DAYS days against the first base backup, with the
# plan's default chain (backup.postgres.base.full-every=7: a full one a week) and with full base
# backups only (full-every=1), and what each day's base backup stored.
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test images) and `mvn package`.
# Usage: bench/incremental.sh [WORKLOAD] [MIB] [DAYS] [FULL_EVERY]
#   (defaults chats, 256, 30, 7). Prints RESULT lines.
set -euo pipefail
workload=${1:-chats}
mib=${2:-256}
days=${3:-30}
full_every=${4:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
use_postgres17
name=bsc-bench-incr
port=18094
trap cleanup_wal_bench EXIT
start_wal_postgres "$name" --data-checksums --label backup.postgres.base.full-every="$full_every"
bench_workload "$workload" "$mib"
sql "CHECKPOINT"
db_mib=$(( $(sql "select pg_database_size('bench')") / 1048576 ))
echo "workload $workload: database $db_mib MiB, $days days, full-every $full_every"

head -c 32 /dev/urandom | base64 > "$work/key"
one_plan_config "$work/repo" "$work/key"
start_sidecar "$work/sidecar.yml" "$port"
repo_bytes() { du -sb "$work/repo" | cut -f1; }
base_seconds=$(run_plan "$port" critical)
first=$(repo_bytes)
echo "RESULT first-base seconds=$base_seconds repo_bytes=$first database_mib=$db_mib"
before=$first
for d in $(seq 1 "$days"); do
  day "$d"
  sql "CHECKPOINT"
  s=$(run_plan "$port" critical)
  now=$(repo_bytes)
  kind=$(grep -c "incremental against" "$work/sidecar.log" || true)
  echo "RESULT day=$d seconds=$s added_bytes=$((now - before)) repo_bytes=$now incrementals_so_far=$kind"
  before=$now
done
echo "RESULT storage workload=$workload database_mib=$db_mib days=$days full_every=$full_every first_base_bytes=$first repo_bytes=$before ratio_to_first=$(echo "scale=2; $before / $first" | bc) database_mib_after=$(( $(sql "select pg_database_size('bench')") / 1048576 ))"

# the service's throughput during a base backup of this chain's kind: pgbench -c 2 on a database of
# its own (made now, so the storage above is the workload's alone), alone and beside a run
docker exec "$name" psql -U postgres -qc 'CREATE DATABASE load'
docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s 10 load >/dev/null 2>&1
run_plan "$port" critical >/dev/null # takes the new database in
day 0
tps() { docker exec "$name" "$pg_bin/pgbench" -U postgres -c 2 -T "$1" load 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1; }
alone=$(tps 20)
incrementals=$(grep -c "incremental against" "$work/sidecar.log" || true)
( tps 20 > "$work/during" ) &
load=$!
sleep 1
s=$(run_plan "$port" critical)
wait "$load"
kind=full
[ "$(grep -c "incremental against" "$work/sidecar.log" || true)" -gt "$incrementals" ] && kind=incremental
echo "RESULT throughput workload=$workload base=$kind base_seconds=$s alone_tps=$alone during_tps=$(cat "$work/during") ratio=$(echo "scale=3; $(cat "$work/during") / $alone" | bc) (pgbench for 20 s, the base backup inside it)"
