#!/usr/bin/env bash
# The one test command (README "Test", .ci/run): set up the machine, then mvn verify.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/test-env.sh"
cd "$here"
exec mvn -B -ntp verify "$@"
