#!/usr/bin/env bash
# The operator's command line over the sidecar's API.
#   status [--json]     plans as a table: last good backup and its age, next run, fresh or LATE (and
#                       why), last drill, repo size; --json: everything the API says of each plan
#   targets [--json]    what the sidecar found as a table: plan, strategy, state, last backup; label
#                       problems and last errors below it; --json: everything the API says of each
#   backup <plan>       start a run now and follow it to its end (exit 1 if it failed); on a terminal
#                       one progress line updates in place (bytes, rate, time left), piped it prints a
#                       line when the step changes and every 30 s
#   snapshots [plan]    snapshots, newest first
#   restore <target> [--snapshot ID] [--path P] [--database DB] [--new-database NAME] [--globals] [--yes]
#   restore <target> [--to latest|TIME|kept[:ID]] [--new-container NAME] [--yes]   (a Postgres in wal mode: to a moment, or its kept data folder back)
#   window <target>     the moments a Postgres in wal mode can be restored to, and its stream
#                       show what the restore would write (a dry run), ask for the target's name (or
#                       take --yes), restore, follow it to its end with a progress line (exit 1 if
#                       it failed)
#   drill <plan> [--from <copy>] [--target <target>]
#                       run the plan's restore drill now and follow it (exit 1 if a target failed),
#                       with the same progress line as backup; --from: of what the offsite copy holds;
#                       --target: of that one target only (the others' latest drills stand)
#   drills              every target's latest drill
#   recover --from <copy> [--yes] [--restored-by-hand <target>]...
#                       a new host from an offsite copy: show what the copy holds, ask once, bring the
#                       repos back, put config/ and env/ back, start the stack, restore every target,
#                       drill every plan, report each step's time (docs/offsite.md); run it again after
#                       a failure and it goes on where it stopped. With SIDECAR_STACK, on a manager: a
#                       whole swarm, each node restoring what runs on it (docs/swarm.md); a target put
#                       back by hand is named with --restored-by-hand
#   logs [n]            the sidecar's last n log lines (docker compose logs)
#   check               health: ready (Docker, repos) and freshness of every plan
# Talks to SIDECAR_URL (default: http://127.0.0.1:8080 inside the stack's network, reached with
# `docker compose exec`), with the token from secrets/sidecar-api-token. Needs curl; python3 or jq
# makes the output readable (raw JSON otherwise).
# On a Docker Swarm (docs/swarm.md): SIDECAR_STACK=<stack name> asks the sidecar task on this node
# (docker exec); `--node NAME` before the command acts on that node's sidecar (status and targets
# without it show every node).
set -euo pipefail
trap 'echo "backrest-management: stopped at line $LINENO: $BASH_COMMAND failed" >&2' ERR
cd "$(dirname "$0")/.."
token_file=${SIDECAR_API_TOKEN_FILE:-secrets/sidecar-api-token}
url=${SIDECAR_URL:-}
stack=${SIDECAR_STACK:-}
node=
if [ "${1:-}" = --node ]; then node=${2:?usage: --node NAME COMMAND ...}; shift 2; fi

die() { echo "backrest-management: $*" >&2; exit 1; }
[ -r "$token_file" ] || die "cannot read the API token at $token_file (run scripts/backrest-setup.sh, or set SIDECAR_API_TOKEN_FILE)"
token=$(tr -d '\n' < "$token_file")

