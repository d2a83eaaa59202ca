#!/bin/sh
set -e
data=/app/backend/data
mkdir -p "$data/uploads" "$data/vector_db" /srv/www
[ -f "$data/webui.db" ] || sqlite3 "$data/webui.db" "PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO chat (body) VALUES ('hello');" >/dev/null
echo ok > /srv/www/health
exec busybox httpd -f -p 8080 -h /srv/www
