#!/usr/bin/env bash
# Benchmark (issue 12, goal 2, Redis and SQLite): what the second backup adds after 1 % of the data
# changed. Redis: SIZE_MB of 800-byte hex values, an RDB saved (`SAVE`) with `rdbcompression yes`
# (Redis' default, LZF per value) and `no`, each stored as the sidecar stores it (the RDB file
# streamed into `restic backup --stdin`); 1 % of the keys overwritten; saved and stored again.
# SQLite: SIZE_MB of 1 KiB rows in WAL mode, copied online with `sqlite3 db "VACUUM INTO ..."` (as
# the helper does) and stored; 1 % of the rows updated (every 100th); copied and stored again; then
# 1 % updated together (the newest rows); copied and stored again.
# Needs what `bash scripts/test.sh` sets up (dockerd, restic, the test image).
# Usage: bench/storage-redis-sqlite.sh [SIZE_MB]   (default 256). Prints RESULT lines.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-256}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
name=bsc-bench-store
. "$here/bench/lib.sh"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
docker rm -f "$name" >/dev/null 2>&1 || true
docker run -d --name "$name" --network none "$image" sh -c "mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no" >/dev/null
until docker exec "$name" redis-cli ping >/dev/null 2>&1; do sleep 0.3; done
keys=$((size_mb * 1024))
head -c 32 /dev/urandom | base64 > "$work/key"

# store REPO NAME FILE-IN-CONTAINER: the file streamed into the repo; prints what restic added (bytes)
store() {
  docker exec "$name" cat "$3" | restic -r "$1" --password-file "$work/key" --no-cache backup --stdin \
    --stdin-filename "$2" --json 2>/dev/null | python3 -c 'import json,sys
for l in sys.stdin:
    j = json.loads(l)
    if j.get("message_type") == "summary": print(j["data_added"])'
}
pct() { echo "scale=1; 100 * $1 / $2" | bc; }

docker exec "$name" redis-cli EVAL "for i = 1, tonumber(ARGV[1]) do local v = {} for k = 1, 20 do
  v[k] = redis.sha1hex(i .. ':' .. k) end redis.call('SET', 'key:' .. i, table.concat(v)) end return 1" 0 "$keys" >/dev/null
for compression in yes no; do
  repo=$work/redis-$compression
  restic -r "$repo" --password-file "$work/key" init -q
  docker exec "$name" redis-cli CONFIG SET rdbcompression "$compression" >/dev/null
  docker exec "$name" redis-cli SAVE >/dev/null
  first=$(store "$repo" redis/dump.rdb /data/dump.rdb)
  rdb=$(docker exec "$name" stat -c %s /data/dump.rdb)
  # 1 % of the keys, spread evenly, get new values
  docker exec "$name" redis-cli EVAL "for i = 1, tonumber(ARGV[1]), 100 do local v = {} for k = 1, 20 do
    v[k] = redis.sha1hex(i .. ':' .. k .. ':$compression') end redis.call('SET', 'key:' .. i, table.concat(v)) end return 1" 0 "$keys" >/dev/null
  docker exec "$name" redis-cli SAVE >/dev/null
  second=$(store "$repo" redis/dump.rdb /data/dump.rdb)
  echo "RESULT redis rdbcompression=$compression size_mb=$size_mb rdb_bytes=$rdb first_added=$first second_added=$second growth_pct=$(pct "$second" "$first")"
done

rows=$keys
docker exec "$name" sh -c "mkdir -p /app && cd /app && sqlite3 webui.db 'PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);' >/dev/null
  sqlite3 webui.db \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $rows) INSERT INTO chat (body) SELECT hex(randomblob(500)) FROM n;\""
repo=$work/sqlite
restic -r "$repo" --password-file "$work/key" init -q
docker exec "$name" sh -c "rm -f /tmp/copy.db && sqlite3 /app/webui.db \"VACUUM INTO '/tmp/copy.db'\""
first=$(store "$repo" app/webui.db /tmp/copy.db)
docker exec "$name" sqlite3 /app/webui.db "UPDATE chat SET body = hex(randomblob(500)) WHERE id % 100 = 7"
docker exec "$name" sh -c "rm -f /tmp/copy.db && sqlite3 /app/webui.db \"VACUUM INTO '/tmp/copy.db'\""
second=$(store "$repo" app/webui.db /tmp/copy.db)
echo "RESULT sqlite change=spread size_mb=$size_mb db_bytes=$(docker exec "$name" stat -c %s /tmp/copy.db) first_added=$first second_added=$second growth_pct=$(pct "$second" "$first")"
# the same share of rows, but together (the newest 1 %, as an app appends and edits recent rows)
docker exec "$name" sqlite3 /app/webui.db "UPDATE chat SET body = hex(randomblob(500)) WHERE id > $((rows - rows / 100))"
docker exec "$name" sh -c "rm -f /tmp/copy.db && sqlite3 /app/webui.db \"VACUUM INTO '/tmp/copy.db'\""
third=$(store "$repo" app/webui.db /tmp/copy.db)
echo "RESULT sqlite change=clustered size_mb=$size_mb first_added=$first added=$third growth_pct=$(pct "$third" "$first")"
