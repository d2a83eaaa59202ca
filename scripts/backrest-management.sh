#!/usr/bin/env bash
# The operator's command line over the sidecar's API.
#   status              plans: last run, next run, freshness, Backrest sync; and health
#   targets             what the sidecar found and any label problems
#   backup <plan>       start a run now and follow it to its end (exit 1 if it failed)
#   snapshots [plan]    snapshots, newest first
#   restore ...         (restore arrives with the restore API; prints how to restore by hand now)
#   logs [n]            the sidecar's last n log lines (docker compose logs)
#   check               health: ready (Docker, repos) and freshness of every plan
# Talks to SIDECAR_URL (default: http://127.0.0.1:8080 inside the stack's network, reached with
# `docker compose exec`), with the token from secrets/sidecar-api-token. Needs curl; python3 or jq
# makes the output readable (raw JSON otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
token_file=${SIDECAR_API_TOKEN_FILE:-secrets/sidecar-api-token}
url=${SIDECAR_URL:-}

die() { echo "backrest-management: $*" >&2; exit 1; }
[ -r "$token_file" ] || die "cannot read the API token at $token_file (run scripts/backrest-setup.sh, or set SIDECAR_API_TOKEN_FILE)"
token=$(tr -d '\n' < "$token_file")

# No URL: ask the sidecar container itself, so no port has to be published.
call() {
  local method=$1 path=$2 out status
  if [ -n "$url" ]; then
    out=$(curl -sS -X "$method" -H "Authorization: Bearer $token" -w '\n%{http_code}' "$url$path") \
      || die "the sidecar at $url does not answer"
  else
    local compose="docker compose"; docker compose version >/dev/null 2>&1 || compose=docker-compose
    out=$($compose exec -T sidecar curl -sS -X "$method" -H "Authorization: Bearer $token" -w '\n%{http_code}' \
      "http://127.0.0.1:8080$path" 2>&1) || die "the sidecar container does not answer (is the stack up? $compose ps)"
  fi
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  if [ "${status:0:1}" != 2 ]; then
    die "$method $path answered $status: $body"
  fi
  printf '%s' "$body"
}

pretty() {
  if command -v jq >/dev/null; then jq .; elif command -v python3 >/dev/null; then python3 -m json.tool; else cat; echo; fi
}

field() { # field NAME < json   (a top-level string field, without jq)
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

cmd=${1:-status}
shift || true
case "$cmd" in
  status)
    call GET /api/plans | pretty
    ;;
  targets)
    call GET /api/targets | pretty
    ;;
  backup)
    plan=${1:?usage: backup <plan>}
    started=$(call POST "/api/plans/$plan/runs")
    id=$(printf '%s' "$started" | field id)
    echo "run $id of plan $plan started"
    while :; do
      run=$(call GET "/api/runs/$id")
      state=$(printf '%s' "$run" | field state)
      case "$state" in
        SUCCEEDED) echo "run $id SUCCEEDED"; exit 0 ;;
        FAILED) printf '%s' "$run" | pretty; die "run $id of plan $plan FAILED" ;;
      esac
      sleep 2
    done
    ;;
  snapshots)
    if [ -n "${1:-}" ]; then call GET "/api/snapshots?plan=$1" | pretty; else call GET /api/snapshots | pretty; fi
    ;;
  restore)
    cat <<MSG
Restore through the sidecar arrives with its restore API. Meanwhile, by hand:
  Postgres:  restic -r /repos/critical --password-file keys/critical.key dump latest /postgres/app.dump | pg_restore -d app
  Files:     restore in Backrest's UI, or: restic -r /repos/<plan> ... restore <snapshot> --target /tmp/restore
MSG
    ;;
  logs)
    compose="docker compose"; docker compose version >/dev/null 2>&1 || compose=docker-compose
    $compose logs --tail "${1:-200}" sidecar
    ;;
  check)
    compose="docker compose"; docker compose version >/dev/null 2>&1 || compose=docker-compose
    if [ -n "$url" ]; then curl -sS "$url/q/health" | pretty; else $compose exec -T sidecar curl -sS http://127.0.0.1:8080/q/health | pretty; fi
    ;;
  *)
    die "unknown command '$cmd' (status, targets, backup <plan>, snapshots [plan], restore, logs [n], check)"
    ;;
esac
