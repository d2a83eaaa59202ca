#!/usr/bin/env bash
# Benchmark: restore time per kind of target, through the sidecar's API (POST /api/restores) and in
# its restore drill (restoreSeconds), for a Postgres of SIZE_MB, a volume of SIZE_MB of model-like
# blobs, a Redis of SIZE_MB/4 and an SQLite app of SIZE_MB/4. Needs what `bash scripts/test.sh` sets
# up (dockerd, restic, the test image) and a packaged jar (`mvn -q package -DskipTests`).
# For Postgres also the goal of issue 12: the API's restore (safety copy included) against a hand
# `pg_restore --clean --if-exists --single-transaction` of the same dump already in the container;
# written_seconds is when the backup's data was in place (a safety copy made inside the server is
# saved into the repo after it, within seconds=). Beside it the hand pipeline the whole way, the dump
# fetched too: `restic dump | docker exec -i … pg_restore`.
# Usage: bench/restore.sh [SIZE_MB] [postgres]   (default 1024; "postgres": that target only).
# Prints RESULT lines; bench/results.md records runs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-1024}
only=${2:-}
quarter=$((size_mb / 4))
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
port=18081
names=(bsc-bench-pg bsc-bench-models bsc-bench-redis bsc-bench-webui)
. "$here/bench/lib.sh"
cleanup() {
  stop_sidecar
  # BENCH_KEEP_LOG=FILE keeps the sidecar's log (with QUARKUS_LOG_CATEGORY__ORG_BACKRESTSIDECAR__LEVEL=DEBUG,
  # each restore's phases and their lengths)
  if [ -n "${BENCH_KEEP_LOG:-}" ]; then cp "$work/sidecar.log" "$BENCH_KEEP_LOG" || true; fi
  for n in "${names[@]}"; do docker rm -f -v "$n" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for n in "${names[@]}"; do docker rm -f -v "$n" >/dev/null 2>&1 || true; done
label() { echo --label backup.enable=true --label backup.plan=bench --label "backup.strategy=$1" --label "com.docker.compose.service=$2"; }

# shellcheck disable=SC2046
start_postgres bsc-bench-pg off $(label postgres bench-pg) --label backup.postgres.databases=bench
if [ "$only" != postgres ]; then
# shellcheck disable=SC2046
docker run -d --name bsc-bench-models --network none -v /root/.ollama $(label volume bench-models) "$image" \
  sh -c "trap 'exit 0' TERM; sleep 100000 & wait" >/dev/null
# shellcheck disable=SC2046
docker run -d --name bsc-bench-redis --network none $(label redis bench-redis) "$image" \
  sh -c "mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no" >/dev/null
# shellcheck disable=SC2046
docker run -d --name bsc-bench-webui --network none -v /app/backend/data $(label sqlite bench-webui) \
  --label backup.sqlite.paths=/app/backend/data/webui.db "$image" sh -c "trap 'exit 0' TERM; sleep 100000 & wait" >/dev/null
fi

echo "loading: Postgres ${size_mb} MiB$([ "$only" = postgres ] || echo ", models ${size_mb} MiB, Redis ${quarter} MiB, SQLite ${quarter} MiB")"
load_text bsc-bench-pg "$size_mb"
if [ "$only" != postgres ]; then
docker exec bsc-bench-models sh -c "mkdir -p /root/.ollama/models/blobs && for i in \$(seq 1 $((size_mb / 64))); do
  head -c 67108864 /dev/urandom > /root/.ollama/models/blobs/sha256-\$i; done"
# 800-byte values of hex (incompressible like real data): 1024 keys a MiB, written by one Lua script
docker exec bsc-bench-redis redis-cli EVAL "for i = 1, tonumber(ARGV[1]) do local v = {} for k = 1, 20 do
  v[k] = redis.sha1hex(i .. ':' .. k) end redis.call('SET', 'key:' .. i, table.concat(v)) end return 1" 0 $((quarter * 1024)) >/dev/null
docker exec bsc-bench-webui sh -c "cd /app/backend/data && sqlite3 webui.db 'PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);'
  sqlite3 webui.db \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $((quarter * 1024))) INSERT INTO chat (body) SELECT hex(randomblob(500)) FROM n;\""
