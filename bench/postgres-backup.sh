#!/usr/bin/env bash
# Benchmark: a backup run of a Postgres of SIZE_MB through the sidecar, against the same dump piped
# by hand (`docker exec pg_dump -Fc | restic backup --stdin`), and the sidecar's peak memory (VmHWM).
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test image) and a packaged jar
# (`mvn -q package -DskipTests`). Usage: bench/postgres-backup.sh [SIZE_MB]   (default 1024)
# It prints a RESULT line; bench/results.md records the runs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-1024}
image=backrest-sidecar-test/debian-services:latest
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-pg
port=18080
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

# ~1 KiB a row: 1024 rows a MiB. md5 text compresses like real application text, not like zeros.
rows=$((size_mb * 1024))
echo "loading ${size_mb} MiB (${rows} rows)..."
docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
docker exec "$name" psql -U postgres -d bench -qc "CREATE TABLE t (id bigint PRIMARY KEY, body text);
  INSERT INTO t SELECT g, (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 30) k)
  FROM generate_series(1, $rows) g"
db_size=$(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')")
echo "database size: $((db_size / 1024 / 1024)) MiB"

mkdir -p "$work/keys"
for r in critical manual; do head -c 32 /dev/urandom | base64 > "$work/keys/$r.key"; done
cat > "$work/sidecar.yml" <<YAML
instance: bench
stateDir: $work/state
repos:
  - id: critical
    uri: $work/repos/critical
    keyFile: $work/keys/critical.key
plans:
  - id: critical
    schedule: "0 2 * * *"
YAML

echo "== by hand: docker exec pg_dump -Fc | restic backup --stdin"
restic -r "$work/repos/manual" --password-file "$work/keys/manual.key" init -q
start=$(date +%s.%N)
docker exec "$name" pg_dump -U postgres -Fc bench \
  | restic -r "$work/repos/manual" --password-file "$work/keys/manual.key" --cache-dir "$work/state/c2" \
      backup -q --stdin --stdin-filename bench.dump
manual=$(echo "$(date +%s.%N) - $start" | bc)
echo "by hand: ${manual}s"

echo "== through the sidecar"
SIDECAR_CONFIG="$work/sidecar.yml" QUARKUS_HTTP_PORT=$port java -jar "$here/target/quarkus-app/quarkus-run.jar" \
  >"$work/sidecar.log" 2>&1 &
sidecar_pid=$!
until curl -sf "localhost:$port/q/health/ready" >/dev/null; do sleep 0.5; done
idle_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")
run=$(curl -sf -X POST "localhost:$port/api/plans/critical/runs" | sed 's/.*"id":"\([^"]*\)".*/\1/')
until curl -sf "localhost:$port/api/runs/$run" | grep -q '"endedAt"'; do sleep 0.5; done
report=$(curl -sf "localhost:$port/api/runs/$run")
echo "$report" | grep -q '"state":"SUCCEEDED"' || { echo "run failed: $report"; exit 1; }
peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")
dump_s=$(echo "$report" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["targets"][0]["duration"][2:-1])')
run_s=$(echo "$report" | python3 -c 'import json,sys,datetime as d; r=json.load(sys.stdin); f=lambda t: d.datetime.fromisoformat(t[:26]); print((f(r["endedAt"])-f(r["startedAt"])).total_seconds())')
echo "sidecar: target bench-pg took ${dump_s}s; the whole run (globals, retention, stats) ${run_s}s"
echo "sidecar peak RSS: idle $((idle_kb / 1024)) MiB, after the run $((peak_kb / 1024)) MiB"
echo "RESULT size_mb=$size_mb db_mib=$((db_size / 1024 / 1024)) manual_s=$manual sidecar_target_s=$dump_s sidecar_run_s=$run_s idle_rss_mib=$((idle_kb / 1024)) peak_rss_mib=$((peak_kb / 1024))"
