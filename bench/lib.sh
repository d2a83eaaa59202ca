# What the benches share; sourced by them (`. "$here/bench/lib.sh"`), never run on its own.
# Needs $here (the repo) and $work (the bench's scratch folder) set by the bench.
image=backrest-sidecar-test/debian-services:latest
pg_bin=/usr/lib/postgresql/15/bin

# use_postgres17: the benches' servers from the Postgres 17 test image (debian-postgres17, with
# pg_combinebackup and pgBackRest) instead of debian-services' Postgres 15
use_postgres17() {
  image=backrest-sidecar-test/debian-postgres17:latest
  pg_bin=/usr/lib/postgresql/17/bin
}

# start_postgres NAME FSYNC [docker run options, e.g. --label ...]: Postgres 15 of the test image,
# local socket only, trusted; FSYNC on (the server's default, as users run it) or off (faster loads)
start_postgres() {
  local name=$1 fsync=$2
  shift 2
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --network none "$@" "$image" sh -c "mkdir -p /var/run/postgresql \
    && chown postgres /var/run/postgresql && su postgres -s /bin/sh -c '$pg_bin/initdb -D /tmp/pgdata -U postgres \
    --auth=trust >/dev/null && exec $pg_bin/postgres -D /tmp/pgdata -c listen_addresses= -c fsync=$fsync'" >/dev/null
  until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
}

# start_labelled_postgres NAME FSYNC [more labels/options]: start_postgres with the labels of a
# Postgres target `bench-pg` (database bench) in plan critical, as the benches back it up
start_labelled_postgres() {
  local name=$1 fsync=$2
  shift 2
  start_postgres "$name" "$fsync" --label backup.enable=true --label backup.strategy=postgres \
    --label backup.plan=critical --label backup.postgres.databases=bench --label com.docker.compose.service=bench-pg "$@"
}

# one_plan_config REPO_URI KEY_FILE [plan lines...]: $work/sidecar.yml with repo and plan `critical`
# (daily at 02:00), each further argument one more line of the plan (e.g. "priority: low")
one_plan_config() {
  local uri=$1 key=$2
  shift 2
  {
    printf 'instance: bench\nstateDir: %s\nrepos:\n  - id: critical\n    uri: %s\n    keyFile: %s\n' "$work/state" "$uri" "$key"
    printf 'plans:\n  - id: critical\n    schedule: "0 2 * * *"\n'
    for line in "$@"; do printf '    %s\n' "$line"; done
  } > "$work/sidecar.yml"
}

# load_text NAME MIB: database bench with table t of ~1 KiB md5-text rows, 1024 a MiB (compresses
# about 2:1 like application text, where pgbench's blank-padded rows compress about 35:1)
load_text() {
  docker exec "$1" psql -U postgres -qc 'CREATE DATABASE bench'
  docker exec "$1" psql -U postgres -d bench -qc "CREATE TABLE t (id bigint PRIMARY KEY, body text);
    INSERT INTO t SELECT g, (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 30) k)
    FROM generate_series(1, $(($2 * 1024))) g"
}

# start_sidecar CONFIG PORT [VAR=value ...]: the packaged jar with the token $work/token, its log
# appended to $work/sidecar.log; returns when it is ready; sets sidecar_pid
start_sidecar() {
  local config=$1 port=$2
  shift 2
  [ -s "$work/token" ] || head -c 32 /dev/urandom | base64 > "$work/token"
  env SIDECAR_CONFIG="$config" SIDECAR_API_TOKEN_FILE="$work/token" QUARKUS_HTTP_PORT="$port" "$@" \
    java -jar "$here/target/quarkus-app/quarkus-run.jar" >>"$work/sidecar.log" 2>&1 &
  sidecar_pid=$!
  until curl -sf "localhost:$port/q/health/ready" >/dev/null; do sleep 0.5; done
}

