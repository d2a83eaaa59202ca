#!/usr/bin/env bash
# Benchmark: the sidecar's memory (every node of a swarm pays it): resident set idle (60 s after it is
# ready), at its peak over a Postgres backup of SIZE_MB, and idle again 60 s after that run, for each set
# of JVM options in OPTIONS (one per line, "label|options|environment"; "image" is the JAVA_TOOL_OPTIONS
# of src/main/docker/Dockerfile with its MALLOC_ARENA_MAX; the environment is extra VAR=value words such as
# MALLOC_ARENA_MAX=2, or "none").
# The goals (issues 20 and 34): <= 128 MiB resident when idle, before and after a run; <= 160 MiB during
# a run. Needs what `bash scripts/test.sh` sets up and a packaged jar.
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
image_environment=$(sed -n 's/^ENV MALLOC_ARENA_MAX=\([0-9]*\).*/MALLOC_ARENA_MAX=\1/p' "$here/src/main/docker/Dockerfile" | head -n 1)
while IFS='|' read -r label options environment; do
  [ -n "$label" ] || continue
  if [ "$options" = image ]; then options=$image_options; environment=${environment:-$image_environment}; fi
  [ "$environment" = none ] && environment=
  rm -rf "$work/state" "$work/repos"
  # shellcheck disable=SC2086 # the environment is words of VAR=value
  start_sidecar "$work/sidecar.yml" "$port" JAVA_TOOL_OPTIONS="$options" ${environment:-}
  sleep 60
  idle_kb=$(awk '/VmRSS/{print $2}' "/proc/$sidecar_pid/status")
  run_s=$(run_plan "$port" critical)
  peak_kb=$(awk '/VmHWM/{print $2}' "/proc/$sidecar_pid/status")
  sleep 60
  after_kb=$(awk '/VmRSS/{print $2}' "/proc/$sidecar_pid/status")
  stop_sidecar
  echo "RESULT options=\"$label\" idle_rss_mib=$((idle_kb / 1024)) peak_rss_mib=$((peak_kb / 1024)) idle_after_run_rss_mib=$((after_kb / 1024)) run_s=$run_s"
done <<OPTIONS
${OPTIONS:-before (the image until now)|-XX:MaxRAMPercentage=50
serial, small heap|-XX:+UseSerialGC -Xmx64m -XX:MaxMetaspaceSize=96m -Xss512k -XX:ReservedCodeCacheSize=32m
serial, small heap, C1 only|-XX:+UseSerialGC -Xmx64m -XX:MaxMetaspaceSize=96m -Xss512k -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1
the image's JVM options, glibc's default arenas|image|none
the image now|image}
OPTIONS
