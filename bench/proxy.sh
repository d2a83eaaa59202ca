#!/usr/bin/env bash
# Benchmark (issue 40): what the Docker API proxy costs, with a config given by git revision (the
# regex-only config before docker-api.lua, or the judge): its memory after start and after COUNT
# creates, how long it takes to answer its first call, and the time a create, start and removal of a
# helper-like container take through it against the same calls straight to Docker's socket.
# Needs what `bash scripts/test.sh` sets up (the test image, the proxy stand-in image).
# Usage: bench/proxy.sh [REV] [COUNT]   (defaults HEAD, 100). Prints a RESULT line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD}
count=${2:-100}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-proxy
port=18375
. "$here/bench/lib.sh"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker ps -aq --filter label=backrest-sidecar.bench | xargs -r docker rm -f >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$here" show "$rev:docker-proxy/docker-api.cfg" > "$work/docker-api.cfg"
git -C "$here" show "$rev:docker-proxy/docker-api.lua" > "$work/docker-api.lua" 2>/dev/null || : > "$work/docker-api.lua"
docker build -q --build-arg BASE_IMAGE="$image" -t backrest-sidecar-offline/docker-proxy:local \
  "$here/scripts/offline/docker-proxy" >/dev/null
start=$(date +%s.%N)
docker run -d --name "$name" -p "127.0.0.1:$port:2375" -e DOCKER_API_BIND=:2375 -e DOCKER_API_TIMEOUT=10m \
  -e DOCKER_API_BIND_FROM=/srv/bench -v /var/run/docker.sock:/var/run/docker.sock:ro \
  -v "$work/docker-api.cfg:/usr/local/etc/haproxy/docker-api.cfg:ro" \
  -v "$work/docker-api.lua:/usr/local/etc/haproxy/docker-api.lua:ro" \
  backrest-sidecar-offline/docker-proxy:local haproxy -f /usr/local/etc/haproxy/docker-api.cfg >/dev/null
until curl -sf "http://127.0.0.1:$port/_ping" >/dev/null; do sleep 0.02; done
ready=$(awk "BEGIN{print $(date +%s.%N) - $start}")
memory() { docker stats --no-stream --format '{{.MemUsage}}' "$name" | cut -d/ -f1 | tr -d ' '; }
idle=$(memory)

# a helper as volumes/Helpers makes it: docker-java's body, every field it knows, most of them null
body=$(cat <<EOF
{"Hostname":"h","User":"0:0","Env":null,"Cmd":["true"],"Entrypoint":null,"Image":"$image","Volumes":{},
"WorkingDir":null,"ExposedPorts":{},"Labels":{"backrest-sidecar.bench":"proxy"},"HostConfig":{"Binds":
["bsc-bench-proxy-vol:/data:ro","/srv/bench:/srv/bench:rw"],"NetworkMode":"none","CpuShares":2,"Privileged":null,
"CapAdd":null,"Devices":null,"Mounts":null,"SecurityOpt":null,"PidMode":null,"Sysctls":null}}
EOF
)
# round BASE [curl options]: COUNT creates, starts and removals; prints the seconds they took
round() {
  local base=$1 t0 i id
  shift
  t0=$(date +%s.%N)
  for i in $(seq 1 "$count"); do
    id=$(curl -sf "$@" -X POST -H 'Content-Type: application/json' --data-binary "$body" \
      "$base/v1.41/containers/create?name=backrest-sidecar-bench-$i" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
    curl -sf "$@" -X POST "$base/v1.41/containers/$id/start" >/dev/null
    curl -sf "$@" -X DELETE "$base/v1.41/containers/$id?force=1" >/dev/null
  done
  awk "BEGIN{print $(date +%s.%N) - $t0}"
}
direct=$(round http://docker --unix-socket /var/run/docker.sock)
proxied=$(round "http://127.0.0.1:$port")
busy=$(memory)
docker volume rm bsc-bench-proxy-vol >/dev/null 2>&1 || true
per() { awk "BEGIN{printf \"%.1f\", $1 * 1000 / $count}"; }
echo "RESULT proxy=$rev creates=$count ready_s=$(printf %.2f "$ready") memory_idle=$idle memory_after=$busy" \
  "direct_ms_per_create_start_remove=$(per "$direct") proxied_ms=$(per "$proxied")" \
  "added_ms=$(per "$(awk "BEGIN{print $proxied - $direct}")")"
