#!/usr/bin/env bash
# Benchmark (issue 12, goal 5): the whole sidecar run of a Postgres plan against the dump piped by
# hand, on a repo that already holds a simulated month (MONTH daily snapshots, 1 % of the rows changed
# before each), and what a prune of that repo costs (the sidecar pruned after every run that forgot
# something; now prune runs weekly). Same dump flags on both sides (-Fc -Z0, the sidecar's default).
# Needs what `bash scripts/test.sh` sets up and a packaged jar (`mvn -q package -DskipTests`).
# Usage: bench/fixed-cost.sh [SIZE_MB] [MONTH]   (defaults 256, 30). Prints a RESULT line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-256}
month=${2:-30}
image=backrest-sidecar-test/debian-services:latest
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-fixed
port=18082
cleanup() {
  [ -n "${sidecar_pid:-}" ] && kill "$sidecar_pid" 2>/dev/null || true
  docker rm -f "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
docker rm -f "$name" >/dev/null 2>&1 || true
bin=/usr/lib/postgresql/15/bin
docker run -d --name "$name" --network none \
  --label backup.enable=true --label backup.strategy=postgres --label backup.plan=critical \
  --label backup.postgres.databases=bench --label com.docker.compose.service=bench-pg \
  "$image" sh -c "mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql && su postgres -s /bin/sh -c '$bin/initdb -D /tmp/pgdata -U postgres --auth=trust >/dev/null && exec $bin/postgres -D /tmp/pgdata -c listen_addresses= -c fsync=off'" >/dev/null
until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
rows=$((size_mb * 1024))
docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
docker exec "$name" psql -U postgres -d bench -qc "CREATE TABLE t (id bigint PRIMARY KEY, body text);
  INSERT INTO t SELECT g, (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 30) k)
  FROM generate_series(1, $rows) g"
echo "database: $(( $(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')") / 1048576 )) MiB"

head -c 32 /dev/urandom | base64 > "$work/key"
repo=$work/repos/critical
restic -r "$repo" --password-file "$work/key" init -q
hand() { # hand REPO [restic flags...]: the dump piped by hand; prints its seconds
  local r=$1 start; shift
  start=$(date +%s.%N)
  docker exec "$name" pg_dump -U postgres -Fc -Z0 bench \
    | restic -r "$r" --password-file "$work/key" --cache-dir "$work/state/restic-cache" backup -q --stdin \
        --stdin-filename bench-pg/bench.dump --host bench "$@"
  echo "$(date +%s.%N) - $start" | bc
}
echo "a simulated month: $month daily snapshots as the sidecar tags them ..."
for day in $(seq "$month" -1 1); do
  docker exec "$name" psql -U postgres -d bench -qc "UPDATE t SET body = md5(body) || substr(body, 33) WHERE id % 100 = $((day % 100))"
  hand "$repo" --tag plan:critical,created-by:bench,target:bench-pg --time "$(date -u -d "-$day days" '+%Y-%m-%d 02:00:00')" >/dev/null
done
docker exec "$name" psql -U postgres -d bench -qc "UPDATE t SET body = md5(body) || substr(body, 33) WHERE id % 100 = 99"

cat > "$work/sidecar.yml" <<YAML
instance: bench
stateDir: $work/state
repos:
  - id: critical
    uri: $repo
    keyFile: $work/key
plans:
  - id: critical
    schedule: "0 2 * * *"
    retention: {daily: 7, weekly: 4, monthly: 12, yearly: 5}
YAML
head -c 32 /dev/urandom | base64 > "$work/token"
# the restic cache is the sidecar's own (stateDir/restic-cache), warm as on a host that ran for a month;
# each restic it starts is logged with its time
SIDECAR_CONFIG="$work/sidecar.yml" SIDECAR_API_TOKEN_FILE="$work/token" QUARKUS_HTTP_PORT=$port \
  QUARKUS_LOG_CATEGORY__ORG_BACKRESTSIDECAR_RESTIC__LEVEL=DEBUG \
  java -jar "$here/target/quarkus-app/quarkus-run.jar" >"$work/sidecar.log" 2>&1 &
sidecar_pid=$!
auth=(-H "Authorization: Bearer $(cat "$work/token")")
until curl -sf "localhost:$port/q/health/ready" >/dev/null; do sleep 0.5; done

echo "== by hand, into the same repo"
manual=$(hand "$repo" --tag by-hand)
echo "== the sidecar's whole run (dump + globals + facts + forget + stats)"
start=$(date +%s.%N)
run=$(curl -sf "${auth[@]}" -X POST "localhost:$port/api/plans/critical/runs" | sed 's/.*"id":"\([^"]*\)".*/\1/')
until curl -sf "${auth[@]}" "localhost:$port/api/runs/$run" | grep -q '"endedAt"'; do sleep 0.2; done
run_s=$(echo "$(date +%s.%N) - $start" | bc)
report=$(curl -sf "${auth[@]}" "localhost:$port/api/runs/$run")
echo "$report" | grep -q '"state":"SUCCEEDED"' || { echo "run failed: $report"; exit 1; }
removed=$(echo "$report" | grep -o '"snapshotsRemoved":[0-9]*' | cut -d: -f2)
kill "$sidecar_pid"; wait "$sidecar_pid" 2>/dev/null || true; sidecar_pid=
echo "== each restic of the run"
sed -n 's/.*DEBUG \[ResticProcess\] restic \(.*\) took \([0-9]*\) ms/  \2 ms  \1/p' "$work/sidecar.log"
echo "== what a prune of that repo costs (the former after-every-run prune)"
start=$(date +%s.%N)
restic -r "$repo" --password-file "$work/key" --cache-dir "$work/state/restic-cache" prune -q
prune_s=$(echo "$(date +%s.%N) - $start" | bc)
ratio=$(echo "scale=2; $run_s / $manual" | bc)
echo "RESULT size_mb=$size_mb month=$month manual_s=$manual sidecar_run_s=$run_s ratio=$ratio forgotten=$removed prune_s=$prune_s"
