#!/usr/bin/env bash
# Benchmark (issue 12, goal 5): the whole sidecar run of a Postgres plan against the dump piped by
# hand, on a repo that already holds a simulated month (MONTH daily snapshots, 1 % of the rows changed
# before each), and what a prune of that repo costs (the sidecar pruned after every run that forgot
# something; now prune runs weekly). Same dump flags on both sides (-Fc -Z0 or -Fc, per COMPRESSION,
# the label backup.postgres.compression: restic or pg_dump). Prints each restic the run started.
# Needs what `bash scripts/test.sh` sets up and a packaged jar (`mvn -q package -DskipTests`).
# Usage: bench/fixed-cost.sh [SIZE_MB] [MONTH] [COMPRESSION]   (defaults 256, 30, pg_dump). Prints a RESULT line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-256}
month=${2:-30}
compression=${3:-pg_dump}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-fixed
port=18082
. "$here/bench/lib.sh"
trap cleanup_sidecar_and_postgres EXIT
start_labelled_postgres "$name" off --label "backup.postgres.compression=$compression"
load_text "$name" "$size_mb"
echo "database: $(( $(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')") / 1048576 )) MiB"
flags=(-Fc); [ "$compression" = restic ] && flags+=(-Z0)

head -c 32 /dev/urandom | base64 > "$work/key"
repo=$work/repos/critical
restic -r "$repo" --password-file "$work/key" init -q
# the restic cache is the sidecar's own (stateDir/restic-cache), warm as on a host that ran for a month
hand() { # hand [restic flags...]: the dump piped by hand; prints its seconds
  local start
  start=$(date +%s.%N)
  docker exec "$name" pg_dump -U postgres "${flags[@]}" bench \
    | restic -r "$repo" --password-file "$work/key" --cache-dir "$work/state/restic-cache" backup -q --stdin \
        --stdin-filename bench-pg/bench.dump --host bench "$@"
  echo "$(date +%s.%N) - $start" | bc
}
echo "a simulated month: $month daily snapshots as the sidecar tags them ..."
for day in $(seq "$month" -1 1); do
  docker exec "$name" psql -U postgres -d bench -qc "UPDATE t SET body = md5(body) || substr(body, 33) WHERE id % 100 = $((day % 100))"
  hand --tag plan:critical,created-by:bench,target:bench-pg --time "$(date -u -d "-$day days" '+%Y-%m-%d 02:00:00')" >/dev/null
done
docker exec "$name" psql -U postgres -d bench -qc "UPDATE t SET body = md5(body) || substr(body, 33) WHERE id % 100 = 99"

one_plan_config "$repo" "$work/key" "retention: {daily: 7, weekly: 4, monthly: 12, yearly: 5}"
# each restic the sidecar starts is logged with its time
start_sidecar "$work/sidecar.yml" "$port" QUARKUS_LOG_CATEGORY__ORG_BACKRESTSIDECAR_RESTIC__LEVEL=DEBUG

echo "== by hand, into the same repo"
manual=$(hand --tag by-hand)
echo "== the sidecar's whole run (globals, dump with row counts, facts, forget)"
: > "$work/sidecar.log"
run_s=$(run_plan "$port" critical)
stop_sidecar
echo "== each restic of the run"
sed -n 's/.*DEBUG \[ResticProcess\] restic \(.*\) took \([0-9]*\) ms/  \2 ms  \1/p' "$work/sidecar.log"
removed=$(restic -r "$repo" --password-file "$work/key" --no-cache snapshots --json --tag plan:critical \
  | python3 -c 'import json,sys; print('"$month"' + 3 - len(json.load(sys.stdin)))')
echo "== what a prune of that repo costs (the former after-every-run prune)"
start=$(date +%s.%N)
restic -r "$repo" --password-file "$work/key" --cache-dir "$work/state/restic-cache" prune -q
prune_s=$(echo "$(date +%s.%N) - $start" | bc)
ratio=$(echo "scale=2; $run_s / $manual" | bc)
echo "RESULT size_mb=$size_mb month=$month compression=$compression manual_s=$manual sidecar_run_s=$run_s ratio=$ratio forgotten=$removed prune_s=$prune_s"
