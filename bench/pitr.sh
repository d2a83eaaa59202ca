#!/usr/bin/env bash
# Benchmark: Postgres in wal mode (issue 19). A pgbench database (pgbench -i -s SCALE) labelled
# backup.postgres.mode=wal, backed up by the packaged sidecar into a local repo:
# - recovery point under load: pgbench -c 2 for LOAD seconds while the stream runs; every 2 s the
#   age of the newest restorable moment (GET /api/targets/bench-pg/window, `until`) is sampled;
# - the service's throughput: pgbench alone (stream stopped, sidecar down), while streaming, and
#   during a base backup (checkpoint fast), with the longest stretch writers nearly stopped (the
#   facts at a restore point hold them while the tables are summed);
# - storage: DAYS simulated days after the first base backup, each 1 % of the accounts updated
#   (`aid % 100 = k`, so every page of the table is touched) and a CHECKPOINT (the next writes log
#   whole pages again, as on a real day), the WAL shipped; the repo against the first base backup.
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test image) and `mvn package`.
# Usage: bench/pitr.sh [SCALE] [DAYS] [LOAD]   (defaults 70 ≈ 1 GiB, 30, 60). Prints RESULT lines.
set -euo pipefail
scale=${1:-70}
days=${2:-30}
load=${3:-60}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
. "$here/bench/lib.sh"
name=bsc-bench-pitr
port=18093
trap cleanup_wal_bench EXIT
data=/var/lib/postgresql/data
start_wal_postgres "$name" ""
echo "pgbench -i -s $scale ..."
docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
db_mib=$(( $(docker exec "$name" psql -U postgres -Atc "select pg_database_size('bench')") / 1048576 ))
echo "database: $db_mib MiB"

head -c 32 /dev/urandom | base64 > "$work/key"
one_plan_config "$work/repo" "$work/key"
repo_bytes() { du -sb "$work/repo" | cut -f1; }
tps() { # tps SECONDS: pgbench's throughput
  docker exec "$name" "$pg_bin/pgbench" -U postgres -c 2 -T "$1" bench 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
}
until_age() { # seconds between now and the newest restorable moment
  local until
  until=$(api "$port" /api/targets/bench-pg/window | sed -n 's/.*"until":"\([^"]*\)".*/\1/p')
  [ -n "$until" ] && echo "$(date +%s.%N) - $(date -d "$until" +%s.%N)" | bc
}
shipped_past() { # waits until the repo holds WAL up to the moment given (epoch seconds)
  local t=$1 until
  for _ in $(seq 1 150); do
    until=$(api "$port" /api/targets/bench-pg/window | sed -n 's/.*"until":"\([^"]*\)".*/\1/p')
    if [ -n "$until" ] && [ "$(echo "$(date -d "$until" +%s.%N) > $t" | bc)" = 1 ]; then return 0; fi
    sleep 2
  done
  echo "WAL was not shipped past $t" >&2; return 1
}

start_sidecar "$work/sidecar.yml" "$port"
base_s=$(run_plan "$port" critical)
first=$(repo_bytes)
echo "RESULT base-backup seconds=$base_s repo_bytes=$first database_mib=$db_mib"

