#!/usr/bin/env bash
# Times, in one run on the same generated file: ferry convert MySQL -> PostgreSQL, sqlglot's
# transpile (the peer), and sqlparser's bare parse (the anchor). Prints the ratios.
# Usage: bench/convert.sh [TABLES] [SEED]     (defaults: 2000 tables, seed 42)
set -euo pipefail
cd "$(dirname "$0")/.."
tables=${1:-2000}
seed=${2:-42}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
schema="$work/schema.sql"
python3 bench/gen_schema.py --tables "$tables" --seed "$seed" --out "$schema"
python3 -c 'import sqlglot' 2>/dev/null || pip install -q -r bench/requirements.txt
cargo build --release --quiet --bin ferry --example bare_parse

best() { # best of 3 wall-clock seconds of a command
  local b=""
  for _ in 1 2 3; do
    local s e t
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}

ferry_s=$(best ./target/release/ferry convert "$schema" --from mysql --to postgres -q -o "$work/out.sql")
parse_s=$(best ./target/release/examples/bare_parse "$schema")
sqlglot_s=$(python3 - "$schema" <<'PY'
import sys, time, sqlglot
sql = open(sys.argv[1]).read()
best = None
for _ in range(2):
    t = time.perf_counter()
    sqlglot.transpile(sql, read="mysql", write="postgres")
    d = time.perf_counter() - t
    best = d if best is None or d < best else best
print(f"{best:.4f}")
PY
)
size=$(wc -c < "$schema")
echo "file: $tables tables, $size bytes (seed $seed)"
echo "ferry convert mysql->postgres: ${ferry_s}s (whole process)"
echo "sqlparser bare parse:          ${parse_s}s (whole process)"
echo "sqlglot transpile:             ${sqlglot_s}s (in-process, parse+generate only)"
echo "ferry / sqlparser parse: $(echo "scale=2; $ferry_s / $parse_s" | bc)x (target <= 2x)"
echo "sqlglot / ferry:         $(echo "scale=1; $sqlglot_s / $ferry_s" | bc)x faster (target >= 50x)"
