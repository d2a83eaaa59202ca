#!/usr/bin/env bash
# Builds every image the stack needs on a host that reaches no container registry (air-gapped):
# Postgres, Redis, nginx, Prometheus and Alertmanager are the real programs from Debian's packages; Backrest, Ollama and Open
# WebUI are stand-ins that keep their data layout (they cannot be built from Debian's packages; nor can
# Grafana, which has no stand-in: the monitoring profile's Grafana needs its image); the
# socket proxy is haproxy with the same allow-list; the sidecar is built from its own Dockerfile.
# Usage: scripts/offline-images.sh [BASE_IMAGE]
#   BASE_IMAGE: a local Debian image holding the packages (default: built here with debootstrap by
#   scripts/test-images.sh). Needs `mvn package` first (the sidecar's jar).
# Prints the .env lines that point compose.yml at these images.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-}
if [ -z "$base" ]; then
  "$here/scripts/test-images.sh" >&2
  base=backrest-sidecar-test/debian-services:latest
fi
[ -f "$here/target/quarkus-app/quarkus-run.jar" ] || { echo "build the sidecar first: mvn -q package -DskipTests" >&2; exit 1; }

for name in postgres redis nginx docker-proxy ollama open-webui backrest prometheus alertmanager; do
  docker build -q --build-arg "BASE_IMAGE=$base" -t "backrest-sidecar-offline/$name:local" "$here/scripts/offline/$name" >/dev/null
  echo "built backrest-sidecar-offline/$name:local" >&2
done
# the jar this tree's `mvn package` made (JAR_FROM=host): both stages on the local base, nothing pulled
docker build -q --build-arg JAR_FROM=host --build-arg "BUILD_IMAGE=$base" --build-arg "BASE_IMAGE=$base" \
  -f "$here/src/main/docker/Dockerfile" -t backrest-sidecar:0.1.0 "$here" >/dev/null
echo "built backrest-sidecar:0.1.0" >&2

cat <<ENV
POSTGRES_IMAGE=backrest-sidecar-offline/postgres:local
REDIS_IMAGE=backrest-sidecar-offline/redis:local
NGINX_IMAGE=backrest-sidecar-offline/nginx:local
DOCKER_PROXY_IMAGE=backrest-sidecar-offline/docker-proxy:local
OLLAMA_IMAGE=backrest-sidecar-offline/ollama:local
OPEN_WEBUI_IMAGE=backrest-sidecar-offline/open-webui:local
BACKREST_IMAGE=backrest-sidecar-offline/backrest:local
PROMETHEUS_IMAGE=backrest-sidecar-offline/prometheus:local
ALERTMANAGER_IMAGE=backrest-sidecar-offline/alertmanager:local
ENV
