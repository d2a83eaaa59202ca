#!/bin/sh
# As the real proxy's entrypoint (docker-entrypoint.sh): binds [::]:2375 (IPv4 and IPv6) unless
# DISABLE_IPV6 says not to, which a host with IPv6 turned off needs; a command starting with haproxy
# runs it in the foreground as master and worker, so a stack may give a config file of its own
# (command: ["haproxy", "-f", FILE]) exactly as with the real image.
set -e
case "$(echo "${DISABLE_IPV6:-}" | tr '[:upper:]' '[:lower:]')" in
  1|true|yes) BIND_CONFIG=":2375" ;;
  *) BIND_CONFIG="[::]:2375 v4v6" ;;
esac
sed "s/\${BIND_CONFIG}/$BIND_CONFIG/g" /etc/haproxy/haproxy.cfg.template > /tmp/haproxy.cfg
if [ "${1#-}" != "$1" ]; then
  set -- haproxy "$@"
fi
if [ "$1" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
