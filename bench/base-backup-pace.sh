#!/usr/bin/env bash
# Benchmark: what a wal-mode base backup costs the service, unpaced and at each pace given
# (label backup.postgres.base.max-rate, pg_basebackup's --max-rate; issue 38). A pgbench database
# (pgbench -i -s SCALE) on a volume, the packaged sidecar at the plan's default priority (low), a
# local repo. pgbench -c 2 runs alone (sidecar stopped, stream removed), then during each base backup,
# for as long as that base backup lasts; the same data and volume each time, the container made
# again with the pace's label (labels are fixed when a container is made).
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test image) and `mvn package`.
# Usage: bench/base-backup-pace.sh [SCALE] [RATE ...]   (defaults 70 ≈ 1 GiB, 64M 32M 16M). Prints RESULT lines.
set -euo pipefail
scale=${1:-70}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(64M 32M 16M)
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
name=bsc-bench-pace
port=18094
data=/var/lib/postgresql/data
cleanup() {
  local rc=$?
  # a failed base backup: what the server said of it
  [ "$rc" = 0 ] || docker logs --tail 30 "$name" 2>&1 | sed 's/^/postgres: /' >&2 || true
  stop_sidecar
  docker rm -f "$name" backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
  docker volume rm "$name-data" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

as_pg="setpriv --reuid=postgres --regid=postgres --init-groups"
start_pg() { # start_pg [RATE]: the server on its volume, labelled as a wal-mode target (at RATE)
  # the stream's container joins the server's network namespace: it goes first
  docker rm -f backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
  docker stop -t 60 "$name" >/dev/null 2>&1 || true
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --network none -e PGDATA=$data -v "$name-data:$data" \
    --label backup.enable=true --label backup.strategy=postgres --label backup.plan=critical \
    --label com.docker.compose.service=bench-pg --label backup.postgres.mode=wal \
    --label backup.postgres.checkpoint=fast ${1:+--label backup.postgres.base.max-rate=$1} "$image" sh -c "mkdir -p /var/run/postgresql \
    && chown postgres /var/run/postgresql $data && chmod 700 $data && { [ -s $data/PG_VERSION ] || $as_pg \
    $pg_bin/initdb -D $data -U postgres >/dev/null; } && exec $as_pg $pg_bin/postgres -D $data -c listen_addresses=*" >/dev/null
  until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
}
tps() { # tps SECONDS: pgbench's throughput
  docker exec "$name" "$pg_bin/pgbench" -U postgres -c 2 -T "$1" bench 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
}
during_base() { # during_base SECONDS: one base backup, pgbench for SECONDS beside it; "tps base_seconds"
  ( sleep 1; run_plan "$port" critical > "$work/base" ) &
  local job=$! t
  t=$(tps "$1")
  wait "$job"
  echo "$t $(cat "$work/base")"
}

docker rm -f "$name" >/dev/null 2>&1 || true
docker volume rm "$name-data" >/dev/null 2>&1 || true
start_pg
docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
echo "pgbench -i -s $scale ..."
docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
size_mib=$(( $(docker exec "$name" du -sm "$data" | cut -f1) ))
echo "data folder: $size_mib MiB"
head -c 32 /dev/urandom | base64 > "$work/key"
one_plan_config "$work/repo" "$work/key"

start_sidecar "$work/sidecar.yml" "$port"
first=$(run_plan "$port" critical)
echo "RESULT first-base-backup seconds=$first"
window=$(printf '%.0f' "$(echo "$first + 5" | bc)")
stop_sidecar
docker rm -f backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
alone=$(tps "$window")
echo "RESULT alone tps=$alone seconds=$window"
start_sidecar "$work/sidecar.yml" "$port"
read -r t s <<<"$(during_base "$window")"
echo "RESULT unpaced tps=$t ratio=$(echo "scale=3; $t / $alone" | bc) base_seconds=$s"
stop_sidecar
for rate in "${rates[@]}"; do
  start_pg "$rate"
  start_sidecar "$work/sidecar.yml" "$port"
  kib=${rate%[kM]}
  case $rate in *M) kib=$((kib * 1024)) ;; esac
  # as long as the paced copy of the data folder takes, and the start and the upload's end
  secs=$(( size_mib * 1024 / kib + 8 ))
  read -r t s <<<"$(during_base "$secs")"
  echo "RESULT max-rate=$rate tps=$t ratio=$(echo "scale=3; $t / $alone" | bc) base_seconds=${s:-FAILED}"
  docker logs --since 5m "$name" 2>&1 | grep -E "ERROR|FATAL|LOG:  terminat" | tail -5 | sed 's/^/postgres: /'
  stop_sidecar
done
