#!/usr/bin/env bash
# Benchmark: the offsite path of a recovery, with real restic and a real S3 API server (S3Proxy,
# target/s3proxy/s3proxy.jar, put there by `mvn generate-test-resources`) on loopback:
#   backup   SIZE_MB of incompressible files into a local repo (the primary)
#   copy     restic copy of it to the S3 copy (what the sidecar does after each run)
#   pull     a new, empty primary made from the copy (init --copy-chunker-params) and filled by
#            restic copy --from-repo: README "Recovering onto a new machine", step 2
#   restore  restic restore of the latest snapshot from the pulled primary, checked by sha256
# Loopback has no bandwidth limit: the figures are restic's own cost per GiB; bench/results.md adds
# the time a real link takes. Usage: bench/recovery.sh [SIZE_MB] (default 1024). Prints RESULT lines.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-1024}
work=$(mktemp -d /tmp/bsc-bench-recovery.XXXXXX)
cleanup() {
  [ -n "${s3_pid:-}" ] && kill "$s3_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -f "$here/target/s3proxy/s3proxy.jar" ] || (cd "$here" && mvn -B -ntp -q generate-test-resources)

port=18090
mkdir -p "$work/buckets" "$work/data" "$work/restored"
cat > "$work/s3.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/buckets
CONF
java -jar "$here/target/s3proxy/s3proxy.jar" --properties "$work/s3.conf" >"$work/s3.log" 2>&1 &
s3_pid=$!
until (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do sleep 0.5; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
head -c 32 /dev/urandom | base64 > "$work/primary.key"
head -c 32 /dev/urandom | base64 > "$work/copy.key"
primary=(restic --repo "$work/primary" --password-file "$work/primary.key" --cache-dir "$work/cache" -q)
copy_uri="s3:http://127.0.0.1:$port/bench/copy"

echo "making ${size_mb} MiB of files"
for i in $(seq 1 $((size_mb / 64))); do head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/data/blob$i"; done
(cd "$work/data" && find . -type f | sort | xargs sha256sum) > "$work/before.sums"

seconds() { local start=$1; echo "$(( $(date +%s%N) - start ))" | awk '{printf "%.1f", $1 / 1e9}'; }
"${primary[@]}" init >/dev/null
t=$(date +%s%N); "${primary[@]}" backup "$work/data" >/dev/null; echo "RESULT backup ${size_mb}MiB $(seconds "$t") s"

restic --repo "$copy_uri" --password-file "$work/copy.key" --cache-dir "$work/cache" -q init --copy-chunker-params \
  --from-repo "$work/primary" --from-password-file "$work/primary.key" >/dev/null
t=$(date +%s%N)
restic --repo "$copy_uri" --password-file "$work/copy.key" --cache-dir "$work/cache" -q copy \
  --from-repo "$work/primary" --from-password-file "$work/primary.key" >/dev/null
echo "RESULT copy-to-s3 ${size_mb}MiB $(seconds "$t") s"

rm -rf "$work/primary" "$work/cache"
t=$(date +%s%N)
"${primary[@]}" init --copy-chunker-params --from-repo "$copy_uri" --from-password-file "$work/copy.key" >/dev/null
"${primary[@]}" copy --from-repo "$copy_uri" --from-password-file "$work/copy.key" >/dev/null
echo "RESULT pull-from-s3 ${size_mb}MiB $(seconds "$t") s"

t=$(date +%s%N)
"${primary[@]}" restore latest --target "$work/restored" >/dev/null
echo "RESULT restore ${size_mb}MiB $(seconds "$t") s"
(cd "$work/restored$work/data" && find . -type f | sort | xargs sha256sum) > "$work/after.sums"
cmp -s "$work/before.sums" "$work/after.sums" && echo "RESULT byte-identical yes" || { echo "RESULT byte-identical NO"; exit 1; }
