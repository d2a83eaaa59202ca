#!/usr/bin/env bash
# Benchmark (issue 21): what an interrupted offsite copy costs the next one. A repo holding SIZE_MB of
# random data is copied (`restic copy`, at LIMIT KiB/s, packs of PACK_MIB) into a new repo; the copy is
# killed once KILL_MB are in the destination; then the next copy runs: once as it is (restic writes a
# copy's index at its end, so what was sent has none), once after `restic rebuild-index` of the
# destination (what the sidecar does after a copy that did not end). Local repos, restic of this machine.
# Usage: bench/copy-interrupted.sh [SIZE_MB] [KILL_MB] [PACK_MIB] [LIMIT]   (default 96 48 4 8192).
# Prints RESULT lines.
set -euo pipefail
size_mb=${1:-96}
kill_mb=${2:-48}
pack=${3:-4}
limit=${4:-8192}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
head -c 32 /dev/urandom | base64 > key
r() { restic --password-file key --no-cache -q "$@"; }
bytes() { du -sb "$1/data" | cut -f1; }

r init -r src
head -c "$((size_mb * 1000000))" /dev/urandom > data.bin
r -r src backup data.bin
restic version | sed 's/^/# /'

for way in as-is rebuild-index; do
  rm -rf "dst-$way"
  r init -r "dst-$way" --copy-chunker-params --from-repo src --from-password-file key
  RESTIC_PACK_SIZE=$pack restic --password-file key --no-cache -q -r "dst-$way" copy --from-repo src \
    --from-password-file key --limit-upload "$limit" &
  pid=$!
  until [ "$(bytes "dst-$way")" -ge $((kill_mb * 1000000)) ] || ! kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sent=$(bytes "dst-$way")
  # the killed restic's lock (same host, dead process) is stale: unlock removes it, as the sidecar's would be
  r -r "dst-$way" unlock
  if [ "$way" = rebuild-index ]; then r -r "dst-$way" rebuild-index >/dev/null 2>&1 || r -r "dst-$way" repair index; fi
  RESTIC_PACK_SIZE=$pack r -r "dst-$way" copy --from-repo src --from-password-file key
  total=$(bytes "dst-$way")
  r -r "dst-$way" check >/dev/null
  echo "RESULT next copy $way: ${size_mb} MB of data, $((sent / 1000000)) MB sent before the kill, copy repo" \
    "$((total / 1000000)) MB in all, $(( (total - size_mb * 1000000) / 1000000 )) MB more than the data; check clean"
done
