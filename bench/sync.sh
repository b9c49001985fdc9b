#!/usr/bin/env bash
# The sync benchmark (issue 22's speed goals), on the servers of .ci/start-servers:
#  1. backlog: 300,000 row changes (inserts, updates, deletes; 10 per transaction) written to
#     the source while sync is stopped, then `ferry sync --until-caught-up` timed from start to
#     caught up; the anchor is "raw apply": the same generator run directly on a copy of the
#     target (the server executing the same changes itself, no capture, no transport).
#  2. steady writes of about 2,000 changes/s for 30 s while sync runs: the lag gauge of
#     --metrics (source commit to target commit) sampled every 100 ms, its 99th percentile.
#  3. one transaction of 1,000,000 inserted rows: time and ferry's peak RSS.
# Sources: PostgreSQL, read over the replication protocol (stream, the default) or with the SQL
# slot functions (slot-functions); MariaDB's binary log.
# Usage: bench/sync.sh [pg|mariadb] [stream|slot-functions] (default pg stream). Needs a release
# build (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC_KIND=${1:-pg}
PG_READ=${2:-stream}
FERRY=${FERRY:-target/release/ferry}
export PGPASSWORD=${PGPASSWORD:-ferry} MYSQL_PWD=${MYSQL_PWD:-ferry}
PG="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U ferry"
MY="mariadb --no-defaults -h 127.0.0.1 -u ferry"
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

$PG -d postgres -c "DROP DATABASE IF EXISTS bench_sync_t WITH (FORCE)" -c "CREATE DATABASE bench_sync_t" \
    -c "DROP DATABASE IF EXISTS bench_sync_raw WITH (FORCE)"
for s in $($PG -d postgres -Atc "select slot_name from pg_replication_slots where slot_name like 'ferry_%' and database in ('bench_sync_s')"); do
  $PG -d postgres -c "select pg_drop_replication_slot('$s')" >/dev/null
done

# The writer on PostgreSQL: n transactions of 10 changes (4 inserts, 4 updates, 2 deletes),
# run by the source and, for the raw-apply anchor, by a copy of the target.
PG_CHURN="CREATE PROCEDURE churn(first bigint, n int, pause float8 DEFAULT 0) LANGUAGE plpgsql AS \$\$
    DECLARE i bigint; k bigint;
    BEGIN
      FOR i IN first .. first + n - 1 LOOP
        k := 1000000 + i * 4;
        INSERT INTO t (id, a, b, c) VALUES (k, 1, 'new', 1.5), (k + 1, 2, NULL, 2.5), (k + 2, 3, 'x', 3.5), (k + 3, 4, 'y', 4.5);
        UPDATE t SET a = a + 1, b = md5(i::text) WHERE id IN (i % 100000 + 1, (i * 7) % 100000 + 1, (i * 13) % 100000 + 1, k);
        DELETE FROM t WHERE id IN (k + 1, (i * 31) % 100000 + 1);
        COMMIT;
        IF pause > 0 THEN PERFORM pg_sleep(pause); END IF;
      END LOOP;
    END \$\$"

if [ "$SRC_KIND" = pg ]; then
  $PG -d postgres -c "DROP DATABASE IF EXISTS bench_sync_s WITH (FORCE)" -c "CREATE DATABASE bench_sync_s"
  SRC=postgres://ferry@127.0.0.1:5432/bench_sync_s
  src() { $PG -d bench_sync_s "$@"; }
  src -c "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL, b text, c numeric(12,2), d timestamptz NOT NULL DEFAULT now())" \
      -c "INSERT INTO t (id, a, b, c) SELECT g, g % 1000, md5(g::text), g / 7.0 FROM generate_series(1, 100000) g"
  src -c "$PG_CHURN"
else
  $MY -e "DROP DATABASE IF EXISTS bench_sync_s; CREATE DATABASE bench_sync_s"
  SRC=mysql://ferry@127.0.0.1:3306/bench_sync_s
  src() { $MY bench_sync_s "$@"; }
  src -e "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL, b text, c decimal(12,2), d timestamp(6) NOT NULL DEFAULT current_timestamp(6));
          INSERT INTO t (id, a, b, c) SELECT seq, seq % 1000, md5(seq), seq / 7.0 FROM seq_1_to_100000;"
  src <<'SQL'
DELIMITER //
CREATE PROCEDURE churn(first bigint, n int, pause double)
    BEGIN
      DECLARE i bigint DEFAULT first; DECLARE k bigint;
      WHILE i < first + n DO
        SET k = 1000000 + i * 4;
        START TRANSACTION;
        INSERT INTO t (id, a, b, c) VALUES (k, 1, 'new', 1.5), (k + 1, 2, NULL, 2.5), (k + 2, 3, 'x', 3.5), (k + 3, 4, 'y', 4.5);
        UPDATE t SET a = a + 1, b = md5(i) WHERE id IN (i % 100000 + 1, (i * 7) % 100000 + 1, (i * 13) % 100000 + 1, k);
        DELETE FROM t WHERE id IN (k + 1, (i * 31) % 100000 + 1);
        COMMIT;
        IF pause > 0 THEN DO SLEEP(pause); END IF;
        SET i = i + 1;
      END WHILE;
    END //