# cleanup_sidecar_and_postgres: a bench's EXIT trap: its sidecar, its container $name, its $work
cleanup_sidecar_and_postgres() {
  stop_sidecar
  docker rm -f "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}

stop_sidecar() {
  if [ -n "${sidecar_pid:-}" ]; then
    kill "$sidecar_pid" 2>/dev/null || true
    wait "$sidecar_pid" 2>/dev/null || true
    sidecar_pid=
  fi
}

# api PORT PATH [curl options]: the sidecar's API with the bench's token
api() {
  local port=$1 path=$2
  shift 2
  curl -sf -H "Authorization: Bearer $(cat "$work/token")" -H 'Content-Type: application/json' "$@" "localhost:$port$path"
}

# run_plan PORT PLAN: one run through the API, waited for; prints its seconds, or fails with its report
run_plan() {
  local port=$1 plan=$2 start id report
  start=$(date +%s.%N)
  id=$(api "$port" "/api/plans/$plan/runs" -X POST | sed 's/.*"id":"\([^"]*\)".*/\1/')
  until api "$port" "/api/runs/$id" | grep -q '"endedAt"'; do sleep 0.2; done
  report=$(api "$port" "/api/runs/$id")
  echo "$report" | grep -q '"state":"SUCCEEDED"' || { echo "run failed: $report" >&2; return 1; }
  echo "$(date +%s.%N) - $start" | bc
}

# java_text EXPRESSION: what EXPRESSION of the compiled sidecar (target/classes, mvn compile) says,
# e.g. a query the sidecar runs, so that a bench measures the very text the sidecar sends
java_text() {
  printf 'System.out.print(%s);\n/exit\n' "$1" > "$work/q.jsh"
  jshell -R-Djava.util.prefs.userRoot="$work" --class-path "$here/target/classes" "$work/q.jsh" 2>/dev/null \
    | grep -v '^INFO\|^[A-Z][a-z][a-z] [0-9]'
}

# start_wal_postgres NAME INITDB_ARGS [more labels/options]: a wal-mode target `bench-pg` in plan
# critical (checkpoint fast), laid out as the official image (data on volume NAME-data, the server
# PID 1, listening, initdb's pg_hba), of $image with $pg_bin; database bench made
start_wal_postgres() {
  local name=$1 initdb_args=$2 data=/var/lib/postgresql/data
  local as_pg="setpriv --reuid=postgres --regid=postgres --init-groups"
  shift 2
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$name-data" >/dev/null 2>&1 || true
  docker run -d --name "$name" --network none -e PGDATA=$data -v "$name-data:$data" \
    --label backup.enable=true --label backup.strategy=postgres --label backup.plan=critical \
    --label com.docker.compose.service=bench-pg --label backup.postgres.mode=wal \
    --label backup.postgres.checkpoint=fast "$@" "$image" sh -c "mkdir -p /var/run/postgresql \
    && chown postgres /var/run/postgresql $data && chmod 700 $data && { [ -s $data/PG_VERSION ] || $as_pg \
    $pg_bin/initdb -D $data -U postgres $initdb_args >/dev/null; } && exec $as_pg $pg_bin/postgres -D $data -c listen_addresses=*" >/dev/null
  until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
  docker exec "$name" psql -U postgres -qc 'CREATE DATABASE bench'
}

# cleanup_wal_bench: a wal bench's EXIT trap: its sidecar, its server $name with its volume and stream, its $work
cleanup_wal_bench() {
  stop_sidecar
  docker rm -f "$name" backrest-sidecar-wal-bench-pg >/dev/null 2>&1 || true
  docker volume rm "$name-data" >/dev/null 2>&1 || true
  rm -rf "$work"
}

# sql QUERY: database bench of container $name, unaligned, tuples only
sql() { docker exec "$name" psql -U postgres -d bench -qAtc "$1"; }

# bench_workload WORKLOAD MIB: database bench of $name loaded with WORKLOAD, about MIB MiB; defines
# `day N` (one day's change) and $rows (a query of the rows' count and sum, to check a restore by):
# - chats: an AI stack's chat history, as our users' databases grow: each day new rows appended (1 %
#   of the first day's), 0.5 % of the rows edited, 0.1 % deleted (most pages untouched);
# - pgbench: the worst case, 1 % of pgbench's accounts updated a day spread over the table
#   (`aid % 100 = k`), so every page of the table changes every day;
# - webui: Open WebUI's own tables as its source writes them (backend/open_webui/models/chats.py and
#   chat_messages.py): `chat` (a uuid key, the whole conversation as one JSON value, updated_at) and
#   `chat_message` (a row per message, ON DELETE CASCADE). Loaded with a year of chats of 20 messages
#   of ~1 KiB. A day: as many new messages as WEBUI_PER_MILLE per mille of the loaded ones (10, 1 %,
#   unless set: a stack whose history grows 3.6 × a year; 3 is the steady pace of the year loaded), in
#   chats started that day (a third) or continued from the last 7 days (the rest), each turn as Open
#   WebUI writes it (the user's message inserted, the chat's JSON rewritten, the answer inserted empty,
#   then filled and marked done, the chat's JSON rewritten again); 0.1 % of all chats deleted with
#   their messages, wherever they are.
bench_workload() {
  local mib=$2
  case "$1" in
    chats)
      # ~1 KiB of text a message, as load_text's rows
      sql "CREATE TABLE chats (id bigserial PRIMARY KEY, chat int, at timestamptz DEFAULT now(), body text);
        INSERT INTO chats (chat, body) SELECT g % 500, (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 30) k)
        FROM generate_series(1, $((mib * 1024))) g"
      # vacuumed once, as a user's database that has lived a while has been: the first vacuum after a
      # load in one go sets every page visible (WAL-logged), which a backup of the day after would
      # otherwise carry as if every page had changed (bench/results.md "Day 1 after a load")
      sql "VACUUM ANALYZE chats"
      chats_a_day=$((mib * 1024 / 100))
      day() {
        sql "INSERT INTO chats (chat, body) SELECT g % 500, (SELECT string_agg(md5((g * 37 + k + $1)::text), '') FROM generate_series(1, 30) k)
          FROM generate_series(1, $chats_a_day) g"
        sql "UPDATE chats SET body = body || ' (edited)' WHERE id IN (SELECT id FROM chats TABLESAMPLE BERNOULLI (0.5))"
        sql "DELETE FROM chats WHERE id IN (SELECT id FROM chats TABLESAMPLE BERNOULLI (0.1))"
      }
      rows="SELECT count(*) || ':' || sum(hashtextextended(t::text, 0)) FROM chats t"
      ;;
    webui)
      # each message is stored twice: its row, and inside its chat's JSON
      local messages=$((mib * 512 / 20 * 20))
      sql "CREATE FUNCTION msg(bigint) RETURNS text IMMUTABLE LANGUAGE sql AS
             \$\$ SELECT string_agg(md5((\$1 * 31 + k)::text), '') FROM generate_series(1, 32) k \$\$;
        CREATE TABLE chat (id text PRIMARY KEY, user_id text, title text, chat json, created_at bigint,
          updated_at bigint, archived boolean DEFAULT false, pinned boolean DEFAULT false, meta json DEFAULT '{}');
        CREATE INDEX ON chat (user_id); CREATE INDEX ON chat (updated_at, user_id);
        CREATE TABLE chat_message (id text PRIMARY KEY, chat_id text NOT NULL REFERENCES chat (id) ON DELETE CASCADE,
          user_id text, role text NOT NULL, content json, done boolean DEFAULT true, created_at bigint, updated_at bigint);
        CREATE INDEX ON chat_message (chat_id); CREATE INDEX ON chat_message (user_id, created_at);
        INSERT INTO chat SELECT md5('c' || c), 'u' || c % 10, 'chat ' || c,
            (SELECT json_build_object('history', json_build_object('messages', json_agg(json_build_object('id', md5('m' || g),
              'role', CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, 'content', msg(g)) ORDER BY g)))
             FROM generate_series(c * 20, c * 20 + 19) g),
            -365 + c * 365 / $((messages / 20)), -365 + c * 365 / $((messages / 20))
          FROM generate_series(0, $((messages / 20 - 1))) c;
        INSERT INTO chat_message SELECT md5('c' || g / 20) || '-' || md5('m' || g), md5('c' || g / 20), 'u' || g / 20 % 10,
            CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, to_json(msg(g)), true,
            -365 + g / 20 * 365 / $((messages / 20)), -365 + g / 20 * 365 / $((messages / 20))
          FROM generate_series(0, $((messages - 1))) g"
      sql "VACUUM ANALYZE" # as a database that has lived a while has been (bench/results.md "Day 1 after a load")
      webui_chats_a_day=$((messages * ${WEBUI_PER_MILLE:-10} / 1000 / 20))
      day() {
        sql "DO \$\$
          DECLARE
            today int := $1;
            ch text;
            n bigint := (SELECT count(*) FROM chat_message) + today * 1000003;
            question text; answer text;
          BEGIN
            INSERT INTO chat (id, user_id, title, chat, created_at, updated_at)
              SELECT md5('c' || today || '-' || i), 'u' || i % 10, 'new chat', '{\"history\":{\"messages\":[]}}', today, today
              FROM generate_series(1, $((webui_chats_a_day / 3))) i;
            FOR ch IN SELECT id FROM chat WHERE updated_at > today - 7 ORDER BY random() LIMIT $webui_chats_a_day LOOP
              FOR turn IN 1..10 LOOP
                n := n + 2;
                question := json_build_object('id', md5('m' || n), 'role', 'user', 'content', msg(n))::text;
                INSERT INTO chat_message VALUES (ch || '-' || md5('m' || n), ch, 'u', 'user', to_json(msg(n)), true, today, today);
                UPDATE chat SET chat = (left(chat::text, -3) || CASE WHEN chat::text LIKE '%[]}}' THEN '' ELSE ',' END
                  || question || ']}}')::json, updated_at = today WHERE id = ch;
                INSERT INTO chat_message VALUES (ch || '-' || md5('m' || n + 1), ch, 'u', 'assistant', '\"\"', false, today, today);
                UPDATE chat_message SET content = to_json(msg(n + 1)), done = true WHERE id = ch || '-' || md5('m' || n + 1);
                answer := json_build_object('id', md5('m' || n + 1), 'role', 'assistant', 'content', msg(n + 1))::text;
                UPDATE chat SET chat = (left(chat::text, -3) || ',' || answer || ']}}')::json WHERE id = ch;
              END LOOP;
            END LOOP;
            DELETE FROM chat WHERE id IN (SELECT id FROM chat TABLESAMPLE BERNOULLI (0.1));
          END \$\$"
      }
      rows="SELECT (SELECT count(*) || ':' || sum(hashtextextended(t::text, 0)) FROM chat t) || '/'
        || (SELECT count(*) || ':' || sum(hashtextextended(m::text, 0)) FROM chat_message m)"
      ;;
    pgbench)
      docker exec "$name" "$pg_bin/pgbench" -U postgres -i -q -s $((mib / 15)) bench >/dev/null 2>&1
      day() { sql "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 100 = $(( $1 % 100 ))"; }
      rows="SELECT count(*) || ':' || sum(abalance) FROM pgbench_accounts"
      ;;
    *) echo "workload: chats, webui or pgbench" >&2; return 2 ;;
  esac
}

