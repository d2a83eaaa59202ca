#!/bin/sh
# As the real proxy's entrypoint: binds [::]:2375 (IPv4 and IPv6) unless DISABLE_IPV6 says not to,
# which a host with IPv6 turned off needs.
set -e
case "$(echo "${DISABLE_IPV6:-}" | tr '[:upper:]' '[:lower:]')" in
  1|true|yes) BIND_CONFIG=":2375" ;;
  *) BIND_CONFIG="[::]:2375 v4v6" ;;
esac
sed "s/\${BIND_CONFIG}/$BIND_CONFIG/g" /etc/haproxy/haproxy.cfg.template > /tmp/haproxy.cfg
exec haproxy -db -f /tmp/haproxy.cfg