# No URL: ask the sidecar container itself, so no port has to be published.
request() { # request METHOD PATH [JSON-BODY]: sets status and body; dies only when the sidecar does not answer
  local method=$1 path=$2 out
  local args=(-sS -X "$method" -H "Authorization: Bearer $token" -H 'X-Requested-By: backrest-management' -w '\n%{http_code}')
  if [ -n "${3:-}" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$3"); fi
  # another node's sidecar, through this one (GET /api/nodes/NAME/...); who-am-I and nodes stay here
  if [ -n "$node" ] && [[ $path == /api/* ]] && [[ $path != /api/nodes* ]]; then path="/api/nodes/$node/${path#/api/}"; fi
  if [ -n "$url" ]; then
    out=$(curl "${args[@]}" "$url$path") || die "the sidecar at $url does not answer"
  elif [ -n "$stack" ]; then
    local task
    task=$(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_sidecar" | head -n 1)
    [ -n "$task" ] || die "no task of ${stack}_sidecar runs on this node (docker service ps ${stack}_sidecar)"
    out=$(docker exec "$task" curl "${args[@]}" "http://127.0.0.1:8080$path" 2>&1) \
      || die "the sidecar task $task does not answer (docker service ps ${stack}_sidecar)"
  else
    local compose="docker compose"; docker compose version >/dev/null 2>&1 || compose=docker-compose
    out=$($compose exec -T sidecar curl "${args[@]}" "http://127.0.0.1:8080$path" 2>&1) \
      || die "the sidecar container does not answer (is the stack up? $compose ps)"
  fi
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}

call() { # call METHOD PATH [JSON-BODY]: the answer's body; dies unless it is a 2xx
  request "$@"
  if [ "${status:0:1}" != 2 ]; then
    die "$1 $2 answered $status: $body"
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

shown= shown_at=0
progress() { # progress JOB-JSON: what a run, restore or drill is doing now
  local text head now
  text=$(printf '%s' "$1" | field line)
  [ -n "$text" ] || text=$(printf '%s' "$1" | field phase)
  [ -n "$text" ] || return 0
  if [ -t 1 ]; then
    printf '\r\033[K%s' "${text:0:$(( $(tput cols 2>/dev/null || echo 100) - 1 ))}"
    return 0
  fi
  # piped (a log, cron mail): a line when the step changes, else one every 30 s
  head=${text%%:*} now=$(date +%s)
  if [ "$head" != "$shown" ] || [ $((now - shown_at)) -ge 30 ]; then
    echo "$text"
    shown=$head shown_at=$now
  fi
}

progress_end() {
  if [ -t 1 ]; then printf '\r\033[K'; fi
}

follow() { # follow PATH WHAT: poll a run or restore until it ends; exit 1 if it failed
  echo "$2 started: $1"
  await_end "$1" "$2" || die "$2 FAILED"
  exit 0
}

await_end() { # await_end PATH WHAT: poll a run or restore until it ends; 1 if it failed (its record shown)
  local path=$1 what=$2 job state
  while :; do
    job=$(call GET "$path") || die "$what: $path can no longer be read (above)"
    state=$(printf '%s' "$job" | field state)
    case "$state" in
      SUCCEEDED) progress_end; echo "$what SUCCEEDED"; return 0 ;;
      FAILED) progress_end; printf '%s' "$job" | pretty; return 1 ;;
    esac
    progress "$job"
    sleep 2
  done
}

drill_plan() { # drill_plan PLAN [COPY] [TARGET]: run the plan's drill (from its offsite COPY, of TARGET only), follow it to its end; 1 if a target failed
  local plan=$1 from=${2:-} only=${3:-} query="" started id run
  [ -z "$from" ] || query="from=$from"
  [ -z "$only" ] || query="${query:+$query&}target=$only"
  # call dies in the subshell of $(...): its failure is this drill's, never an endless wait
  started=$(call POST "/api/plans/$plan/drills${query:+?$query}") || return 1
  id=$(printf '%s' "$started" | field id)
  [ -n "$id" ] || { echo "the drill of plan $plan did not start: $started" >&2; return 1; }
  echo "drill $id of plan $plan started"
  while :; do
    run=$(call GET "/api/drills/runs/$id") || return 1
    if [ -n "$(printf '%s' "$run" | field endedAt)" ]; then
      progress_end
      printf '%s' "$run" | pretty
      case "$run" in
        *'"passed":false'*) echo "drill $id of plan $plan FAILED"; return 1 ;;
        *) echo "drill $id PASSED"; return 0 ;;
      esac
    fi
    progress "$run"
    sleep 2
  done
}

recover() { # recover --from COPY [--yes] [--restored-by-hand TARGET]...
  local from= yes= by_hand=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --from) from=${2:?--from needs a copy id (repos[].copies[].id in config/sidecar.yml)}; shift 2 ;;
      --yes) yes=1; shift ;;
      --restored-by-hand) by_hand+=("${2:?--restored-by-hand needs a target}"); shift 2 ;;
      *) die "recover: unknown option '$1'" ;;
    esac
  done
  [ -n "$from" ] || die "usage: recover --from <copy> [--yes]"
  [ -z "$url" ] || die "recover runs beside the stack's compose.yml (unset SIDECAR_URL)"
  [ -z "$node" ] || die "recover acts on the whole swarm: leave out --node"
  mkdir -p .recovery
  state=.recovery/$from.done
  touch "$state"
  t0=$(date +%s) failed=0 lines=()
  # a target the operator restored by hand (a Swarm task whose restore would stop it, docs/swarm.md) is
  # not restored again, and the verdict says whose word it is
  for t in "${by_hand[@]}"; do
    done_already "restored $t by hand" || echo "restored $t by hand" >> "$state"
  done
  if [ -n "$stack" ]; then recover_swarm "$from" "$yes"; else recover_compose "$from" "$yes"; fi
}

done_already() { grep -qxF "$1" "$state"; }

timed() { # timed NAME SECONDS: one line of the final report
  lines+=("$(printf '%7ss  %s' "$2" "$1")")
}

recover_compose() { # recover_compose COPY YES: a new host of the Compose bundle
  local from=$1 yes=$2 compose now staged job report before after
  [ -f config/sidecar.yml ] || die "config/sidecar.yml is missing: put back the one you kept (it names the copies)"
  compose=$(compose_cmd)
  # Everything that would make the recovery restore nothing, or not start, is found before anything runs
  same_project
  $compose config -q 2>/tmp/bsc-compose-check.$$ || {
    sed 's/^/  /' /tmp/bsc-compose-check.$$ >&2; rm -f /tmp/bsc-compose-check.$$
    die "compose.yml does not start as it is (above): set what it names in .env as on the old host (docs/offsite.md); nothing was changed"
  }
  rm -f /tmp/bsc-compose-check.$$
  keys_readable

  now=$(date +%s)
  echo "starting the sidecar (and the socket proxy and Backrest it needs); the services stay down"
  $compose up -d sidecar >/dev/null
  local waited=0
  until $compose exec -T sidecar curl -fsS http://127.0.0.1:8080/q/health/live >/dev/null 2>&1; do
    [ $waited -lt 300 ] || die "the sidecar did not answer within 5 minutes ($compose logs sidecar)"
    sleep 2; waited=$((waited + 2))
  done
  timed "sidecar up" $(($(date +%s) - now))

  confirm_recovery "$from" "$yes" "This brings the copy back into this host's repos, puts config/ and env/ back (the files
replaced are kept as *.before-recovery), starts the stack and restores every target over its data."
  pull_copy "$from"

  if ! done_already files; then
    now=$(date +%s)
    staged=$(cat .recovery/staged)
    rm -rf .recovery/files && mkdir -p .recovery/files
    docker cp "$($compose ps -q sidecar):$staged/." .recovery/files/
    before=$(cat config/sidecar.yml | cksum)
    # the sidecar stored the bundle's folders as /stack/<folder>
    if [ -d .recovery/files/stack ]; then
      (cd .recovery/files/stack && find . -type f) | while read -r f; do
        f=${f#./}
        if [ -f "$f" ] && ! cmp -s "$f" ".recovery/files/stack/$f"; then
          [ -e "$f.before-recovery" ] || cp -p "$f" "$f.before-recovery"
        fi
        mkdir -p "$(dirname "$f")"
        cp -p ".recovery/files/stack/$f" "$f"
        echo "put back $f"
      done
    else
      echo "no host paths in the copy: config/ and env/ stay as they are"
    fi
    # as backrest-setup.sh leaves them: the sidecar (uid 10001) reads its config and the env files
    chmod 0644 config/sidecar.yml
    if [ "$(id -u)" = 0 ]; then chown -R 10001 env; fi
    after=$(cat config/sidecar.yml | cksum)
    [ "$before" = "$after" ] || echo "config/sidecar.yml changed: the sidecar restarts with it"
    [ "$before" = "$after" ] || echo "restart-sidecar" >> "$state"
    timed "config/ and env/ put back" $(($(date +%s) - now))
    echo files >> "$state"
  fi

  now=$(date +%s)
  echo "starting the stack: $compose up -d"
  $compose up -d >/dev/null
  if done_already restart-sidecar && ! done_already restarted-sidecar; then
    $compose restart sidecar >/dev/null && echo restarted-sidecar >> "$state"
  fi
  await_healthy "$compose"
  timed "stack up and healthy" $(($(date +%s) - now))

  restore_every_target "$from"
  drill_what_is_owed "$from"
  recovery_verdict "$from"
}

recover_swarm() { # recover_swarm COPY YES: a swarm whose stack is deployed again (docs/swarm.md)
  local from=$1 yes=$2 now waited=0 pending
  # the services must run before their targets can be restored: a service with no task is a failure
  now=$(date +%s)
  docker stack services "$stack" >/dev/null 2>&1 \
    || die "docker stack services $stack does not answer: run recover on a manager of the swarm, with the stack deployed (docker stack deploy)"
  while :; do
    pending=$(docker stack services "$stack" --format '{{.Name}} {{.Replicas}}' \
      | awk '{ split($2, r, "/"); if (r[1] != r[2]) printf " %s (%s)", $1, $2 }')
    [ -n "$pending" ] || break
    if [ $waited -ge 300 ]; then echo "still starting after 5 minutes:$pending; their targets fail below"; break; fi
    sleep 3; waited=$((waited + 3))
  done
  timed "every service of stack $stack running" $(($(date +%s) - now))
  # a node's sidecar that started last may not be in the view yet: the nodes asked to restore are the
  # view's, so it is waited for (2 minutes at most), else its targets would fail as run by no node
  now=$(date +%s) waited=0
  local tasks seen
  while :; do
    tasks=$(docker service ps "${stack}_sidecar" --filter desired-state=running --format '{{.CurrentState}}' \
      | grep -c '^Running' || true)
    # "<node> <state> <role>" a line (GET /api/nodes/seen)
    seen=$(call GET /api/nodes/seen 2>/dev/null | grep -c ' up node$') || seen=0
    [ "$seen" -lt "$tasks" ] || break
    if [ $waited -ge 120 ]; then echo "the view sees $seen of the $tasks nodes' sidecars after 2 minutes; the targets of the others fail below"; break; fi
    sleep 3; waited=$((waited + 3))
  done
  timed "every node's sidecar in the view ($seen)" $(($(date +%s) - now))

  confirm_recovery "$from" "$yes" "This brings the copy back into the swarm's shared repos (the repos task does it), and has every
node restore the targets that run on it over their data. The stack's own files stay as deployed."
  pull_copy "$from"
  restore_every_target "$from"
  # each node drills the plans of the targets it restored
  drill_what_is_owed "$from"
  recovery_verdict "$from"
}

confirm_recovery() { # confirm_recovery COPY YES WHAT: show what the copy holds, ask once
  call GET "/api/recovery/$1/text"
  echo
  [ -z "$2" ] || return 0
  [ -t 0 ] || die "not a terminal: add --yes to recover without being asked"
  echo "$3"
  read -r -p "type the copy's name ($1) to go ahead: " answer
  [ "$answer" = "$1" ] || die "not confirmed; nothing was changed"
}

pull_copy() { # pull_copy COPY: the copy brought back into the repos, once
  local job report now
  done_already pulled && return 0
  now=$(date +%s)
  job=$(call POST "/api/recovery/$1/pulls" | field id)
  report=$(follow_recovery "$job")
  printf '%s\n' "$report"
  timed "copy brought back into the repos" $(($(date +%s) - now))
  [ "$(printf '%s\n' "$report" | tail -1 | cut -d' ' -f1)" = SUCCEEDED ] \
    || die "bringing the copy back FAILED (see above); run recover again once it is fixed"
  call GET "/api/recovery/jobs/$job" | field staged > .recovery/staged
  echo pulled >> "$state"
}

restore_every_target() { # restore_every_target COPY: what an earlier attempt restored is skipped
  local skip="" t job id now did n ledger
  now=$(date +%s)
  for t in $(sed -n 's/^restored \([^ ]*\).*/\1/p' "$state" | sort -u); do skip+="${skip:+,}\"$(json_escape "$t")\""; done
  job=$(call POST "/api/recovery/$1/restores" "{\"confirm\":\"$(json_escape "$1")\",\"skip\":[$skip]}")
  id=$(printf '%s' "$job" | field id)
  report=$(follow_recovery "$id")
  printf '%s\n' "$report"
  # what the job did to each target, as the sidecar words it for this record (GET .../ledger, one
  # line each: "restored TARGET", "skipped TARGET", in a swarm with "on NODE")
  ledger=$(call GET "/api/recovery/jobs/$id/ledger")
  while read -r did t _ n; do
    case $did in
      restored) echo "restored $t${n:+ on $n}" >> "$state" ;;
      # a target restored by hand is drilled too, in a swarm on the node that skipped it
      skipped) if [ -n "$n" ] && done_already "restored $t by hand" && ! done_already "restored $t by hand on $n"; then
          echo "restored $t by hand on $n" >> "$state"
        fi ;;
    esac
  done <<<"$ledger"
  printf '%s\n' "$report" | grep -q '^FAILED ' && failed=1
  timed "every target restored" $(($(date +%s) - now))
}

drill_once() { # drill_once PLAN NODE: drill a plan (on a node of a swarm), once across attempts
  local what="drilled $1${2:+ on $2}" now out
  done_already "$what" && return 0
  now=$(date +%s)
  if out=$(node=$2 drill_plan "$1"); then
    echo "$what" >> "$state"
    timed "drill of plan $1${2:+ on $2} PASSED" $(($(date +%s) - now))
  else
    # what the drill found is the first thing the operator needs
    printf '%s\n' "$out"
    failed=1
    timed "drill of plan $1${2:+ on $2} FAILED (scripts/backrest-management.sh${2:+ --node $2} drills)" $(($(date +%s) - now))
  fi
}

record_json() { # the record as the sidecar reads it: {"lines":[...]}, one string per line of $state
  local l out=""
  while IFS= read -r l; do out+="${out:+,}\"$(json_escape "$l")\""; done < "$state"
  printf '{"lines":[%s]}' "$out"
}

drill_what_is_owed() { # drill_what_is_owed COPY: the drills the sidecar says the record still owes
  local text owed plan on line
  # "PLAN" a line, in a swarm "PLAN NODE" (the node that restored the plan's target); read whole
  # first, as a drill's docker exec would read a loop's input
  text=$(call POST "/api/recovery/$1/drills-owed" "$(record_json)")
  mapfile -t owed <<<"$text"
  for line in "${owed[@]}"; do
    read -r plan on <<<"$line" || true
    [ -z "$plan" ] || drill_once "$plan" "${on:-}"
  done
  return 0
}

recovery_verdict() { # recovery_verdict COPY: the report, then the sidecar's verdict, counted from the record
  {
    echo
    echo "recovery from copy '$1' on $(date -u +%FT%TZ):"
    printf '%s\n' "$report" | grep '^[A-Z]* .*restore ' || true
    printf '%s\n' "${lines[@]}"
    echo "total: $(($(date +%s) - t0)) s (this attempt)"
  } | tee -a ".recovery/$1.report"
  # RECOVERED only when every target the copy holds is restored (or by hand, as the operator said) and
  # every drill it owes passed: the sidecar counts that from the record, against what the copy holds
  local verdict
  verdict=$(call POST "/api/recovery/$1/verdict" "$(record_json)")
  case $verdict in
    "RECOVERED: "*)
      # never a claim beside a failure of this attempt, whatever the record says
      [ "$failed" = 0 ] || die "NOT RECOVERED: a step of this attempt FAILED (above); fix what it says and run recover again: it goes on from there"
      echo "$verdict" ;;
    *) die "$verdict" ;;
  esac
}

