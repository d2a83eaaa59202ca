#!/usr/bin/env bash
# First-time setup of the stack, safe to run again: it creates only what is missing and never
# replaces a key. Creates: one random key per repo (keys/, 0600), the admin password with nginx's
# htpasswd, the sidecar's API token, a self-signed certificate unless secrets/nginx/tls.* exist,
# env files from env/*.example, config/sidecar.yml, Backrest's first config.json. Needs: bash, openssl, htpasswd (apache2-utils), docker and
# Docker Compose; it names every one missing before it writes anything.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
created=()
note() { created+=("$1"); }
random() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "${1:-32}"; }

# What setup and the next step (docker compose up) need, every missing one named before anything is
# written: a host found short is told once, not half-way through.
missing=()
command -v docker >/dev/null || missing+=("docker: the Docker Engine and its CLI (docs.docker.com/engine/install, or apt-get install docker.io)")
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
  missing+=("Docker Compose: 'docker compose' (the compose plugin) or docker-compose")
fi
command -v openssl >/dev/null || missing+=("openssl: keys and the TLS certificate (apt-get install openssl)")
command -v htpasswd >/dev/null || missing+=("htpasswd: nginx's login (apt-get install apache2-utils)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup needs these, and did not find them on the PATH:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "nothing was created; install them and run setup again" >&2
  exit 1
fi

mkdir -p keys secrets/nginx config/stack backrest-config
instance=${BACKUP_INSTANCE:-$(hostname -s | tr -c 'A-Za-z0-9_.\n-' '-' | cut -c1-50)}
# One project name for Compose v1 and v2 alike, so the sidecar knows which containers are the stack's
# (a kept config/sidecar.yml names the project its backups were made in: a new host recovering keeps it)
kept=$(sed -n 's/^composeProject:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9_.-]*\).*/\1/p' config/sidecar.yml 2>/dev/null | head -1 || true)
project=${COMPOSE_PROJECT_NAME:-${kept:-$(basename "$PWD" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9')}}
[ -n "$project" ] || project=stack

for repo in critical models system; do
  if [ ! -s "keys/$repo.key" ]; then
    random 44 > "keys/$repo.key"; chmod 0600 "keys/$repo.key"; note "keys/$repo.key (repo $repo)"
  fi
done
if [ ! -s secrets/admin-password ]; then random 24 > secrets/admin-password; note "secrets/admin-password"; fi
admin_password=$(cat secrets/admin-password)
cp secrets/admin-password secrets/backrest-password
if [ ! -s secrets/sidecar-api-token ]; then random 40 > secrets/sidecar-api-token; note "secrets/sidecar-api-token"; fi
if [ ! -s secrets/nginx/htpasswd ]; then
  htpasswd -nbB -C 10 admin "$admin_password" > secrets/nginx/htpasswd; note "secrets/nginx/htpasswd (user admin)"
fi
printf 'proxy_set_header Authorization "Bearer %s";\n' "$(cat secrets/sidecar-api-token)" > secrets/nginx/sidecar-token.conf
if [ ! -s secrets/nginx/tls.crt ] || [ ! -s secrets/nginx/tls.key ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$instance" \
    -addext "subjectAltName=DNS:$instance,DNS:localhost,IP:127.0.0.1" \
    -keyout secrets/nginx/tls.key -out secrets/nginx/tls.crt 2>/dev/null
  note "secrets/nginx/tls.crt (self-signed for $instance; put your own tls.crt/tls.key there instead)"
fi
# nginx's master reads the key and the token at start (root); its workers check logins per request
chmod 0711 secrets
chmod 0755 secrets/nginx
chmod 0644 secrets/nginx/tls.crt secrets/nginx/htpasswd
chmod 0600 secrets/nginx/tls.key secrets/nginx/sidecar-token.conf

for example in env/*.example; do
  target=${example%.example}
  [ "$(basename "$target")" = stack ] && target=.env
  if [ ! -f "$target" ]; then
    sed "s/change-me/$(random 32)/" "$example" > "$target"; note "$target"
    [ "$target" = .env ] && echo "COMPOSE_PROJECT_NAME=$project" >> .env
  fi
done

if [ ! -f config/sidecar.yml ]; then
  cat > config/sidecar.yml <<YAML
instance: $instance
composeProject: $project
timeZone: ${TZ:-Europe/Berlin}
stateDir: /var/lib/backrest-sidecar
backrest:
  url: http://backrest:9898
  username: admin
  passwordFile: /config/backrest-password
plans:
  - id: critical
    schedule: "0 2 * * *"
    paths: [/stack/config, /stack/env]
  - id: models
    schedule: "0 3 * * 0"
  - id: system
    schedule: "0 1 * * 0"
# Who may do what through /sidecar/api/ (viewer, operator, admin); users are nginx's logins.
access:
  users:
    admin: admin
# Where failures are told (docs/notifications.md); secrets go in secrets/notifications/.
# notifications:
#   channels:
#     - name: telegram
#       type: telegram
#       events: [failures]
#       botTokenFile: /config/notifications/telegram-token
#       chatId: "-1001234567890"
YAML
  note "config/sidecar.yml"
fi

if [ ! -f backrest-config/config.json ]; then
  bcrypt=$(htpasswd -nbB -C 10 admin "$admin_password" | cut -d: -f2- | tr -d '\n' | sed 's/^\$2y\$/$2a$/')
  sed -e "s|@INSTANCE@|$instance|" \
      -e "s|@ADMIN_BCRYPT_BASE64@|$(printf '%s' "$bcrypt" | base64 -w0)|" \
      backrest-config/config.template.json > backrest-config/config.json
  chmod 0600 backrest-config/config.json
  note "backrest-config/config.json"
fi

# The sidecar runs as uid 10001 (src/main/docker/Dockerfile): it must read its keys and secrets,
# its configuration (no secret in it) and the host files it stores.
chmod 0644 config/sidecar.yml
chmod 0755 config config/stack
if [ "$(id -u)" = 0 ]; then chown -R 10001 env; fi
mkdir -p secrets/notifications
if [ "$(id -u)" = 0 ]; then
  # keys/ as brought from elsewhere too (an offsite copy's SSH key under keys/offsite/)
  chown -R 10001 keys secrets/sidecar-api-token secrets/backrest-password secrets/notifications
  chmod -R u+rwX keys
else
  unreadable=$(find keys secrets/sidecar-api-token secrets/backrest-password -type f ! -user 10001 ! -perm -o=r 2>/dev/null | tr '\n' ' ')
  [ -z "$unreadable" ] || echo "WARNING: the sidecar runs as uid 10001 and cannot read $unreadable- run: sudo chown -R 10001 keys secrets/sidecar-api-token secrets/backrest-password secrets/notifications" >&2
fi

# The repos are not made here: the sidecar makes each at its first start, like its offsite copy when
# one exists already (a new host being recovered), so what is brought back deduplicates.

echo
if [ ${#created[@]} -eq 0 ]; then
  echo "Nothing to create: everything was already set up (no key was touched)."
else
  echo "Created:"; printf '  - %s\n' "${created[@]}"
fi
cat <<MSG

Log in at https://$instance/ (or https://localhost/) as admin with the password in secrets/admin-password.
The repo keys are in keys/: without them no backup can be read. Copy keys/ somewhere off this host NOW.
Next: docker compose up -d   — then scripts/backrest-management.sh status
MSG
