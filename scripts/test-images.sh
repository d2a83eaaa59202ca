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
cheap_restic_keys=no
postgres=15
# shellcheck disable=SC1090
. <(grep -E '^[a-z_]+=' "$recipe")
# A recipe with cheap_restic_keys=yes gets src/test/restic's wrapper as /usr/local/bin/restic, before
# Debian's /usr/bin/restic on PATH: the repos that containers of this image create (the sidecar's image
# built on it, in the bundle, the Swarm and the container tests) get keys that open in milliseconds, as
# the scenarios' own do (docs/testing.md "restic's key derivation in tests"). Its hash is in the tag.
wrapper="$here/src/test/restic/restic"
if [ "$cheap_restic_keys" = yes ]; then
  hash=$(cat "$recipe" "$wrapper" | sha256sum | cut -c1-12)
else
  hash=$(sha256sum "$recipe" | cut -c1-12)
fi

if docker image inspect "$image:$hash" >/dev/null 2>&1; then
  echo "test image $image:$hash is up to date"
else
  echo "building test image $image:$hash (debootstrap $suite, about a minute)"
  rootfs=$(mktemp -d /tmp/bsc-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant="$variant" --include="$include" "$suite" "$rootfs" >"$rootfs.log" 2>&1 \
    || { tail -30 "$rootfs.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  if [ "$cheap_restic_keys" = yes ]; then
    install -m 755 "$wrapper" "$rootfs/usr/local/bin/restic"
  fi
  tar -C "$rootfs" -c . | docker import \
    -c "ENV PATH=/usr/lib/postgresql/$postgres/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
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
