#!/usr/bin/env bash
# Benchmark: the sidecar's memory (every node of a swarm pays it): resident set idle (60 s after it is
# ready) and at its peak over a Postgres backup of SIZE_MB, for each set of JVM options in OPTIONS
# (one per line, "label|options"; "image" is the JAVA_TOOL_OPTIONS of src/main/docker/Dockerfile). The goal (issue 20):
# <= 128 MiB resident when idle. Needs what `bash scripts/test.sh` sets up and a packaged jar.
# Usage: bench/memory.sh [SIZE_MB]   (default 256). Prints a RESULT line per set of options.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-256}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-mem-pg
port=18081
. "$here/bench/lib.sh"
trap cleanup_sidecar_and_postgres EXIT
start_labelled_postgres "$name" off
load_text "$name" "$size_mb"
mkdir -p "$work/keys"
head -c 32 /dev/urandom | base64 > "$work/keys/critical.key"
one_plan_config "$work/repos/critical" "$work/keys/critical.key"
image_options=$(sed -n 's/^ENV JAVA_TOOL_OPTIONS="\([^"]*\)".*/\1/p' "$here/src/main/docker/Dockerfile" | head -n 1)
while IFS='|' read -r label options; do
  [ -n "$label" ] || continue
  [ "$options" = image ] && options=$image_options
  rm -rf "$work/state" "$work/repos"
  start_sidecar "$work/sidecar.yml" "$port" JAVA_TOOL_OPTIONS="$options"
  sleep 60
  idle_kb=$(awk '/VmRSS/{print $2}' "/proc/$sidecar_pid/status")
  run_s=$(run_plan "$port" critical)
  peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")
  stop_sidecar
  echo "RESULT options=\"$label\" idle_rss_mib=$((idle_kb / 1024)) peak_rss_mib=$((peak_kb / 1024)) run_s=$run_s"
done <<OPTIONS
${OPTIONS:-before (the image until now)|-XX:MaxRAMPercentage=50
serial, small heap|-XX:+UseSerialGC -Xmx64m -XX:MaxMetaspaceSize=96m -Xss512k -XX:ReservedCodeCacheSize=32m
serial, small heap, C1 only|-XX:+UseSerialGC -Xmx64m -XX:MaxMetaspaceSize=96m -Xss512k -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1
the image now|image}
OPTIONS