DELIMITER ;
SQL
fi
churn() { if [ "$SRC_KIND" = pg ]; then src -c "CALL churn($1, $2, $3)"; else src -e "CALL churn($1, $2, $3)"; fi; }

"$FERRY" plan "$SRC" postgres://ferry@127.0.0.1:5432/bench_sync_t -o "$OUT/plan.json" -q
"$FERRY" sync "$OUT/plan.json" --pg-read "$PG_READ" --until-caught-up -q 2>/dev/null
# The raw-apply anchor starts from the same rows as the target.
$PG -d postgres -c "CREATE DATABASE bench_sync_raw TEMPLATE bench_sync_t"

echo "== backlog: 37,500 transactions of 4 inserts, 4 updates, 2 deletes (some of keys already gone), written while sync is stopped"
churn 1 37500 0
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$OUT/rss1" "$FERRY" sync "$OUT/plan.json" --pg-read "$PG_READ" --until-caught-up 2>"$OUT/err1" || { cat "$OUT/err1"; exit 1; }
end=$(date +%s.%N)
ferry_s=$(echo "$end - $start" | bc -l)
changes=$(grep -o '[0-9]* changes applied' "$OUT/err1" | tail -1 | grep -o '^[0-9]*')
# Raw apply: the same procedure, run by the target server itself on its copy.
$PG -d bench_sync_raw -c "$PG_CHURN"
start=$(date +%s.%N)
$PG -d bench_sync_raw -c "CALL churn(1, 37500)"
end=$(date +%s.%N)
raw_s=$(echo "$end - $start" | bc -l)
printf "ferry sync: %d row changes in %.2f s = %.0f changes/s (peak RSS %d MB); raw apply: %.2f s; ratio %.2f x\n" \
  "$changes" "$ferry_s" "$(echo "$changes / $ferry_s" | bc -l)" "$(( $(cat "$OUT/rss1") / 1024 ))" "$raw_s" "$(echo "$ferry_s / $raw_s" | bc -l)"
for db in bench_sync_t; do
  a=$($PG -d $db -Atc "select count(*), sum(a), md5(string_agg(id||':'||a||':'||coalesce(b,'~'), ',' order by id)) from t")
  if [ "$SRC_KIND" = pg ]; then s=$(src -Atc "select count(*), sum(a), md5(string_agg(id||':'||a||':'||coalesce(b,'~'), ',' order by id)) from t");
  else s=$(src -N -e "set session group_concat_max_len = 1073741824; select count(*), sum(a), md5(group_concat(concat(id,':',a,':',coalesce(b,'~')) order by id separator ',')) from t" | tr '\t' '|'); fi
  [ "$a" = "$s" ] && echo "target equals source ($a)" || { echo "DIFFER: source $s target $a"; exit 1; }
done

echo "== steady writes, about 2,000 changes/s for 30 s, sync running"
PORT=$((20000 + RANDOM % 20000))
"$FERRY" sync "$OUT/plan.json" --pg-read "$PG_READ" -q --metrics 127.0.0.1:$PORT 2>"$OUT/err3" &
SYNC=$!
sleep 2
# 200 transactions of 10 changes per second: a pause of 5 ms after each.
churn 40001 6000 0.005 &
WRITER=$!
: > "$OUT/lag"; : > "$OUT/age"
while kill -0 $WRITER 2>/dev/null; do
  curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^ferry_sync_lag_seconds/ {print $2}' >> "$OUT/lag" || true
  # End to end, whatever the gauge says: how old the newest row the target holds is (each
  # transaction inserts rows stamped by the source's clock at its start).
  $PG -d bench_sync_t -Atc "SELECT extract(epoch FROM clock_timestamp() - max(d)) FROM t WHERE id > 1000000" >> "$OUT/age" || true
  sleep 0.1
done
kill -TERM $SYNC; wait $SYNC || true
stats() { sort -n "$1" | awk -v what="$2" '{v[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; printf "%s: %d samples, median %.3f s, p99 %.3f s, max %.3f s\n", what, NR, v[int(NR/2)], v[i], v[NR]}'; }
stats "$OUT/lag" "lag gauge (source commit to target commit; MariaDB stamps commits in whole seconds)"
stats "$OUT/age" "age of the newest row in the target (source clock to now)"

echo "== one transaction of 1,000,000 inserted rows"
if [ "$SRC_KIND" = pg ]; then
  src -c "INSERT INTO t (id, a, b, c) SELECT g, 7, 'big', 0.5 FROM generate_series(10000001, 11000000) g"
else
  src -e "SET SESSION max_statement_time = 0; INSERT INTO t (id, a, b, c) SELECT seq, 7, 'big', 0.5 FROM seq_10000001_to_11000000"
fi
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$OUT/rss2" "$FERRY" sync "$OUT/plan.json" --pg-read "$PG_READ" --until-caught-up -q 2>"$OUT/err2" || { cat "$OUT/err2"; exit 1; }
end=$(date +%s.%N)
printf "ferry sync: %.2f s = %.0f changes/s, peak RSS %d MB\n" "$(echo "$end - $start" | bc -l)" \
  "$(echo "1000000 / ($end - $start)" | bc -l)" "$(( $(cat "$OUT/rss2") / 1024 ))"

