#!/usr/bin/env bash
# Benchmark: a backup run of a Postgres of SIZE_MB through the sidecar, against the same dump piped
# by hand (`docker exec pg_dump -Fc | restic backup --stdin`), and the sidecar's peak memory (VmHWM),
# which must not grow with the database (the dump streams through a 1 MiB buffer: issue 12, goal 4).
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test image) and a packaged jar
# (`mvn -q package -DskipTests`). Usage: [PRIORITY=full] bench/postgres-backup.sh [SIZE_MB]   (default 1024)
# PRIORITY is the plan's (low, as shipped, by default; full competes as the hand pipeline does).
# It prints a RESULT line; bench/results.md records the runs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-1024}
priority=${PRIORITY:-low}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-pg
port=18080
. "$here/bench/lib.sh"
trap cleanup_sidecar_and_postgres EXIT
start_labelled_postgres "$name" off
echo "loading ${size_mb} MiB..."
load_text "$name" "$size_mb"
db_size=$(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')")
echo "database size: $((db_size / 1024 / 1024)) MiB"

mkdir -p "$work/keys"
for r in critical manual; do head -c 32 /dev/urandom | base64 > "$work/keys/$r.key"; done
one_plan_config "$work/repos/critical" "$work/keys/critical.key" "priority: $priority"

echo "== by hand: docker exec pg_dump -Fc | restic backup --stdin"
restic -r "$work/repos/manual" --password-file "$work/keys/manual.key" init -q
start=$(date +%s.%N)
docker exec "$name" pg_dump -U postgres -Fc bench \
  | restic -r "$work/repos/manual" --password-file "$work/keys/manual.key" --cache-dir "$work/state/c2" \
      backup -q --stdin --stdin-filename bench.dump
manual=$(echo "$(date +%s.%N) - $start" | bc)
echo "by hand: ${manual}s"

echo "== through the sidecar"
start_sidecar "$work/sidecar.yml" "$port"
idle_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")
run_s=$(run_plan "$port" critical)
peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")
echo "sidecar: the whole run ${run_s}s; peak RSS: idle $((idle_kb / 1024)) MiB, after the run $((peak_kb / 1024)) MiB"
echo "RESULT priority=$priority size_mb=$size_mb db_mib=$((db_size / 1024 / 1024)) manual_s=$manual sidecar_run_s=$run_s idle_rss_mib=$((idle_kb / 1024)) peak_rss_mib=$((peak_kb / 1024))"
