#!/usr/bin/env bash
# Benchmark: Docker Swarm (issue 20). Three docker-in-docker nodes (as swarm/SwarmBacksUpEachNodeIT
# builds them) with the test stack (src/test/resources/swarm/stack.yml): Postgres of PG_MB on node1,
# the same model file of MODEL_MB in a volume on node1 and on node2 (a GPU node each, say). Measures:
#   - the three nodes backing up into the one shared repo at once, then the same work one node after
#     the other into a fresh repo: total time and each node's run;
#   - bytes the repo grew by, against the data read: the model file on two nodes is stored once;
#   - GET /api/status of the whole swarm (the one view) asked from node3, 20 times, and through nginx
#     (published on node1, as a browser asks it), 20 times;
#   - each sidecar's memory (the JVM is PID 1 of its task): resident 60 s after the runs, and its peak;
#   - node2 lost (its engine and every container on it frozen, as a node that hangs or drops off the
#     network): seconds until the stack's webhook receiver is told "node node2 does not answer", and from
#     its thaw until it is told "node node2 answers again".
# Needs what `bash scripts/test.sh` sets up and a packaged jar. Usage: bench/swarm.sh [PG_MB] [MODEL_MB]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pg_mb=${1:-256}
model_mb=${2:-256}
P=bsc-bench-swarm-
token=swarm-bench-api-token-0123456789
key=swarm-bench-repo-key-0123456789
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
cleanup() {
  for n in 1 2 3; do docker rm -f -v "${P}node$n" >/dev/null 2>&1 || true; docker volume rm "${P}node$n" >/dev/null 2>&1 || true; done
  docker network rm "${P}net" >/dev/null 2>&1 || true
  rm -rf "$work"
}
# KEEP=1 leaves the swarm up afterwards, to look at it (remove it by running the bench again)
[ -n "${KEEP:-}" ] || trap cleanup EXIT
cleanup; work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
on() { local n=$1; shift; docker exec "${P}node$n" docker "$@"; }
task() { on "$1" ps -q --filter "label=com.docker.swarm.service.name=bsc_$2" | head -n 1; }
api() { local n=$1 method=$2 path=$3; on "$n" exec "$(task "$n" sidecar)" curl -sS -X "$method" -H "Authorization: Bearer $token" "http://127.0.0.1:8080$path"; }
repo_bytes() { on 3 exec "$(task 3 repo)" du -sb /data/critical | cut -f1; }

echo "== three nodes"
bash "$here/scripts/offline-images.sh" >/dev/null
docker network create "${P}net" >/dev/null
for n in 1 2 3; do
  docker run -d --name "${P}node$n" --hostname "node$n" --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run -v "${P}node$n:/var/lib/docker" --network "${P}net" backrest-sidecar-test/swarm-node:latest \
    dockerd --host unix:///var/run/docker.sock >/dev/null
done
for n in 1 2 3; do until on "$n" info >/dev/null 2>&1; do sleep 1; done; done
ip1=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "${P}node1")
on 1 swarm init --advertise-addr "$ip1" >/dev/null
join=$(on 1 swarm join-token -q worker)
for n in 2 3; do on "$n" swarm join --token "$join" "$ip1:2377" >/dev/null; done
docker save -o "$work/images.tar" backrest-sidecar:0.1.0 backrest-sidecar-offline/postgres:local \
  backrest-sidecar-offline/docker-proxy:local backrest-sidecar-offline/nginx:local \
  backrest-sidecar-test/debian-services:latest
for n in 1 2 3; do docker exec -i "${P}node$n" docker load -q < "$work/images.tar" >/dev/null & done; wait
rm -f "$work/images.tar"

