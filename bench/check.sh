#!/usr/bin/env bash
# Times `ferry check` (release build, whole process, best of 3) on every corpus file, each to
# the target the report tests use, and prints the slowest. Target (issue 5): well under a second
# on every corpus file, fast enough for a pre-commit hook.
# Usage: bench/check.sh [--debug]   (--debug: time the debug build, an upper bound)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
if [ "${1:-}" = "--debug" ]; then profile=debug; cargo build --quiet --bin ferry
else cargo build --release --quiet --bin ferry; fi
slowest=0
slowest_file=""
while IFS= read -r f; do
  case "$f" in
    */mysql/*) from=mysql to=postgres ;;
    */postgresql/*) from=postgres to=mysql ;;
    */sqlite/*) from=sqlite to=postgres ;;
    *) continue ;;
  esac
  best=""
  for _ in 1 2 3; do
    s=$(date +%s.%N)
    ./target/$profile/ferry check "$f" --from "$from" --to "$to" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  printf '%8.3f s  %s (%s -> %s, %s bytes)\n' "$best" "$f" "$from" "$to" "$(wc -c <"$f")"
  if [ "$(echo "$best > $slowest" | bc)" = 1 ]; then slowest=$best; slowest_file=$f; fi
done < <(find tests/corpus -name '*.sql' | sort)
echo "slowest: ${slowest} s ($slowest_file), $profile build; target: well under 1 s"
