#!/usr/bin/env bash
# Benchmark (issue 12, goal 1): what a backup costs the service it backs up. pgbench TPC-B (2
# clients, the database's default settings) runs for WINDOW seconds at a time; in each window either
# nothing else runs (the baseline, measured first and last) or backups of the same ~1 GB database run
# back to back: by hand with each lever added in turn, then through the sidecar with its default
# (plan priority: low) and with priority: full. Each window prints pgbench's throughput as a share of
# the baseline, and the backups' mean duration as a multiple of the hand pipeline's (today's `pg_dump
# -Fc | restic backup --stdin`) in the same load. Needs what `bash scripts/test.sh` sets up and a
# packaged jar (`mvn -q package -DskipTests`).
# Usage: bench/impact.sh [SCALE] [WINDOW]   (defaults 70 = ~1.05 GB, 90 s). Prints RESULT lines.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
scale=${1:-70}
window=${2:-90}
image=backrest-sidecar-test/debian-services:latest
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-impact
port=18083
cleanup() {
  [ -n "${sidecar_pid:-}" ] && kill "$sidecar_pid" 2>/dev/null || true
  sleep 1; rmdir /sys/fs/cgroup/cpu/docker/bsc-bench-sidecar 2>/dev/null || true
  docker rm -f "$name" >/dev/null 2>&1 || true
  cp "$work/sidecar.log" /tmp/bsc-bench-impact-sidecar.log 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
docker rm -f "$name" >/dev/null 2>&1 || true
bin=/usr/lib/postgresql/15/bin
# the server's defaults (fsync and synchronous commit on), as a user's Postgres runs. Made again for
# each compression the sidecar is measured with (a label is fixed when the container is made).
make_db() { # make_db COMPRESSION
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --network none \
    --label backup.enable=true --label backup.strategy=postgres --label backup.plan=critical \
    --label backup.postgres.databases=bench --label com.docker.compose.service=bench-pg \
    --label "backup.postgres.compression=$1" \
    "$image" sh -c "mkdir -p /var/run/postgresql && chown postgres /var/run/postgresql && su postgres -s /bin/sh -c '$bin/initdb -D /tmp/pgdata -U postgres --auth=trust >/dev/null && exec $bin/postgres -D /tmp/pgdata -c listen_addresses='" >/dev/null
  until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
  docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
  docker exec "$name" "$bin/pgbench" -U postgres -i -q -s "$scale" bench 2>&1 | tail -1
  docker exec "$name" psql -U postgres -qc 'CHECKPOINT'
}
make_db pg_dump
echo "database: $(( $(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')") / 1048576 )) MiB"

head -c 32 /dev/urandom | base64 > "$work/key"
repo=$work/repos/critical
restic -r "$repo" --password-file "$work/key" init -q

# Levers of the hand pipeline, added one at a time (each a word in $levers):
#   z0     pg_dump -Z0: the compression moves from the database's container to restic's zstd
#   nice   restic at nice 19 and idle I/O class
#   dumpnice  pg_dump and the server process that serves it at nice 19 and idle I/O class
#   procs1    GOMAXPROCS=1 for restic (measured 2026-11-21: bought nothing; not in the default list)
hand() { # hand LEVERS: one dump piped by hand; prints its seconds
  local levers=" $1 " start flags=() prefix=() envs=()
  [[ $levers == *" z0 "* ]] && flags+=(-Z0)
  [[ $levers == *" nice "* ]] && prefix=(nice -n 19 ionice -c 3)
  [[ $levers == *" procs1 "* ]] && envs=(GOMAXPROCS=1)
  start=$(date +%s.%N)
  if [[ $levers == *" dumpnice "* ]]; then
    # as the server's user: Docker gives root no CAP_SYS_NICE to lower another user's process
    docker exec -u postgres -e "FLAGS=${flags[*]:-}" "$name" sh -c '
      PGAPPNAME=bench-dump nice -n 19 ionice -c 3 pg_dump -U postgres -Fc $FLAGS bench & dump=$!
      for i in $(seq 1 50); do
        pid=$(psql -U postgres -XAtc "select pid from pg_stat_activity where application_name = '\''bench-dump'\''")
        if [ -n "$pid" ]; then renice -n 19 -p $pid >/dev/null; ionice -c 3 -p $pid; break; fi
        sleep 0.1
      done
      wait $dump'
  else
    docker exec "$name" pg_dump -U postgres -Fc "${flags[@]}" bench
  fi | env "${envs[@]}" "${prefix[@]}" restic -r "$repo" --password-file "$work/key" --cache-dir "$work/state/restic-cache" \
      backup -q --stdin --stdin-filename bench-pg/bench.dump --host bench --tag by-hand
  echo "$(date +%s.%N) - $start" | bc
}