mkdir "$work/stack"
cp "$here/src/test/resources/swarm/stack.yml" "$work/stack/"
cp "$here/docker-proxy/docker-api.cfg" "$work/stack/docker-proxy.cfg"
cp "$here/docker-proxy/docker-api.lua" "$work/stack/docker-proxy.lua"
# the bench starts every run itself: the plan, the prune and the check fire only on the 1st of January
sed -e 's/CRON/0 5 1 1 */' -e 's/LATER/30 5 1 1 */' "$here/src/test/resources/swarm/sidecar.yml" > "$work/stack/sidecar.yml"
printf %s "$token" > "$work/stack/sidecar-api-token"; printf %s "$key" > "$work/stack/repo-key-critical"
printf %s "$key-offsite" > "$work/stack/repo-key-offsite"
ssh-keygen -q -t ed25519 -N "" -C swarm-bench -f "$work/stack/repo-ssh"
# nginx as the test stack has it (the bench does not use it, the stack file names its files)
cp "$here/nginx/nginx.conf" "$here/nginx/conf.d/stack.conf" "$work/stack/"
htpasswd -cbB "$work/stack/htpasswd" admin bench-admin-password >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench -keyout "$work/stack/tls.key" \
  -out "$work/stack/tls.crt" >/dev/null 2>&1
printf 'proxy_set_header Authorization "Bearer %s";\n' "$token" > "$work/stack/sidecar-token.conf"
docker exec "${P}node1" mkdir -p /stack && docker cp "$work/stack/." "${P}node1:/stack"
docker exec -w /stack "${P}node1" docker stack deploy -c stack.yml bsc >/dev/null
for n in 1 2 3; do
  on 1 service create -q --detach --name "models-$n" --constraint "node.hostname==node$n" --network bsc_stack \
    --container-label backup.enable=true --container-label backup.plan=critical --container-label backup.strategy=volume \
    --mount type=volume,src=models,dst=/models backrest-sidecar-test/debian-services:latest sleep 100000 >/dev/null
done
for n in 1 2 3; do until api "$n" GET /q/health/live 2>/dev/null | grep -q UP; do sleep 2; done; done
until on 1 exec "$(task 1 postgres)" psql -U app -d app -Atc 'select 1' >/dev/null 2>&1; do sleep 2; done
for n in 1 2 3; do until [ -n "$(on "$n" ps -q --filter name=models-$n)" ]; do sleep 2; done; done

echo "== data: Postgres ${pg_mb} MiB on node1, the same ${model_mb} MiB model on node1 and node2"
on 1 exec "$(task 1 postgres)" psql -U app -d app -qc "CREATE TABLE t (id bigint PRIMARY KEY, body text);
  INSERT INTO t SELECT g, (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 30) k)
  FROM generate_series(1, $((pg_mb * 1024))) g"
head -c "$((model_mb * 1024 * 1024))" /dev/urandom > "$work/model.bin"
for n in 1 2; do
  docker cp "$work/model.bin" "${P}node$n:/model.bin"
  on "$n" cp /model.bin "$(on "$n" ps -q --filter name=models-$n):/models/model.bin"
done
rm -f "$work/model.bin"

