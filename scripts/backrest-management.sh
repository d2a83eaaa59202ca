#!/usr/bin/env bash
# The operator's command line over the sidecar's API.
#   status              plans: last run, next run, freshness, Backrest sync; and health
#   targets             what the sidecar found and any label problems
#   backup <plan>       start a run now and follow it to its end (exit 1 if it failed)
#   snapshots [plan]    snapshots, newest first
#   restore <target> [--snapshot ID] [--path P] [--database DB] [--new-database NAME] [--globals] [--yes]
#                       show what the restore would write (a dry run), ask for the target's name (or
#                       take --yes), restore, follow it to its end (exit 1 if it failed)
#   drill <plan>        run the plan's restore drill now and follow it (exit 1 if a target failed)
#   drills              every target's latest drill
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
call() { # call METHOD PATH [JSON-BODY]
  local method=$1 path=$2 out status
  local args=(-sS -X "$method" -H "Authorization: Bearer $token" -w '\n%{http_code}')
  if [ -n "${3:-}" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$3"); fi
  if [ -n "$url" ]; then
    out=$(curl "${args[@]}" "$url$path") || die "the sidecar at $url does not answer"
  else
    local compose="docker compose"; docker compose version >/dev/null 2>&1 || compose=docker-compose
    out=$($compose exec -T sidecar curl "${args[@]}" "http://127.0.0.1:8080$path" 2>&1) \
      || die "the sidecar container does not answer (is the stack up? $compose ps)"
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

json_escape() { # a string as the inside of a JSON string
  local s=${1//\\/\\\\}
  printf '%s' "${s//\"/\\\"}"
}

follow() { # follow PATH WHAT: poll a run or restore until it ends; exit 1 if it failed
  local path=$1 what=$2 job state
  echo "$what started: $path"
  while :; do
    job=$(call GET "$path")
    state=$(printf '%s' "$job" | field state)
    case "$state" in
      SUCCEEDED) echo "$what SUCCEEDED"; exit 0 ;;
      FAILED) printf '%s' "$job" | pretty; die "$what FAILED" ;;
    esac
    sleep 2
  done
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
    follow "/api/runs/$(printf '%s' "$started" | field id)" "run of plan $plan"
    ;;
  snapshots)
    if [ -n "${1:-}" ]; then call GET "/api/snapshots?plan=$1" | pretty; else call GET /api/snapshots | pretty; fi
    ;;
  restore)
    target=${1:?usage: restore <target> [--snapshot ID] [--path P] [--database DB] [--new-database NAME] [--globals] [--yes]}
    shift
    fields="\"target\":\"$(json_escape "$target")\"" yes=
    while [ $# -gt 0 ]; do
      case "$1" in
        --snapshot) fields+=",\"snapshot\":\"$(json_escape "${2:?--snapshot needs an id}")\""; shift 2 ;;
        --path) fields+=",\"path\":\"$(json_escape "${2:?--path needs a path}")\""; shift 2 ;;
        --database) fields+=",\"database\":\"$(json_escape "${2:?--database needs a name}")\""; shift 2 ;;
        --new-database) fields+=",\"newDatabase\":\"$(json_escape "${2:?--new-database needs a name}")\""; shift 2 ;;
        --globals) fields+=",\"globals\":true"; shift ;;
        --yes) yes=1; shift ;;
        *) die "restore: unknown option '$1'" ;;
      esac
    done
    echo "a dry run first; nothing is touched:"
    call POST /api/restores "{$fields,\"dryRun\":true}" | pretty
    if [ -z "$yes" ]; then
      [ -t 0 ] || die "not a terminal: add --yes to restore without being asked"
      read -r -p "type the target's name ($target) to overwrite its live data with this backup: " answer
      [ "$answer" = "$target" ] || die "not confirmed; nothing was restored"
    fi
    started=$(call POST /api/restores "{$fields,\"confirm\":\"$(json_escape "$target")\"}")
    follow "/api/restores/$(printf '%s' "$started" | field id)" "restore of $target"
    ;;
  drill)
    plan=${1:?usage: drill <plan>}
    started=$(call POST "/api/plans/$plan/drills")
    id=$(printf '%s' "$started" | field id)
    echo "drill $id of plan $plan started"
    while :; do
      run=$(call GET "/api/drills/runs/$id")
      if [ -n "$(printf '%s' "$run" | field endedAt)" ]; then
        printf '%s' "$run" | pretty
        case "$run" in
          *'"passed":false'*) die "drill $id of plan $plan FAILED" ;;
          *) echo "drill $id PASSED"; exit 0 ;;
        esac
      fi
      sleep 2
    done
    ;;
  drills)
    call GET /api/drills | pretty
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
    die "unknown command '$cmd' (status, targets, backup <plan>, snapshots [plan], restore <target> ..., drill <plan>, drills, logs [n], check)"
    ;;
esac