# pgBackRest as its user guide sets up one server, in container $name (the debian-postgres17 test
# image), its config and repo under /var/lib/pgbackrest (a volume the bench mounts there): the repo
# encrypted (aes-256-cbc, as restic's always is), process-max 2, its default compression, start-fast,
# archive_command archive-push and archive_timeout 60 s (the server restarted for archive_mode), the
# stanza made and checked. PGBR_BLOCK=y adds its block-level incremental (repo1-bundle, repo1-block).
# pgbr runs pgbackrest as the server's user on the stanza; $pgbr_push is the archive_command.
pgbr_conf=/var/lib/pgbackrest/pgbackrest.conf
pgbr_push="pgbackrest --config=$pgbr_conf --stanza=bench archive-push %p"
pgbr() { docker exec -u postgres "$name" pgbackrest --config="$pgbr_conf" --stanza=bench "$@"; }
setup_pgbackrest() {
  docker exec -i "$name" sh -c "mkdir -p /var/lib/pgbackrest/repo && cat > $pgbr_conf && chown -R postgres:postgres /var/lib/pgbackrest" <<EOF
[global]
repo1-path=/var/lib/pgbackrest/repo
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$(head -c 24 /dev/urandom | base64)
repo1-retention-full=99
$([ "${PGBR_BLOCK:-n}" = y ] && printf 'repo1-bundle=y\nrepo1-block=y\n')
process-max=2
start-fast=y
log-level-console=warn
log-level-file=off

[bench]
pg1-path=/var/lib/postgresql/data
pg1-socket-path=/var/run/postgresql
EOF
  docker exec "$name" psql -U postgres -qc "ALTER SYSTEM SET archive_mode = on" \
    -c "ALTER SYSTEM SET archive_command = '$pgbr_push'" -c "ALTER SYSTEM SET archive_timeout = 60"
  docker restart "$name" >/dev/null
  until docker exec "$name" psql -U postgres -Atc 'select 1' >/dev/null 2>&1; do sleep 0.5; done
  pgbr stanza-create
  pgbr check
}