same_project() { # the stack must come up under the Compose project its backups were made in
  local want have
  want=$(sed -n 's/^composeProject:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9_.-]*\).*/\1/p' config/sidecar.yml | head -1)
  [ -n "$want" ] || return 0
  have=${COMPOSE_PROJECT_NAME:-$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' .env 2>/dev/null | tail -1)}
  # Compose names a project after its folder when nothing else does
  [ -n "$have" ] || have=$(basename "$PWD" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9_-')
  [ "$have" != "$want" ] || return 0
  if [ -n "${COMPOSE_PROJECT_NAME:-}" ]; then
    die "COMPOSE_PROJECT_NAME is '$COMPOSE_PROJECT_NAME' in your shell, but the backups were made in Compose project '$want' (composeProject in config/sidecar.yml): the sidecar would find none of the stack's containers. Run: unset COMPOSE_PROJECT_NAME (or export COMPOSE_PROJECT_NAME=$want) and recover again; nothing was changed"
  fi
  if [ -f .env ]; then
    [ -e .env.before-recovery ] || cp -p .env .env.before-recovery
    sed -i '/^COMPOSE_PROJECT_NAME=/d' .env
  fi
  echo "COMPOSE_PROJECT_NAME=$want" >> .env
  echo "the Compose project here would be '$have', but the backups were made in '$want' (composeProject in config/sidecar.yml): .env now says COMPOSE_PROJECT_NAME=$want"
}

keys_readable() { # the sidecar runs as uid 10001 and reads keys/ (repo keys, the copies' SSH keys)
  local unreadable
  unreadable=$(find keys -type f ! -perm -o=r ! -user 10001 2>/dev/null | head -5 | tr '\n' ' ')
  [ -z "$unreadable" ] || die "the sidecar (uid 10001) cannot read: $unreadable- run: sudo chown -R 10001 keys (or bash scripts/backrest-setup.sh as root); nothing was changed"
}

count() { # count "WORDS" NOUN: "1 target", "4 targets"
  local n
  n=$(wc -w <<<"$1")
  if [ "$n" = 1 ]; then echo "1 $2"; else echo "$n $2s"; fi
}

follow_recovery() { # follow_recovery ID: wait for a recovery job; prints its steps, the last line its state
  local id=$1 job said waited=0
  while :; do
    # a sidecar that stops mid-recovery (killed, the host's OOM killer) is started again by Docker and
    # no longer knows the job: say what that means rather than only "answered 404"
    if ! job=$(call GET "/api/recovery/jobs/$id" 2>&1); then
      said=${job##*backrest-management: }
      case "$said" in
        *" answered 404"*) die "the sidecar was started again during the recovery: recovery job $id is gone. A restore it cut off was put right at its start (each restore's record says what its target holds: GET /api/restores, the page's Restores). Run recover again: it goes on from there" ;;
      esac
      [ "$waited" -lt 180 ] || die "$said"
      sleep 5; waited=$((waited + 5)); continue
    fi
    [ "$(printf '%s' "$job" | field state)" = RUNNING ] || break
    sleep 2
  done
  call GET "/api/recovery/jobs/$id/text"
}

await_healthy() { # await_healthy COMPOSE: every container of the stack running, and healthy if it has a check
  local compose=$1 waited=0 c bad
  while :; do
    bad=""
    for c in $($compose ps -q); do
      case "$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$c")" in
        running/healthy|running/none) ;;
        *) bad+=" $(docker inspect -f '{{.Name}}' "$c")" ;;
      esac
    done
    [ -z "$bad" ] && return 0
    [ $waited -lt 600 ] || die "not healthy after 10 minutes:$bad ($compose ps)"
    sleep 3; waited=$((waited + 3))
  done
}

