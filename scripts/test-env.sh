#!/usr/bin/env bash
# Makes this machine able to run the tests: Debian packages, a running Docker engine, test images.
# (openssl and apache2-utils are what scripts/backrest-setup.sh needs; nginx runs in a test on 127.0.0.1.)
# Safe to run again: it installs only what is missing and starts dockerd only when none answers.
# --no-images: leave the test images to the caller (scripts/test.sh builds them beside Maven's build).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v dockerd >/dev/null || need+=(docker.io)
command -v restic >/dev/null || need+=(restic)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v openssl >/dev/null || need+=(openssl)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v nginx >/dev/null || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
command -v promtool >/dev/null || need+=(prometheus)
command -v rclone >/dev/null || need+=(rclone)
command -v sqlite3 >/dev/null || need+=(sqlite3)
# the Docker API proxy judge's JSON reader is tested with the Lua haproxy embeds
command -v lua5.3 >/dev/null || need+=(lua5.3)
command -v ssh >/dev/null || need+=(openssh-client)
command -v docker-compose >/dev/null || need+=(docker-compose)
# the operator page's test drives a real browser
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd"
  nohup dockerd --host unix:///var/run/docker.sock >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /tmp/dockerd.log; echo "dockerd did not start"; exit 1; }
fi

[ "${1:-}" = --no-images ] || "$here/scripts/test-images.sh"
