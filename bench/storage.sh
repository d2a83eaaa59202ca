#!/usr/bin/env bash
# Benchmark: what a Postgres dump costs in a restic repo over time, with pg_dump's own compression
# (-Fc, zlib: today's default) and without it (-Fc -Z0, left to restic's zstd, repository format 2).
# A pgbench database (pgbench -i -s SCALE); one backup; 1 % of the accounts changed
# (`update pgbench_accounts ... where aid % 100 = k`); a second backup; then a simulated month of
# daily runs (MONTH_RUNS backups, 1 % changed before each). Per mode: dump time, repo growth of the
# second backup against the first, the month's repo against one backup, and a pg_restore into a new
# database from the last dump. Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test image).
# Usage: bench/storage.sh [SCALE] [MONTH_RUNS] [DATA]   (defaults 70 ≈ 1 GiB, 30, pgbench). DATA=text
# loads instead a table of ~1 KiB md5-text rows (SCALE × 15 MiB, compressing about 2:1 like
# application text; pgbench's blank-padded rows compress about 35:1) and changes 1 % of its rows.
# Prints RESULT lines.
set -euo pipefail
scale=${1:-70}
month_runs=${2:-30}
data=${3:-pgbench}
image=backrest-sidecar-test/debian-services:latest
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-storage
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

docker rm -f "$name" >/dev/null 2>&1 || true
bin=/usr/lib/postgresql/15/bin
docker run -d --name "$name" --network none "$image" sh -c "mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql && su postgres -s /bin/sh -c '$bin/initdb -D /tmp/pgdata -U postgres --auth=trust >/dev/null && exec $bin/postgres -D /tmp/pgdata -c listen_addresses= -c fsync=off'" >/dev/null
until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
if [ "$data" = text ]; then
  rows=$((scale * 15 * 1024))
  echo "loading $rows rows of md5 text ..."
  docker exec "$name" psql -U postgres -d bench -qc "CREATE TABLE t (id bigint PRIMARY KEY, body text);
    INSERT INTO t SELECT g, (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 30) k)
    FROM generate_series(1, $rows) g"
else
  echo "pgbench -i -s $scale ..."
  docker exec "$name" "$bin/pgbench" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
fi
db_mib=$(( $(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')") / 1048576 ))
echo "database: $db_mib MiB"

repo_bytes() { du -sb "$1" | cut -f1; }
change() { # change K: 1 % of the rows
  if [ "$data" = text ]; then
    docker exec "$name" psql -U postgres -d bench -qc "UPDATE t SET body = md5(body) || substr(body, 33) WHERE id % 100 = $1"
  else
    docker exec "$name" psql -U postgres -d bench -qc "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 100 = $1"
  fi
}
backup() { # backup MODE REPO: one dump into the repo; prints its seconds
  local flags=$1 repo=$2 start
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  docker exec "$name" pg_dump -U postgres $flags bench \
    | restic -r "$repo" --password-file "$work/key" --cache-dir "$work/cache" backup -q --stdin --stdin-filename bench.dump
  echo "$(date +%s.%N) - $start" | bc
}

head -c 32 /dev/urandom | base64 > "$work/key"
declare -A first second month dump1 restore_s
for mode in Fc Z0; do
  flags="-Fc"; [ $mode = Z0 ] && flags="-Fc -Z0"
  repo=$work/repo-$mode
  restic -r "$repo" --password-file "$work/key" init -q
  dump1[$mode]=$(backup "$flags" "$repo")
  first[$mode]=$(repo_bytes "$repo")
done
change 7
for mode in Fc Z0; do
  flags="-Fc"; [ $mode = Z0 ] && flags="-Fc -Z0"
  backup "$flags" "$work/repo-$mode" >/dev/null
  second[$mode]=$(repo_bytes "$work/repo-$mode")
done
for day in $(seq 3 "$month_runs"); do
  change $(( (day * 7) % 100 ))
  for mode in Fc Z0; do
    flags="-Fc"; [ $mode = Z0 ] && flags="-Fc -Z0"
    backup "$flags" "$work/repo-$mode" >/dev/null
  done
done
for mode in Fc Z0; do
  month[$mode]=$(repo_bytes "$work/repo-$mode")
  # the newest dump back into a new database, as a restore would
  docker exec "$name" psql -U postgres -qc "DROP DATABASE IF EXISTS back_${mode,,}" -qc "CREATE DATABASE back_${mode,,}"
  start=$(date +%s.%N)
  restic -r "$work/repo-$mode" --password-file "$work/key" --cache-dir "$work/cache" dump latest /bench.dump \
    | docker exec -i "$name" pg_restore -U postgres -d "back_${mode,,}" --single-transaction
  restore_s[$mode]=$(echo "$(date +%s.%N) - $start" | bc)
done
for mode in Fc Z0; do
  growth=$(echo "scale=3; (${second[$mode]} - ${first[$mode]}) / ${first[$mode]}" | bc)
  monthly=$(echo "scale=2; ${month[$mode]} / ${first[$mode]}" | bc)
  echo "RESULT data=$data mode=$mode db_mib=$db_mib dump_s=${dump1[$mode]} first_kib=$(( ${first[$mode]} / 1024 )) second_growth=$growth month_runs=$month_runs month_over_first=$monthly restore_s=${restore_s[$mode]}"
done