# run_on NODES...: POST a run on each node at once, wait for all; prints "node=seconds ..." and the wall time
run_on() {
  local start ids=() n id out=""
  start=$(date +%s.%N)
  for n in "$@"; do ids+=("$n:$(api "$n" POST /api/plans/critical/runs | sed 's/.*"id":"\([^"]*\)".*/\1/')"); done
  for entry in "${ids[@]}"; do
    n=${entry%%:*}; id=${entry#*:}
    until api "$n" GET "/api/runs/$id" | grep -q '"endedAt"'; do sleep 1; done
    api "$n" GET "/api/runs/$id" | grep -q '"state":"SUCCEEDED"' || { echo "run on node$n failed: $(api "$n" GET "/api/runs/$id")" >&2; exit 1; }
    out+="node$n=$(api "$n" GET "/api/runs/$id" | python3 -c 'import json, sys
from datetime import datetime
r = json.load(sys.stdin)
t = lambda s: datetime.fromisoformat(s[:26].rstrip("Z"))
print(round((t(r["endedAt"]) - t(r["startedAt"])).total_seconds(), 1))')s "
  done
  echo "$out wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s"
}

echo "== at once (the same cron on every node)"
before=$(repo_bytes)
together=$(run_on 1 2 3)
grown=$(( $(repo_bytes) - before ))
echo "$together; the repo grew by $((grown / 1024 / 1024)) MiB for $((pg_mb + 2 * model_mb)) MiB of data (a Postgres dump compresses about 2:1)"

echo "== one after the other, into a fresh repo"
on 1 service rm bsc_repo >/dev/null; sleep 5
until on 3 volume rm bsc_repo-data >/dev/null 2>&1; do sleep 2; done
docker exec -w /stack "${P}node1" docker stack deploy -c stack.yml bsc >/dev/null
on 1 service update -q --force bsc_sidecar-repos >/dev/null
sleep 20
alone=""
for n in 1 2 3; do alone+="$(run_on "$n" | sed 's/ wall=.*//') "; done
echo "$alone"

echo "== the one view: GET /api/status of three nodes and the repos task, from node3"
times=$(for _ in $(seq 1 20); do on 3 exec "$(task 3 sidecar)" curl -s -o /dev/null -w '%{time_total}\n' \
  -H "Authorization: Bearer $token" http://127.0.0.1:8080/api/status; done | sort -n)
echo "== the one view through nginx (node1:8443, basic auth, as the browser asks it)"
# from this host, as a browser elsewhere would reach node1 (the nodes have no curl of their own)
via_nginx=$(for _ in $(seq 1 20); do curl -sk -o /dev/null -w '%{time_total}\n' \
  -u admin:bench-admin-password "https://$ip1:8443/sidecar/api/status"; done | sort -n)

echo "== memory: each sidecar 60 s after its last run (VmRSS) and its peak (VmHWM)"
sleep 60
memory=""
for n in 1 2 3; do
  memory+="node$n=$(on "$n" exec "$(task "$n" sidecar)" awk '/VmRSS|VmHWM/ { printf "%s%d", sep, $2 / 1024; sep = "/" }' /proc/1/status)MiB "
done
for n in 1 2 3; do
  repos=$(task "$n" sidecar-repos)
  if [ -n "$repos" ]; then
    memory+="repos=$(on "$n" exec "$repos" awk '/VmRSS|VmHWM/ { printf "%s%d", sep, $2 / 1024; sep = "/" }' /proc/1/status)MiB"
  fi
done
echo "$memory (peak/idle: VmHWM is printed first)"
echo "== node2 lost: frozen whole, then thawed; the notices as the webhook receiver gets them"
told() { on 1 exec "$(task 1 hooks)" sh -c "cat /hooks/received 2>/dev/null || true" | grep -c "\"title\":\"$1\"" || true; }
frozen=()
for id in $(on 2 ps -q --no-trunc --filter status=running); do
  for f in "/sys/fs/cgroup/docker/$id/cgroup.freeze" "/sys/fs/cgroup/freezer/docker/$id/freezer.state"; do
    if [ -e "$f" ]; then
      case $f in *cgroup.freeze) echo 1 > "$f" ;; *) echo FROZEN > "$f" ;; esac
      frozen+=("$f")
    fi
  done
done
docker pause "${P}node2" >/dev/null
lost_at=$(date +%s.%N)
until [ "$(told 'node node2 does not answer')" -ge 1 ]; do sleep 1; done
lost_told_s=$(awk -v a="$lost_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
docker unpause "${P}node2" >/dev/null
for f in "${frozen[@]}"; do case $f in *cgroup.freeze) echo 0 > "$f" ;; *) echo THAWED > "$f" ;; esac; done
back_at=$(date +%s.%N)
until [ "$(told 'node node2 answers again')" -ge 1 ]; do sleep 1; done
back_told_s=$(awk -v a="$back_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
echo "told lost after ${lost_told_s}s, told back ${back_told_s}s after the thaw"

echo "RESULT at_once=\"$together\" one_after_another=\"$alone\" repo_grew_mib=$((grown / 1024 / 1024)) status_median_s=$(echo "$times" | sed -n 10p) status_max_s=$(echo "$times" | tail -n 1) via_nginx_median_s=$(echo "$via_nginx" | sed -n 10p) via_nginx_max_s=$(echo "$via_nginx" | tail -n 1) memory_peak_idle=\"$memory\" node_lost_told_s=$lost_told_s node_back_told_s=$back_told_s"
