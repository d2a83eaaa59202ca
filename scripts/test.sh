#!/usr/bin/env bash
# The one test command (README "Test", .ci/run): set up the machine, clear what an earlier test run
# left, mvn verify, then make sure the tests left nothing of theirs (containers, volumes, networks
# named by the test prefixes).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/test-env.sh" --no-images
cd "$here"
# The test images are built (debootstrap, mostly waiting on Debian's mirror on a fresh machine) while
# Maven downloads and compiles below; both are waited for before the suites start.
images_log=$(mktemp /tmp/bsc-test-images.XXXXXX)
"$here/scripts/test-images.sh" >"$images_log" 2>&1 &
images=$!

# Only names the tests make: bsc-test-* (scenarios), bsc-e2e-* (end-to-end), the stack IT's project bsce2e, the scenario stack's proxy,
# and helpers the sidecar labels as its own.
test_containers() {
  { docker ps -a --filter name=bsc-test- --filter name=bsc-e2e- --filter name=bsce2e --filter name=bsc-stack- --format '{{.Names}}'
    docker ps -a --filter label=backrest-sidecar.helper --format '{{.Names}}'; } | sort -u
}
test_volumes() { docker volume ls -q --filter name=bsc-test- --filter name=bsc-e2e- --filter name=bsce2e | sort -u; }
test_networks() { docker network ls --filter name=bsc-test- --filter name=bsc-e2e- --filter name=bsce2e --format '{{.Name}}' | sort -u; }

# A run that was killed (CI timeout, a machine reused) leaves labelled containers behind; the next
# run's sidecars would discover them as targets and fail on them. Swarm nodes are left to
# SwarmOfNodes, which thaws what a test froze inside them before it removes them.
not_swarm() { grep -v '^bsc-e2e-swarm-' || true; }
earlier=$( { test_containers; test_volumes; test_networks; } | not_swarm)
if [ -n "$earlier" ]; then
  echo "removing what an earlier test run left:"
  echo "$earlier" | sed 's/^/  /'
  test_containers | not_swarm | xargs -r docker rm -f -v >/dev/null || true
  test_volumes | not_swarm | xargs -r docker volume rm -f >/dev/null || true
  test_networks | not_swarm | xargs -r docker network rm >/dev/null || true
fi

status=0
# Built once (compiled, the jar and the app packaged; LayeringTest, so the test runner is fetched
# before two Mavens share the local repository), then the two suites at once: the scenarios
# (Surefire, one sidecar in the test JVM) and the end-to-end tests (Failsafe, the packaged sidecar
# as a process, in a container, on a Docker-alone host and on a Swarm). Each names its containers
# and its Compose project its own way (pom.xml, testing/TestDocker), so neither finds nor removes
# the other's. On two cores they share out the CPU rather than fill idle time (docs/testing.md).
# Each lane's lines are also kept in target/lane-<name>.log, so that the end of the run can repeat
# what failed: a CI log is often read from its tail only, where the other lane's lines come last.
lane() {
  local name=$1
  shift
  set -o pipefail
  mvn -B -ntp "$@" 2>&1 | sed -u "s/^/[$name] /" | tee "target/lane-$name.log"
}
failures() {
  local log
  for log in target/lane-*.log; do
    [ -f "$log" ] || continue
    # A failed case's line and the two after it (the assertion's message), then each class's count.
    grep -a -A2 -E '<<< (FAIL|ERROR)' "$log" | cut -c1-600 | head -60 || true
    grep -a -E 'Tests run:.*(Failures: [1-9]|Errors: [1-9])|BUILD FAILURE' "$log" | head -20 || true
  done
}
mvn -B -ntp package -Dtest=LayeringTest -Dsurefire.failIfNoSpecifiedTests=false "$@" || status=$?
images_status=0
wait "$images" || images_status=$?
cat "$images_log"
rm -f "$images_log"
if [ "$images_status" -ne 0 ]; then
  echo "the test images could not be built (above): no suite runs"
  status=1
fi
if [ "$status" -eq 0 ]; then
  lane scenarios surefire:test "$@" &
  scenarios=$!
  lane end-to-end failsafe:integration-test failsafe:verify "$@" &
  end_to_end=$!
  wait "$scenarios" || status=1
  wait "$end_to_end" || status=1
  if [ "$status" -eq 0 ]; then
    echo "both suites passed"
  else
    echo "a suite FAILED: its lines start [scenarios] or [end-to-end]; what failed, again:"
    failures
  fi
fi
left=$( { test_containers; test_volumes; test_networks; } )
if [ -n "$left" ]; then
  echo "the tests left behind (remove them: docker rm -f / docker volume rm / docker network rm):"
  echo "$left" | sed 's/^/  /'
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