pgbench_tps() { # pgbench_tps: WINDOW seconds of TPC-B, 2 clients; prints transactions a second
  docker exec "$name" "$bin/pgbench" -U postgres -n -c 2 -j 2 -T "$window" bench 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

mean() { awk '{ s += $1; n++ } END { if (n) printf "%.1f", s / n; else print "nan" }'; }

# window LABEL COMMAND...: pgbench for a window while COMMAND runs back to back (none: nothing);
# prints "tps mean_seconds runs", counting the backups that ended inside the window
window() {
  local label=$1; shift
  local times=$work/times-$label stop=$work/stop-$label loop=
  : > "$times"
  if [ "$1" != none ]; then
    ( while [ ! -e "$stop" ]; do t=$("$@"); [ -e "$stop" ] || echo "$t" >> "$times"; done ) &
    loop=$!
  fi
  local tps
  tps=$(pgbench_tps)
  touch "$stop"
  [ -z "$loop" ] || wait "$loop" # the backup under way ends before the next window
  echo "$tps $(mean < "$times") $(wc -l < "$times")"
}

sidecar_run() { # sidecar_run: one plan run through the API; prints its seconds
  local start id
  start=$(date +%s.%N)
  id=$(curl -sf "${auth[@]}" -X POST "localhost:$port/api/plans/critical/runs" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  until curl -sf "${auth[@]}" "localhost:$port/api/runs/$id" | grep -q '"endedAt"'; do sleep 0.2; done
  curl -sf "${auth[@]}" "localhost:$port/api/runs/$id" | grep -q '"state":"SUCCEEDED"' || { echo "run failed" >&2; return 1; }
  echo "$(date +%s.%N) - $start" | bc
}

# The sidecar runs as in the bundle: in a container's CPU group (a sibling of the containers' own,
# cgroup v1 cpu.shares, Docker's default 1024 unless SIDECAR_SHARES says otherwise), so it competes
# with the database's container as compose would have it, not as a process of the host.
group=/sys/fs/cgroup/cpu/docker/bsc-bench-sidecar
start_sidecar() { # start_sidecar PRIORITY
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
    priority: $1
    retention: {daily: 1000}
YAML
  SIDECAR_CONFIG="$work/sidecar.yml" SIDECAR_API_TOKEN_FILE="$work/token" QUARKUS_HTTP_PORT=$port \
    java -jar "$here/target/quarkus-app/quarkus-run.jar" >>"$work/sidecar.log" 2>&1 &
  sidecar_pid=$!
  if [ -d /sys/fs/cgroup/cpu/docker ]; then
    mkdir -p "$group" && echo "${SIDECAR_SHARES:-1024}" > "$group/cpu.shares" && echo "$sidecar_pid" > "$group/cgroup.procs"
  else
    echo "no cgroup v1 cpu group for containers here: the sidecar runs as a host process" >&2
  fi
  until curl -sf "localhost:$port/q/health/ready" >/dev/null; do sleep 0.5; done
}

stop_sidecar() {
  kill "$sidecar_pid"; wait "$sidecar_pid" 2>/dev/null || true; sidecar_pid=
}

head -c 32 /dev/urandom | base64 > "$work/token"
auth=(-H "Authorization: Bearer $(cat "$work/token")")

echo "one hand backup with nothing else running (warms the repo): $(hand '')"
idle_hand=$(hand '')
echo "hand backup, idle: $idle_hand s"

declare -A result
result[baseline1]=$(window baseline1 none)
echo "baseline: ${result[baseline1]}"
# LEVERS (comma-separated sets, e.g. LEVERS=",z0 nice") chooses the hand windows
if [ -n "${LEVERS+set}" ]; then IFS=, read -ra lever_sets <<< "$LEVERS"; else
  lever_sets=("" "nice dumpnice" "z0 nice dumpnice"); fi
for levers in "${lever_sets[@]}"; do
  label="hand:${levers// /+}"
  result[$label]=$(window "$label" hand "$levers")
  echo "$label: ${result[$label]}"
done
# SIDECAR_RUNS: priority:compression pairs, each a window of sidecar runs
for variant in ${SIDECAR_RUNS:-low:pg_dump full:pg_dump low:restic}; do
  priority=${variant%%:*} compression=${variant#*:}
  if [ "$compression" != "$(docker inspect -f '{{index .Config.Labels "backup.postgres.compression"}}' "$name")" ]; then
    make_db "$compression"
  fi
  start_sidecar "$priority"
  result[sidecar:$variant]=$(window "sidecar-$variant" sidecar_run)
  echo "sidecar:$variant: ${result[sidecar:$variant]}"
  stop_sidecar
done
result[baseline2]=$(window baseline2 none)
echo "baseline: ${result[baseline2]}"

base=$(echo "${result[baseline1]%% *} ${result[baseline2]%% *}" | awk '{ printf "%.1f", ($1 + $2) / 2 }')
hand_s=$(echo "${result[hand:]}" | cut -d' ' -f2)
for label in "${!result[@]}"; do
  [[ $label == baseline* ]] && continue
  read -r tps secs runs <<< "${result[$label]}"
  echo "RESULT scale=$scale window_s=$window lever=${label} tps=$tps baseline_tps=$base impact_ratio=$(echo "scale=2; $tps / $base" | bc) backup_s=$secs runs=$runs vs_hand=$(echo "scale=2; $secs / $hand_s" | bc) hand_idle_s=$idle_hand"
done
