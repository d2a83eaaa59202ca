#!/usr/bin/env bash
# Benchmark: what one restic start costs with the repo's own key (restic's calibrated scrypt) and with
# the sidecar's quick key (restic/QuickKeys). A local repo made by the real restic (`init`, its cost
# calibrated on this machine) with a random key as setup writes one; the packaged sidecar started on
# it makes the quick key; then COUNT times `restic cat config --no-lock`, hinted at each key in turn:
# wall time and CPU (user + system) per start.
# Needs restic and a packaged jar (`mvn -q package -DskipTests`). Usage: bench/quick-key.sh [COUNT] (default 20)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-20}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
port=18094
. "$here/bench/lib.sh"
trap 'stop_sidecar; rm -rf "$work"' EXIT
head -c 32 /dev/urandom | base64 > "$work/key"
repo="$work/repo"
restic -r "$repo" --password-file "$work/key" init -q
own=$(ls "$repo/keys")
one_plan_config "$repo" "$work/key"
start_sidecar "$work/sidecar.yml" "$port"
# the sidecar opens its repos at start (readiness); the quick key is made on the first
for _ in $(seq 1 60); do [ "$(ls "$repo/keys" | wc -l)" -ge 2 ] && break; sleep 0.5; done
stop_sidecar
quick=$(ls "$repo/keys" | grep -v "^$own\$")
[ -n "$quick" ] || { echo "no quick key made: $(grep -i 'quick key' "$work/sidecar.log")" >&2; exit 1; }
echo "own key:   $own ($(python3 -c 'import json,sys; k=json.load(open(sys.argv[1])); print("N", k["N"], "r", k["r"], "p", k["p"])' "$repo/keys/$own"))"
echo "quick key: $quick ($(python3 -c 'import json,sys; k=json.load(open(sys.argv[1])); print("N", k["N"], "r", k["r"], "p", k["p"])' "$repo/keys/$quick"))"
per_start() { # per_start HINT: "wall cpu" seconds per restic start, COUNT starts
  local hint=$1 t0 c0 c1 me=$BASHPID
  t0=$(date +%s.%N)
  c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$me/stat)
  for _ in $(seq 1 "$count"); do
    restic -r "$repo" --password-file "$work/key" --no-cache --key-hint "$hint" cat config --no-lock >/dev/null
  done
  c1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$me/stat)
  echo "$(echo "scale=3; ($(date +%s.%N) - $t0) / $count" | bc) $(echo "scale=3; ($c1 - $c0) / $(getconf CLK_TCK) / $count" | bc)"
}
read -r own_wall own_cpu < <(per_start "$own")
read -r quick_wall quick_cpu < <(per_start "$quick")
echo "RESULT restic-start count=$count own_key_wall=$own_wall own_key_cpu=$own_cpu quick_key_wall=$quick_wall quick_key_cpu=$quick_cpu"
