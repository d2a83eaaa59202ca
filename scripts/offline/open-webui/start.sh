#!/bin/sh
set -e
data=/app/backend/data
mkdir -p "$data/uploads" "$data/vector_db" /srv/www
# the real start runs its migrations on webui.db before it serves: a database it cannot use stops it,
# in its own words (what a drill that starts this app on its restored data reports)
if [ -f "$data/webui.db" ] && ! sqlite3 "$data/webui.db" "SELECT count(*) FROM chat" >/dev/null 2>&1; then
  echo "open-webui: webui.db cannot be used: $(sqlite3 "$data/webui.db" "SELECT count(*) FROM chat" 2>&1 | head -1)" >&2
  exit 1
fi
[ -f "$data/webui.db" ] || sqlite3 "$data/webui.db" "PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO chat (body) VALUES ('hello');" >/dev/null
# Chroma's default store beside it, a second live SQLite database (as Open WebUI's own vector_db/)
[ -f "$data/vector_db/chroma.sqlite3" ] || sqlite3 "$data/vector_db/chroma.sqlite3" "PRAGMA journal_mode=WAL; CREATE TABLE embeddings (id INTEGER PRIMARY KEY, seq_id BLOB); INSERT INTO embeddings (seq_id) VALUES (x'01');" >/dev/null
echo ok > /srv/www/health
# the real image ends its start.sh with `exec uvicorn`, which stops at once on SIGTERM; busybox httpd as
# PID 1 would ignore it and make every `docker stop` wait out its grace period
busybox httpd -f -p 8080 -h /srv/www &
trap 'kill $!; exit 0' TERM INT
wait $!
