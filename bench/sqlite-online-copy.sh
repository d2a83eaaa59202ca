#!/usr/bin/env bash
# Benchmark: an SQLite database copied online while an app writes to it, as the helper copies it.
# A database of SIZE_MB (1 KiB rows), one write every 50 ms from another process for the whole
# measurement (a busy Open WebUI), in WAL mode and with a rollback journal; copied with SQLite's
# backup API (`sqlite3 db ".backup"`, what the sidecar used before) and with `VACUUM INTO` (what it
# uses now), each under the sidecar's `.timeout 10000`. Prints how long each copy took, whether it
# failed, and how many of the app's writes failed (its own busy timeout: 5 s). For the copy the
# sidecar keeps, also what its drill facts cost: every table's row count, and every table's content
# hash (the sqlite3 shell's sha3_query of SELECT *), each read of the copy as the helper reads it.
# Needs Debian's sqlite3 (the helper image's). Usage: bench/sqlite-online-copy.sh [SIZE_MB] (default 512)
set -euo pipefail
size_mb=${1:-512}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
rows=$((size_mb * 1024))

for journal in wal delete; do
  db=$work/$journal.db
  sqlite3 "$db" "PRAGMA journal_mode=$journal; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);" >/dev/null
  sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $rows)
    INSERT INTO chat (body) SELECT hex(randomblob(500)) FROM n;"
  for how in backup-api vacuum-into; do
    rm -f "$work/copy.db"
    : > "$work/writes.log"
    ( while true; do
        sqlite3 "$db" ".timeout 5000" "INSERT INTO chat (body) VALUES (hex(randomblob(500)));" >/dev/null 2>&1 \
          || echo failed >> "$work/writes.log"
        sleep 0.05
      done ) &
    writer=$!
    sleep 1
    case $how in
      backup-api) copy=".backup '$work/copy.db'" ;;
      vacuum-into) copy="VACUUM INTO '$work/copy.db'" ;;
    esac
    began=$(date +%s%N)
    # the writer never stops by itself: a copy that only ends when the writes stop is cut at 120 s
    if timeout 120 sqlite3 "$db" ".timeout 10000" "$copy" >/dev/null 2>"$work/err"; then outcome=ok
    elif [ $? -eq 124 ]; then outcome="not-done-after-120s"
    else outcome="failed:$(head -c 60 "$work/err" | tr ' \n' '_ ')"
    fi
    took_ms=$(( ($(date +%s%N) - began) / 1000000 ))
    kill $writer; wait $writer 2>/dev/null || true
    failed_writes=$(wc -l < "$work/writes.log")
    check=$( [ "$outcome" = ok ] && sqlite3 "$work/copy.db" "PRAGMA quick_check;" || echo -)
    facts=""
    if [ "$outcome" = ok ] && [ "$how" = vacuum-into ]; then
      began=$(date +%s%N)
      sqlite3 -readonly "$work/copy.db" "SELECT count(*) FROM chat" >/dev/null
      counted_ms=$(( ($(date +%s%N) - began) / 1000000 ))
      began=$(date +%s%N)
      sqlite3 -readonly "$work/copy.db" "SELECT substr(hex(sha3_query('SELECT * FROM \"chat\"')), 1, 16)" >/dev/null
      summed_ms=$(( ($(date +%s%N) - began) / 1000000 ))
      facts=" count_seconds=$((counted_ms / 1000)).$(printf %03d $((counted_ms % 1000))) sums_seconds=$((summed_ms / 1000)).$(printf %03d $((summed_ms % 1000)))"
    fi
    printf 'RESULT journal=%s copy=%s size_mb=%s outcome=%s seconds=%d.%03d quick_check=%s app_writes_failed=%s%s\n' \
      "$journal" "$how" "$(( $(stat -c %s "$db") / 1048576 ))" "$outcome" $((took_ms / 1000)) $((took_ms % 1000)) \
      "$check" "$failed_writes" "$facts"
  done
done