fi

mkdir -p "$work/keys"
head -c 32 /dev/urandom | base64 > "$work/keys/bench.key"
cat > "$work/sidecar.yml" <<YAML
instance: bench
stateDir: $work/state
helperImage: $image
repos:
  - id: bench
    uri: $work/repos/bench
    keyFile: $work/keys/bench.key
plans:
  - id: bench
    schedule: "0 2 * * *"
YAML
start_sidecar "$work/sidecar.yml" "$port"
field() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }

echo "backup run: $(run_plan "$port" bench) s"

# settle: what the step before left unwritten written out (the server's checkpoint, the kernel's
# dirty pages) and the page cache dropped, so that each measured step starts from the same state
# (without it the last step paid for the gigabytes the ones before had written: hand 9.0-9.8 s)
settle() {
  local waited=0
  # and the server's autovacuum of the tables the step before wrote, which competes with the next one
  while [ "$(docker exec bsc-bench-pg psql -U postgres -Atc "SELECT count(*) FROM pg_stat_activity
      WHERE backend_type = 'autovacuum worker' AND query <> ''")" != 0 ] && [ $waited -lt 300 ]; do
    sleep 1; waited=$((waited + 1))
  done
  echo "settle: waited ${waited} s for autovacuum"
  docker exec bsc-bench-pg psql -U postgres -qc CHECKPOINT >/dev/null
  sync
  echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
}
restore() { # restore TARGET JSON-EXTRA
  local id
  [ "$1" != bench-pg ] || settle
  id=$(api "$port" /api/restores -X POST -d "{\"target\":\"$1\",\"confirm\":\"$1\"$2}" | field 'r["id"]')
  until api "$port" "/api/restores/$id" | grep -q '"endedAt"'; do sleep 1; done
  api "$port" "/api/restores/$id" | field '"RESULT restore target=%s state=%s seconds=%s written_seconds=%s safety_seconds=%s" % (r["target"], r["state"], r["durationSeconds"], r.get("writtenSeconds"), r.get("safetySeconds", 0)) + "".join("\nNOTE " + n for n in r.get("notes", []))'
}
restore bench-pg ',"database":"bench"'
# into a new database beside it: nothing is overwritten, so no safety dump
restore bench-pg ',"database":"bench","newDatabase":"bench_restored"'
echo "== by hand: the same dump, already in the container, into the same database"
restic -r "$work/repos/bench" --password-file "$work/keys/bench.key" --no-cache dump latest /bench-pg/bench.dump \
  > "$work/bench.dump"
docker cp -q "$work/bench.dump" bsc-bench-pg:/tmp/bench.dump
settle
start=$(date +%s.%N)
docker exec bsc-bench-pg pg_restore -U postgres -d bench --clean --if-exists --single-transaction /tmp/bench.dump
hand=$(echo "$(date +%s.%N) - $start" | bc)
docker exec bsc-bench-pg rm -f /tmp/bench.dump
echo "RESULT hand pg_restore --single-transaction seconds=$hand"
echo "== by hand, the whole way: restic dump piped into pg_restore in the container"
settle
start=$(date +%s.%N)
restic -r "$work/repos/bench" --password-file "$work/keys/bench.key" --no-cache dump latest /bench-pg/bench.dump \
  | docker exec -i bsc-bench-pg pg_restore -U postgres -d bench --clean --if-exists --single-transaction
piped=$(echo "$(date +%s.%N) - $start" | bc)
echo "RESULT hand restic dump piped into pg_restore --single-transaction seconds=$piped"
if [ "$only" = postgres ]; then
  exit 0
fi
restore bench-models ''
restore bench-redis ''
restore bench-webui ''

drill=$(api "$port" /api/plans/bench/drills -X POST | field 'r["id"]')
until api "$port" "/api/drills/runs/$drill" | grep -q '"endedAt"'; do sleep 1; done
api "$port" "/api/drills/runs/$drill" | field '"\n".join("RESULT drill target=%s passed=%s restore_seconds=%s" % (x["target"], x["passed"], x["restoreSeconds"]) for x in r["results"])'
echo "RESULT size_mb=$size_mb"