compose_cmd() {
  if docker compose version >/dev/null 2>&1; then echo "docker compose"; else echo docker-compose; fi
}

cmd=${1:-status}
shift || true
case "$cmd" in
  status)
    if [ "${1:-}" = --json ]; then call GET /api/plans | pretty; else call GET /api/status; fi
    ;;
  targets)
    if [ "${1:-}" = --json ]; then call GET /api/targets | pretty; else call GET /api/targets/text; fi
    ;;
  backup)
    plan=${1:?usage: backup <plan>}
    # A run under way (the schedule's, another operator's) may have read the data before this was
    # asked: it is waited for, then a run of this request's own starts (a plan never overlaps itself)
    for attempt in 1 2 3; do
      request POST "/api/plans/$plan/runs"
      running=
      [ "$status" != 409 ] || running=$(printf '%s' "$body" | field running)
      [ -n "$running" ] || break
      echo "plan $plan is already running (run $running): waiting for it to end, then a run of its own starts"
      await_end "/api/runs/$running" "the run under way" || echo "the run under way FAILED (above); a run of its own starts"
    done
    [ "${status:0:1}" = 2 ] || die "POST /api/plans/$plan/runs answered $status: $body"
    follow "/api/runs/$(printf '%s' "$body" | field id)" "run of plan $plan"
    ;;
  snapshots)
    if [ -n "${1:-}" ]; then call GET "/api/snapshots?plan=$1" | pretty; else call GET /api/snapshots | pretty; fi
    ;;
  restore)
    target=${1:?usage: restore <target> [--snapshot ID] [--path P] [--database DB] [--new-database NAME] [--globals] [--to latest|TIME|kept[:ID]] [--new-container NAME] [--yes]}
    shift
    fields="\"target\":\"$(json_escape "$target")\"" yes= new_container=
    while [ $# -gt 0 ]; do
      case "$1" in
        --snapshot) fields+=",\"snapshot\":\"$(json_escape "${2:?--snapshot needs an id}")\""; shift 2 ;;
        --path) fields+=",\"path\":\"$(json_escape "${2:?--path needs a path}")\""; shift 2 ;;
        --database) fields+=",\"database\":\"$(json_escape "${2:?--database needs a name}")\""; shift 2 ;;
        --new-database) fields+=",\"newDatabase\":\"$(json_escape "${2:?--new-database needs a name}")\""; shift 2 ;;
        --globals) fields+=",\"globals\":true"; shift ;;
        --to) fields+=",\"to\":\"$(json_escape "${2:?--to needs latest, a time such as 2026-11-22 09:30, or kept[:restore id]}")\""; shift 2 ;;
        --new-container) fields+=",\"newContainer\":\"$(json_escape "${2:?--new-container needs a name}")\""; new_container=1; shift 2 ;;
        --yes) yes=1; shift ;;
        *) die "restore: unknown option '$1'" ;;
      esac
    done
    echo "a dry run first; nothing is touched:"
    call POST /api/restores "{$fields,\"dryRun\":true}" | pretty
    if [ -z "$yes" ] && [ -z "$new_container" ]; then
      [ -t 0 ] || die "not a terminal: add --yes to restore without being asked"
      read -r -p "type the target's name ($target) to overwrite its live data with this backup: " answer
      [ "$answer" = "$target" ] || die "not confirmed; nothing was restored"
    fi
    started=$(call POST /api/restores "{$fields,\"confirm\":\"$(json_escape "$target")\"}")
    follow "/api/restores/$(printf '%s' "$started" | field id)" "restore of $target"
    ;;
  window)
    call GET "/api/targets/${1:?usage: window <target>}/window" | pretty
    ;;
  drill)
    plan=${1:?usage: drill <plan> [--from <copy>] [--target <target>]}
    shift
    from="" only=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --from) from=${2:?--from needs a copy id (repos[].copies[].id in config/sidecar.yml)}; shift 2 ;;
        --target) only=${2:?--target needs a target of the plan, as status names it}; shift 2 ;;
        *) die "drill <plan> [--from <copy>] [--target <target>]: unknown '$1'" ;;
      esac
    done
    drill_plan "$plan" "$from" "$only" || die "the drill of plan $plan${from:+ from copy $from}${only:+ of target $only} FAILED"
    ;;
  drills)
    call GET /api/drills | pretty
    ;;
  recover)
    recover "$@"
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
    die "unknown command '$cmd' (status, targets, backup <plan>, snapshots [plan], restore <target> ..., window <target>, drill <plan>, drills, recover --from <copy>, logs [n], check)"
    ;;
esac
