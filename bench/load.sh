#!/usr/bin/env bash
# The data-mover benchmark: a seeded dataset (bench/gen_data.py) loaded into MariaDB, then timed
# in one run into PostgreSQL three ways, each twice: ferry migrate (release build), pgloader (Debian
# package), and raw COPY of the same rows from the generated files (the physical limit), each
# into a fresh database with its indexes and foreign keys. Prints wall times, the ratios and
# ferry's peak RSS. Needs the servers of .ci/start-servers (FERRY_TEST_PG, FERRY_TEST_MYSQL).
# Usage: bench/load.sh [SCALE] [SEED]     (SCALE 1.0 = 5M orders, 200k customers, 100k blobs)
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1.0}
seed=${2:-42}
: "${FERRY_TEST_PG:?run .ci/start-servers and export what it prints}"
: "${FERRY_TEST_MYSQL:?run .ci/start-servers and export what it prints}"
command -v pgloader >/dev/null || { echo "install pgloader (apt-get install pgloader)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_data.py --scale "$scale" --seed "$seed" --out "$work"
cargo build --release --quiet --bin ferry
ferry=${CARGO_TARGET_DIR:-$PWD/target}/release/ferry

# user:password@host:port from the URLs (the password goes to the clients by environment).
pg_user=$(echo "$FERRY_TEST_PG" | sed -E 's#^[a-z]+://([^:@]+).*#\1#')
pg_pass=$(echo "$FERRY_TEST_PG" | sed -E 's#^[a-z]+://[^:@]+:([^@]*)@.*#\1#')
pg_hostport=$(echo "$FERRY_TEST_PG" | sed -E 's#^[a-z]+://[^@]+@([^/]+).*#\1#')
my_user=$(echo "$FERRY_TEST_MYSQL" | sed -E 's#^[a-z]+://([^:@]+).*#\1#')
my_pass=$(echo "$FERRY_TEST_MYSQL" | sed -E 's#^[a-z]+://[^:@]+:([^@]*)@.*#\1#')
my_hostport=$(echo "$FERRY_TEST_MYSQL" | sed -E 's#^[a-z]+://[^@]+@([^/]+).*#\1#')
export PGPASSWORD=$pg_pass MYSQL_PWD=$my_pass
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "${pg_hostport%:*}" -p "${pg_hostport#*:}" -U "$pg_user" "$@"; }
my_() { mariadb --no-defaults --local-infile=1 -h "${my_hostport%:*}" -P "${my_hostport#*:}" -u "$my_user" "$@"; }
fresh_pg() { psql_ -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" 2>/dev/null; }

echo "loading the dataset into MariaDB (scale $scale, seed $seed)..." >&2
my_ -e "DROP DATABASE IF EXISTS ferry_bench; CREATE DATABASE ferry_bench CHARACTER SET utf8mb4"
my_ ferry_bench < "$work/schema.sql"
my_ ferry_bench -e "SET foreign_key_checks = 0;
  LOAD DATA LOCAL INFILE '$work/customers.tsv' INTO TABLE customers;
  LOAD DATA LOCAL INFILE '$work/orders.tsv' INTO TABLE orders;
  LOAD DATA LOCAL INFILE '$work/attachments.tsv' INTO TABLE attachments (id, order_id, filename, @b)
    SET body = UNHEX(SUBSTRING(@b, 3));"
rows=$(my_ -N ferry_bench -e "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM attachments)")

# Before each timed run: MariaDB writes out the pages the bulk load (or the run before) left
# dirty, and PostgreSQL checkpoints, so that no run pays for the one before it.
settle() {
  local pct dirty i
  pct=$(my_ -N -e "SELECT @@GLOBAL.innodb_max_dirty_pages_pct")
  my_ -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  for i in $(seq 240); do
    dirty=$(my_ -N -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | awk '{print $2}')
    [ "${dirty:-0}" -le 10 ] && break
    sleep 0.5
  done
  my_ -e "SET GLOBAL innodb_max_dirty_pages_pct = $pct"
  psql_ -d postgres -c "CHECKPOINT"
  sync
  sleep 1
}

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }

# Each way runs twice, interleaved (ferry, pgloader, COPY, ferry, pgloader, COPY), each into a
# fresh database after settle; the best of each way's two is compared, so no way pays alone for
# being first after the dataset load.
"$ferry" convert "$work/schema.sql" --from mysql --to postgres --section pre-data -q -o "$work/pre.sql" 2>/dev/null
"$ferry" convert "$work/schema.sql" --from mysql --to postgres --section post-data -q -o "$work/post.sql" 2>/dev/null
run_pgloader() {
  pgloader --quiet "mysql://$my_user:$my_pass@$my_hostport/ferry_bench" \
    "postgresql://$pg_user:$pg_pass@$pg_hostport/ferry_bench_pgloader"
}
# Raw COPY of the same rows into the same tables (ferry's DDL), indexes and FKs after.
run_copy() {
  psql_ -d ferry_bench_copy -f "$work/pre.sql"
  psql_ -d ferry_bench_copy -c "\\copy customers FROM '$work/customers.tsv'"
  psql_ -d ferry_bench_copy -c "\\copy orders FROM '$work/orders.tsv'"
  psql_ -d ferry_bench_copy -c "\\copy attachments FROM '$work/attachments.tsv'"
  psql_ -d ferry_bench_copy -f "$work/post.sql"
}
best() { printf '%s\n' "$@" | sort -g | head -1; }
ferry_runs=() pgloader_runs=() copy_runs=() ferry_rss=0
for round in 1 2; do
  fresh_pg ferry_bench_ferry
  settle
  ferry_runs+=("$(secs /usr/bin/time -v -o "$work/ferry.time" "$ferry" migrate \
    "mysql://$my_user@$my_hostport/ferry_bench" "postgres://$pg_user@$pg_hostport/ferry_bench_ferry" -q --no-validate)")
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$work/ferry.time")
  [ "$rss" -gt "$ferry_rss" ] && ferry_rss=$rss
  fresh_pg ferry_bench_pgloader
  settle
  pgloader_runs+=("$(secs run_pgloader)")
  fresh_pg ferry_bench_copy
  settle
  copy_runs+=("$(secs run_copy)")
  echo "round $round: ferry ${ferry_runs[-1]} s, pgloader ${pgloader_runs[-1]} s, raw COPY ${copy_runs[-1]} s" >&2
done
ferry_s=$(best "${ferry_runs[@]}")
pgloader_s=$(best "${pgloader_runs[@]}")
copy_s=$(best "${copy_runs[@]}")

echo "dataset: $rows rows (scale $scale, seed $seed)"
echo "ferry migrate:  ${ferry_s} s (best of ${ferry_runs[*]}), peak RSS ${ferry_rss} kB"
echo "pgloader:       ${pgloader_s} s (best of ${pgloader_runs[*]})"
echo "raw COPY:       ${copy_s} s (best of ${copy_runs[*]})"
echo "ferry / pgloader: $(echo "scale=2; $ferry_s / $pgloader_s" | bc) (target <= 0.5)"
echo "ferry / COPY:     $(echo "scale=2; $ferry_s / $copy_s" | bc) (target <= 1.3)"