# throughput alone: no sidecar, no stream
stop_sidecar
docker rm -f backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
alone=$(tps "$load")
start_sidecar "$work/sidecar.yml" "$port"
shipped_past "$(date +%s)"
# while streaming: the recovery point sampled every 2 s
: > "$work/ages"
( end=$(( $(date +%s) + load )); while [ "$(date +%s)" -lt "$end" ]; do until_age >> "$work/ages" || true; sleep 2; done ) &
sampler=$!
streaming=$(tps "$load")
wait "$sampler"
max_age=$(sort -g "$work/ages" | tail -1)
mean_age=$(awk '{s += $1} END {if (NR) printf "%.1f", s / NR}' "$work/ages")
# during a base backup (and the facts at a restore point after it, which hold writers while the
# tables are summed): pgbench's own per-second progress, for the longest stretch it nearly stopped
( sleep 1; run_plan "$port" critical > "$work/base2" ) &
base_job=$!
during_seconds=$(printf '%.0f' "$(echo "$base_s + 10" | bc)")
during_base=$(docker exec "$name" "$pg_bin/pgbench" -U postgres -c 2 -P 1 -T "$during_seconds" bench 2>"$work/progress" \
  | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
wait "$base_job"
# "progress: 12.0 s, 0.0 tps, ...": the longest run of seconds under a tenth of pgbench alone
stalled=$(sed -n 's/^progress: [0-9.]* s, \([0-9.]*\) tps.*/\1/p' "$work/progress" | awk -v floor="$(echo "$alone / 10" | bc -l)" \
  '{ if ($1 < floor) { run++; if (run > most) most = run } else run = 0 } END { print most + 0 }')
echo "RESULT facts-at-a-restore-point longest_stall_seconds=$stalled (pgbench under a tenth of alone, 1 s steps, during the base backup and its facts)"
echo "RESULT throughput alone_tps=$alone streaming_tps=$streaming ratio=$(echo "scale=3; $streaming / $alone" | bc) during_base_tps=$during_base ratio_base=$(echo "scale=3; $during_base / $alone" | bc)"
echo "RESULT recovery-point-under-load max_seconds=$max_age mean_seconds=$mean_age samples=$(wc -l < "$work/ages")"
# the ship's restic exits 3 when pg_receivewal renames a .partial it reads: shipped again at once (issue
# 38); a ship that still failed is logged as the stream's error, and a failed run stopped the bench above
echo "RESULT wal-ship-under-load shipped_again=$(grep -c 'changed while restic read it' "$work/sidecar.log" || true) ship_errors=$(grep -c 'ERROR.*WAL stream of bench-pg' "$work/sidecar.log" || true)"

# storage: one base backup, then DAYS days of 1 % changed, shipped as WAL
before=$(repo_bytes)
base_bytes=$((before - first))
for day in $(seq 1 "$days"); do
  docker exec "$name" psql -U postgres -d bench -qc "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 100 = $(( (day * 7) % 100 ))"
  docker exec "$name" psql -U postgres -qc "CHECKPOINT"
done
shipped_past "$(date +%s)"
after=$(repo_bytes)
rss=$(ps -o rss= -p "$sidecar_pid" | tr -d ' ')
echo "RESULT storage days=$days first_base_bytes=$first second_base_bytes=$base_bytes wal_bytes=$((after - before)) ratio_month_to_base=$(echo "scale=2; ($first + $after - $before) / $first" | bc) sidecar_rss_kib=$rss"

# restore to a moment (the base backup and the WAL since, DAYS days of it), over the live server:
# the sidecar (one API call: stream held, server stopped, data folder kept aside, base and WAL laid
# down, replayed, promoted, checked) against the same by hand (docker stop, the folder moved aside,
# restic dump of the base untarred, the WAL restored for restore_command, recovery settings, start,
# wait for the promotion)
# an offset, not Z: the server reads recovery_target_time before it knows zone abbreviations
moment=$(docker exec "$name" psql -U postgres -Atc "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00:00')")
docker exec "$name" psql -U postgres -d bench -qc "UPDATE pgbench_branches SET bbalance = bbalance + 1"
shipped_past "$(date +%s)"
rows_at_moment=$(docker exec "$name" psql -U postgres -d bench -Atc "SELECT sum(abalance) FROM pgbench_accounts")
start=$(date +%s.%N)
id=$(api "$port" /api/restores -X POST -d "{\"target\":\"bench-pg\",\"to\":\"$moment\",\"confirm\":\"bench-pg\"}" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
until api "$port" "/api/restores/$id" | grep -q '"endedAt":"'; do sleep 0.5; done
sidecar_s=$(echo "$(date +%s.%N) - $start" | bc)
api "$port" "/api/restores/$id" | grep -q '"state":"SUCCEEDED"' || { api "$port" "/api/restores/$id"; exit 1; }
[ "$(docker exec "$name" psql -U postgres -d bench -Atc "SELECT sum(abalance) FROM pgbench_accounts")" = "$rows_at_moment" ]
# by hand, from the same snapshots (the sidecar's new base backup and stream stopped first)
until api "$port" "/api/runs?plan=critical" | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)[0].get("endedAt") else 1)'; do sleep 1; done
stop_sidecar
docker rm -f backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
export RESTIC_REPOSITORY="$work/repo" RESTIC_PASSWORD_FILE="$work/key"
# the base the sidecar restored from (the newest ready before the moment) and its chain's newest WAL
base_run=$(restic snapshots --json --path /bench-pg/base.tar | python3 -c 'import json, sys
import re
from datetime import datetime
def at(t):  # restic writes nanoseconds and Z or an offset
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", t).replace("Z", "+00:00"))
moment = at(sys.argv[1])
bases = [s for s in json.load(sys.stdin) if at(s["time"]) < moment]
print(max(bases, key=lambda s: s["time"])["id"], [t for t in max(bases, key=lambda s: s["time"])["tags"] if t.startswith("run:")][0][4:])' "$moment")
base_snap=${base_run% *}
chain=${base_run#* }
read -r wal_snap wal_path < <(restic snapshots --json --tag "wal,chain:$chain" | python3 -c 'import json, sys
s = max(json.load(sys.stdin), key=lambda s: s["time"]); print(s["id"], s["paths"][0])')
in_volume() { docker run --rm -i --volumes-from "$name" --user 0 --network none --entrypoint sh "$image" -c "$1"; }
start=$(date +%s.%N)
docker stop "$name" >/dev/null
in_volume "cd $data && mkdir by-hand-before && for f in *; do [ \"\$f\" = by-hand-before ] || mv \"\$f\" by-hand-before/; done"
restic dump --quiet "$base_snap" /bench-pg/base.tar | in_volume "tar x -C $data"
restic dump --quiet "$wal_snap" "$wal_path" | in_volume "mkdir -p $data/wal-by-hand && tar x -C $data/wal-by-hand"
in_volume "cd $data && printf \"restore_command = 'cp $data/wal-by-hand$wal_path/%%f %%p || cp $data/wal-by-hand$wal_path/%%f.partial %%p'\nrecovery_target_time = '$moment'\nrecovery_target_action = 'promote'\n\" >> postgresql.auto.conf && touch recovery.signal && rm -f postmaster.pid && find . -path ./by-hand-before -prune -o -exec chown postgres:postgres {} + && chmod 700 ."
docker start "$name" >/dev/null
until [ "$(docker exec "$name" psql -U postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.5; done
hand_s=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(docker exec "$name" psql -U postgres -d bench -Atc "SELECT sum(abalance) FROM pgbench_accounts")" = "$rows_at_moment" ]
echo "RESULT restore-to-a-moment database_mib=$db_mib wal_days=$days sidecar_seconds=$sidecar_s by_hand_seconds=$hand_s ratio=$(echo "scale=2; $sidecar_s / $hand_s" | bc)"
