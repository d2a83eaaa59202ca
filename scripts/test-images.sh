#!/usr/bin/env bash
# Builds the images the tests run (one per src/test/images/*.recipe), from Debian's packages only (no registry is reachable):
# a debootstrap root file system imported with `docker import`. The tag carries a hash of the
# recipe, so an unchanged recipe is never rebuilt; `:latest` points at the current one.
# The images are built side by side: on a fresh machine debootstrap mostly waits on downloads.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
builds=()
for recipe in "$here"/src/test/images/*.recipe; do
(
# shellcheck disable=SC1090
. <(grep -E '^[a-z]+=' "$recipe")
hash=$(sha256sum "$recipe" | cut -c1-12)

if docker image inspect "$image:$hash" >/dev/null 2>&1; then
  echo "test image $image:$hash is up to date"
else
  echo "building test image $image:$hash (debootstrap $suite, about a minute)"
  rootfs=$(mktemp -d /tmp/bsc-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant="$variant" --include="$include" "$suite" "$rootfs" >"$rootfs.log" 2>&1 \
    || { tail -30 "$rootfs.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    -c 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' - "$image:$hash" >/dev/null
  rm -f "$rootfs.log"
fi
docker tag "$image:$hash" "$image:latest"
) &
builds+=("$!")
done
failed=0
for build in "${builds[@]}"; do
  wait "$build" || failed=1
done
exit "$failed"
