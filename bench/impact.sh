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
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-impact
port=18083
. "$here/bench/lib.sh"
group=/sys/fs/cgroup/cpu/docker/bsc-bench-sidecar
cleanup() {
  stop_sidecar
  rmdir "$group" 2>/dev/null || true
  docker rm -f "$name" >/dev/null 2>&1 || true
  cp "$work/sidecar.log" /tmp/bsc-bench-impact-sidecar.log 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# fsync on (the server's defaults), as a user's Postgres runs. Made again for each compression the
# sidecar is measured with (a label is fixed when the container is made).
make_db() { # make_db COMPRESSION
  start_labelled_postgres "$name" on --label "backup.postgres.compression=$1"
  docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
  docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s "$scale" bench 2>&1 | tail -1
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
#   idle      restic in the SCHED_IDLE class (chrt -i 0): preempted at once by any normal process
#   dumpidle  pg_dump and its server process at nice 19 and in SCHED_IDLE
hand() { # hand LEVERS: one dump piped by hand; prints its seconds
  local levers=" $1 " start flags=() prefix=() envs=()
  [[ $levers == *" z0 "* ]] && flags+=(-Z0)
  [[ $levers == *" nice "* ]] && prefix=(nice -n 19 ionice -c 3)
  [[ $levers == *" idle "* ]] && prefix=(nice -n 19 chrt -i 0)
  [[ $levers == *" procs1 "* ]] && envs=(GOMAXPROCS=1)
  start=$(date +%s.%N)
  local idle=
  [[ $levers == *" dumpidle "* ]] && idle="chrt -i 0"
  if [[ $levers == *" dumpnice "* || $levers == *" dumpidle "* ]]; then
    # as the server's user: Docker gives root no CAP_SYS_NICE to lower another user's process
    docker exec -u postgres -e "FLAGS=${flags[*]:-}" -e "IDLE=$idle" "$name" sh -c '
      PGAPPNAME=bench-dump nice -n 19 ionice -c 3 $IDLE pg_dump -U postgres -Fc $FLAGS bench & dump=$!
      for i in $(seq 1 50); do
        pid=$(psql -U postgres -XAtc "select pid from pg_stat_activity where application_name = '\''bench-dump'\''")
        if [ -n "$pid" ]; then
          renice -n 19 -p $pid >/dev/null; ionice -c 3 -p $pid; [ -z "$IDLE" ] || chrt -i -p 0 $pid; break
        fi
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
  docker exec "$name" "$pg_bin/pgbench" -U postgres -n -c 2 -j 2 -T "$window" bench 2>/dev/null \
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

# The sidecar runs as in the bundle: in a container's CPU group (a sibling of the containers' own,
# cgroup v1 cpu.shares, Docker's default 1024 unless SIDECAR_SHARES says otherwise), so it competes
# with the database's container as compose would have it, not as a process of the host.
sidecar_with() { # sidecar_with PRIORITY
  one_plan_config "$repo" "$work/key" "priority: $1" "retention: {daily: 1000}"
  start_sidecar "$work/sidecar.yml" "$port"
  if [ -d "$(dirname "$group")" ]; then
    mkdir -p "$group" && echo "${SIDECAR_SHARES:-1024}" > "$group/cpu.shares" && echo "$sidecar_pid" > "$group/cgroup.procs"
  else
    echo "no cgroup v1 cpu group for containers here: the sidecar runs as a host process" >&2
  fi
}


echo "one hand backup with nothing else running (warms the repo): $(hand '')"
idle_hand=$(hand '')
echo "hand backup, idle: $idle_hand s"

# WINDOWS (comma-separated) are what runs back to back beside pgbench, each between two baseline
# windows (nothing else runs) whose mean is its reference, so that the machine's drift over the
# bench (a shared host) does not count as impact:
#   hand:LEVERS                           the hand pipeline with those levers (words, space-separated)
#   sidecar:PRIORITY:COMPRESSION:SHARES   the sidecar with plan priority, the compression label and the
#                                         CPU weight of its container group
#   burn:                                 no backup: one busy loop at nice 19 in SCHED_IDLE, to tell the
#                                         cost of any CPU use on this machine from that of our work
#   disk:                                 no backup: 256 MiB written and fsync'd, again and again (idle I/O class)
if [ -n "${WINDOWS:-}" ]; then IFS=, read -ra specs <<< "$WINDOWS"; else
  specs=("hand:" "hand:nice dumpnice" "hand:idle dumpidle" "sidecar:low:pg_dump:1024" "sidecar:low:pg_dump:2"
         "sidecar:full:pg_dump:1024"); fi
before=$(window baseline0 none | cut -d' ' -f1)
echo "baseline: $before"
hand_s=
i=0
for spec in "${specs[@]}"; do
  i=$((i + 1))
  if [[ $spec == hand:* ]]; then
    measured=$(window "w$i" hand "${spec#hand:}")
  elif [[ $spec == burn:* ]]; then
    measured=$(window "w$i" nice -n 19 chrt -i 0 sh -c 'timeout 5 sh -c "while :; do :; done"; echo 5')
  elif [[ $spec == disk:* ]]; then
    measured=$(window "w$i" sh -c "start=\$(date +%s.%N); ionice -c 3 dd if=/dev/zero of='$work/disk' bs=1M count=256 conv=fsync 2>/dev/null; echo \"\$(date +%s.%N) - \$start\" | bc")
  else
    IFS=: read -r _ priority compression shares <<< "$spec"
    if [ "$compression" != "$(docker inspect -f '{{index .Config.Labels "backup.postgres.compression"}}' "$name")" ]; then
      make_db "$compression"
      before=$(window "w$i-baseline" none | cut -d' ' -f1)
    fi
    SIDECAR_SHARES=$shares sidecar_with "$priority"
    measured=$(window "w$i" run_plan "$port" critical)
    stop_sidecar
  fi
  after=$(window "b$i" none | cut -d' ' -f1)
  read -r tps secs runs <<< "$measured"
  [ "$spec" = "hand:" ] && hand_s=$secs
  base=$(echo "$before $after" | awk '{ printf "%.1f", ($1 + $2) / 2 }')
  echo "RESULT scale=$scale window_s=$window what=\"$spec\" tps=$tps baseline_tps=$base impact_ratio=$(echo "scale=2; $tps / $base" | bc) backup_s=$secs runs=$runs vs_hand=$( [ -n "$hand_s" ] && echo "scale=2; $secs / $hand_s" | bc) hand_idle_s=$idle_hand"
  before=$after
done
