#!/usr/bin/env bash
# Benchmark: Postgres in wal mode (issue 19). A pgbench database (pgbench -i -s SCALE) labelled
# backup.postgres.mode=wal, backed up by the packaged sidecar into a local repo:
# - recovery point under load: pgbench -c 2 for LOAD seconds while the stream runs; every 2 s the
#   age of the newest restorable moment (GET /api/targets/bench-pg/window, `until`) is sampled;
# - the service's throughput: pgbench alone (stream stopped, sidecar down), while streaming, and
#   during a base backup (checkpoint fast);
# - storage: DAYS simulated days after the first base backup, each 1 % of the accounts updated
#   (`aid % 100 = k`, so every page of the table is touched) and a CHECKPOINT (the next writes log
#   whole pages again, as on a real day), the WAL shipped; the repo against the first base backup.
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test image) and `mvn package`.
# Usage: bench/pitr.sh [SCALE] [DAYS] [LOAD]   (defaults 70 ≈ 1 GiB, 30, 60). Prints RESULT lines.
set -euo pipefail
scale=${1:-70}
days=${2:-30}
load=${3:-60}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
name=bsc-bench-pitr
port=18093
cleanup() {
  stop_sidecar
  docker rm -f "$name" backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
  docker volume rm "$name-data" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

data=/var/lib/postgresql/data
as_pg="setpriv --reuid=postgres --regid=postgres --init-groups"
docker rm -f "$name" >/dev/null 2>&1 || true
# laid out as the official image: data on a volume, the server PID 1, listening, initdb's pg_hba
docker run -d --name "$name" --network none -e PGDATA=$data -v "$name-data:$data" \
  --label backup.enable=true --label backup.strategy=postgres --label backup.plan=critical \
  --label com.docker.compose.service=bench-pg --label backup.postgres.mode=wal \
  --label backup.postgres.checkpoint=fast "$image" sh -c "mkdir -p /var/run/postgresql \
  && chown postgres /var/run/postgresql $data && chmod 700 $data && { [ -s $data/PG_VERSION ] || $as_pg \
  $pg_bin/initdb -D $data -U postgres >/dev/null; } && exec $as_pg $pg_bin/postgres -D $data -c listen_addresses=*" >/dev/null
until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
echo "pgbench -i -s $scale ..."
docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
db_mib=$(( $(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')") / 1048576 ))
echo "database: $db_mib MiB"

head -c 32 /dev/urandom | base64 > "$work/key"
one_plan_config "$work/repo" "$work/key"
repo_bytes() { du -sb "$work/repo" | cut -f1; }
tps() { # tps SECONDS: pgbench's throughput
  docker exec "$name" "$pg_bin/pgbench" -U postgres -c 2 -T "$1" bench 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
}
until_age() { # seconds between now and the newest restorable moment
  local until
  until=$(api "$port" /api/targets/bench-pg/window | sed -n 's/.*"until":"\([^"]*\)".*/\1/p')
  [ -n "$until" ] && echo "$(date +%s.%N) - $(date -d "$until" +%s.%N)" | bc
}
shipped_past() { # waits until the repo holds WAL up to the moment given (epoch seconds)
  local t=$1 until
  for _ in $(seq 1 150); do
    until=$(api "$port" /api/targets/bench-pg/window | sed -n 's/.*"until":"\([^"]*\)".*/\1/p')
    if [ -n "$until" ] && [ "$(echo "$(date -d "$until" +%s.%N) > $t" | bc)" = 1 ]; then return 0; fi
    sleep 2
  done
  echo "WAL was not shipped past $t" >&2; return 1
}

start_sidecar "$work/sidecar.yml" "$port"
base_s=$(run_plan "$port" critical)
first=$(repo_bytes)
echo "RESULT base-backup seconds=$base_s repo_bytes=$first database_mib=$db_mib"

# throughput alone: no sidecar, no stream
stop_sidecar
docker rm -f backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
alone=$(tps "$load")
start_sidecar "$work/sidecar.yml" "$port"
shipped_past "$(date +%s)"
# while streaming: the recovery point sampled every 2 s
: > "$work/ages"
( end=$(( $(date +%s) + load )); while [ "$(date +%s)" -lt "$end" ]; do until_age >> "$work/ages" || true; sleep 2; done ) &
sampler=$!
streaming=$(tps "$load")
wait "$sampler"
max_age=$(sort -g "$work/ages" | tail -1)
mean_age=$(awk '{s += $1} END {if (NR) printf "%.1f", s / NR}' "$work/ages")
# during a base backup
( sleep 1; run_plan "$port" critical > "$work/base2" ) &
base_job=$!
during_base=$(tps "$(printf '%.0f' "$(echo "$base_s + 5" | bc)")")
wait "$base_job"
echo "RESULT throughput alone_tps=$alone streaming_tps=$streaming ratio=$(echo "scale=3; $streaming / $alone" | bc) during_base_tps=$during_base ratio_base=$(echo "scale=3; $during_base / $alone" | bc)"
echo "RESULT recovery-point-under-load max_seconds=$max_age mean_seconds=$mean_age samples=$(wc -l < "$work/ages")"

# storage: one base backup, then DAYS days of 1 % changed, shipped as WAL
before=$(repo_bytes)
base_bytes=$((before - first))
for day in $(seq 1 "$days"); do
  docker exec "$name" psql -U postgres -d bench -qc "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 100 = $(( (day * 7) % 100 ))"
  docker exec "$name" psql -U postgres -qc "CHECKPOINT"
done
shipped_past "$(date +%s)"
after=$(repo_bytes)
rss=$(ps -o rss= -p "$sidecar_pid" | tr -d ' ')
echo "RESULT storage days=$days first_base_bytes=$first second_base_bytes=$base_bytes wal_bytes=$((after - before)) ratio_month_to_base=$(echo "scale=2; ($first + $after - $before) / $first" | bc) sidecar_rss_kib=$rss"
