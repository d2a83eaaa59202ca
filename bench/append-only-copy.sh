#!/usr/bin/env bash
# Benchmark (issue 37): how an append-only copy grows when its retention runs on its server weekly,
# against a copy the sidecar thins itself and an append-only copy that nobody prunes. DAYS daily runs
# (dated one day apart, restic --time) of a folder of 8 files of FILE_MIB random data, one file
# replaced each day; after each run `restic copy` to the three copies:
#   thinned   what the sidecar does to a copy: forget by the tiers after each copy, prune weekly;
#   vault     served by `rclone serve restic --append-only` (deletes refused): the sidecar only copies;
#             weekly, on the server's folder, the retention docs/offsite.md renders for the default
#             tiers (the flags offsite/AppendOnlyRetentionTest pins), then prune;
#   unpruned  append-only and nobody runs its retention.
# Usage: bench/append-only-copy.sh [DAYS] [FILE_MIB]   (default 120 4). Prints a RESULT line per 30 days.
set -euo pipefail
days=${1:-120}
file_mib=${2:-4}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
port=18557
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
head -c 32 /dev/urandom | base64 > key
r() { restic --password-file key --no-cache -q "$@"; }
bytes() { du -sb "$1" | cut -f1; }
mkdir -p data served
for i in 1 2 3 4 5 6 7 8; do head -c $((file_mib * 1048576)) /dev/urandom > "data/f$i"; done
rclone serve restic --append-only --cache-objects=false --addr "127.0.0.1:$port" served >rclone.log 2>&1 &
server=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.2; done
r -r primary init
for copy in thinned "rest:http://127.0.0.1:$port/vault" unpruned; do
  r -r "$copy" init --from-repo primary --from-password-file key --copy-chunker-params
done
tiers="--keep-daily 30 --keep-weekly 12 --keep-monthly 12 --keep-yearly 5"
within="--keep-within-daily 30d --keep-within-weekly 84d --keep-within-monthly 12m --keep-within-yearly 5y"
start=$(date -u -d 2026-01-01 +%s)
for day in $(seq 1 "$days"); do
  head -c $((file_mib * 1048576)) /dev/urandom > "data/f$(( (day % 8) + 1 ))"
  when=$(date -u -d "@$((start + day * 86400 + 7200))" '+%Y-%m-%d %H:%M:%S')
  r -r primary backup --host bench --tag plan:bench --time "$when" data
  r -r primary forget --tag plan:bench --group-by host,paths $tiers
  for copy in thinned "rest:http://127.0.0.1:$port/vault" unpruned; do
    r -r "$copy" copy --from-repo primary --from-password-file key
  done
  r -r thinned forget --tag plan:bench --group-by host,paths $tiers
  if [ $((day % 7)) -eq 0 ]; then
    r -r primary prune
    r -r thinned prune
    # the vault's server, on its own folder, with its owner's key (here the same key file)
    r -r served/vault forget --tag plan:bench --group-by host,paths $within --keep-tag wal --keep-tag wal-base
    r -r served/vault prune
  fi
  if [ $((day % 30)) -eq 0 ] || [ "$day" -eq "$days" ]; then
    snaps() { r -r "$1" snapshots --json | grep -o '"id"' | wc -l; }
    echo "RESULT day=$day data_mib=$((8 * file_mib)) thinned_mib=$(( $(bytes thinned) / 1048576 )) thinned_snapshots=$(snaps thinned)" \
      "vault_mib=$(( $(bytes served/vault) / 1048576 )) vault_snapshots=$(snaps served/vault)" \
      "unpruned_mib=$(( $(bytes unpruned) / 1048576 )) unpruned_snapshots=$(snaps unpruned)"
  fi
done
