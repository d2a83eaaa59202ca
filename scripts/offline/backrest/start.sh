#!/bin/sh
# What real Backrest (v1.14.1, as root) does at start-up that matters to the sidecar: every repo of
# /config/config.json marked autoInitialize is created with `restic init` (modes 0700/0600, owned
# by root) unless it exists. Then it serves its page on 9898. It does not speak Backrest's API.
set -e
config=${BACKREST_CONFIG:-/config/config.json}
if [ -f "$config" ]; then
  jq -c '.repos[]? | select(.autoInitialize == true) | {uri, password}' "$config" | while read -r repo; do
    uri=$(printf '%s' "$repo" | jq -r .uri)
    case "$uri" in /*) ;; *) continue ;; esac
    if [ ! -f "$uri/config" ]; then
      key=$(mktemp)
      printf '%s' "$repo" | jq -j .password > "$key"
      restic --repo "$uri" --password-file "$key" init >/dev/null && echo "initialised $uri (autoInitialize)"
      rm -f "$key"
    fi
  done
fi
exec busybox httpd -f -p 9898 -h /srv/backrest
