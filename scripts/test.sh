#!/usr/bin/env bash
# The one test command (README "Test", .ci/run): set up the machine, then mvn verify, then make sure
# the tests left nothing of theirs running (containers, volumes, networks named by the test prefixes).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/test-env.sh"
cd "$here"
status=0
mvn -B -ntp verify "$@" || status=$?
left=$( { docker ps -a --filter name=bsc-test- --filter name=bsce2e --format '{{.Names}}'
          docker ps -a --filter label=backrest-sidecar.helper --format '{{.Names}}'
          docker volume ls -q --filter name=bsc-test- --filter name=bsce2e
          docker network ls --filter name=bsc-test- --filter name=bsce2e --format '{{.Name}}'; } | sort -u)
if [ -n "$left" ]; then
  echo "the tests left behind (remove them: docker rm -f / docker volume rm / docker network rm):"
  echo "$left" | sed 's/^/  /'
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
