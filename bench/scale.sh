#!/usr/bin/env bash
# Benchmark: the sidecar with many labelled containers. COUNT containers labelled for the sidecar
# (small volume targets), of which PLAN_SIZE are in plan `fifty`: the time of discovery
# (`GET /api/targets` after a forced refresh by a container event, and cached), a run of the
# PLAN_SIZE-target plan (its duration), and the sidecar's peak RSS (VmHWM) idle and after the run.
# Needs what `bash scripts/test.sh` sets up and a packaged jar (`mvn -q package -DskipTests`) and the
# sidecar image (helpers run in it: scripts/offline-images.sh builds it).
# Usage: bench/scale.sh [COUNT] [PLAN_SIZE]   (defaults 200, 50). Prints a RESULT line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-200}
plan_size=${2:-50}
image=backrest-sidecar-test/debian-services:latest
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
port=18081
cleanup() {
  [ -n "${sidecar_pid:-}" ] && kill "$sidecar_pid" 2>/dev/null || true
  docker ps -aq --filter label=bsc-bench-scale | xargs -r docker rm -f -v >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup

echo "starting $count labelled containers..."
for i in $(seq 1 "$count"); do
  plan=idle; [ "$i" -le "$plan_size" ] && plan=fifty
  docker run -d --name "bsc-bench-scale-$i" --network none --label bsc-bench-scale=1 \
    --label backup.enable=true --label backup.plan=$plan --label backup.strategy=volume \
    --label com.docker.compose.service="scale-$i" -v /data "$image" \
    sh -c "head -c 200000 /dev/urandom > /data/blob && echo $i > /data/id && trap 'exit 0' TERM; sleep 3600 & wait" >/dev/null
done

mkdir -p "$work/keys"
for r in fifty idle; do head -c 32 /dev/urandom | base64 > "$work/keys/$r.key"; done
cat > "$work/sidecar.yml" <<YAML
instance: bench
stateDir: $work/state
helperImage: backrest-sidecar:0.1.0
repos:
  - id: fifty
    uri: $work/repos/fifty
    keyFile: $work/keys/fifty.key
  - id: idle
    uri: $work/repos/idle
    keyFile: $work/keys/idle.key
plans:
  - id: fifty
    schedule: "0 2 * * *"
  - id: idle
    schedule: "0 3 * * *"
drills:
  schedule: "off"
  repoCheck: "off"
  repoDataCheck: "off"
YAML
head -c 32 /dev/urandom | base64 > "$work/token"
SIDECAR_CONFIG="$work/sidecar.yml" SIDECAR_API_TOKEN_FILE="$work/token" QUARKUS_HTTP_PORT=$port \
  QUARKUS_LOG_CATEGORY__ORG_BACKRESTSIDECAR_DISCOVERY__LEVEL=DEBUG \
  java -jar "$here/target/quarkus-app/quarkus-run.jar" >"$work/sidecar.log" 2>&1 &
sidecar_pid=$!
until curl -sf "localhost:$port/q/health/live" >/dev/null; do sleep 0.5; done
auth=(-H "Authorization: Bearer $(cat "$work/token")")
api() { curl -sf "${auth[@]}" "$@"; }
until [ "$(api "localhost:$port/api/targets" | grep -o '"name":"scale-' | wc -l)" -ge "$count" ]; do sleep 1; done
idle_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")

# a container event makes discovery list every container again; the next GET waits for nothing
cached=0
for _ in 1 2 3 4 5; do
  t=$(curl -sf -o /dev/null -w '%{time_total}' "${auth[@]}" "localhost:$port/api/targets")
  cached=$(echo "if ($t > $cached) $t else $cached" | bc)
done
docker stop -t 1 "bsc-bench-scale-$count" >/dev/null && docker start "bsc-bench-scale-$count" >/dev/null
start=$(date +%s.%N)
# a run discovers afresh: its "discovering targets" phase is the full listing and inspection
run=$(api -X POST "localhost:$port/api/plans/fifty/runs" | sed 's/.*"id":"\([^"]*\)".*/\1/')
until api "localhost:$port/api/runs/$run" | grep -q '"endedAt"'; do sleep 1; done
run_s=$(echo "$(date +%s.%N) - $start" | bc)
report=$(api "localhost:$port/api/runs/$run")
ok=$(echo "$report" | grep -o '"outcome":"SUCCEEDED"' | wc -l)
peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")
echo "$report" | grep -q '"state":"SUCCEEDED"' || echo "run did not succeed: $(echo "$report" | head -c 600)"
discovery_ms=$(grep -o "discovery: $count targets in [0-9]* ms" "$work/sidecar.log" | awk '{print $5}' | sort -n | tail -1)
echo "RESULT containers=$count discovery_max_ms=$discovery_ms targets_get_max_s=$cached plan_targets=$plan_size succeeded=$ok run_s=$run_s idle_rss_mib=$((idle_kb / 1024)) peak_rss_mib=$((peak_kb / 1024))"
