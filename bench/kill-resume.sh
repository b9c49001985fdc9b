#!/usr/bin/env bash
# The crash-safety stress run: tests/resume.rs over many seeds. Each seed loads a SQLite source
# (40k customers, 240k orders in key-range chunks, a 30k-row log without a key) into a fresh
# target, kills the loader with SIGKILL at two seeded random points (the second during the
# resume), resumes with `ferry load --resume`, and runs `ferry validate` (counts and checksums of
# every table: no row lost, none doubled). Into SQLite always, into PostgreSQL and MariaDB when
# the servers of .ci/start-servers are exported (FERRY_TEST_PG, FERRY_TEST_MYSQL).
# Usage: bench/kill-resume.sh [SEEDS] [FIRST_SEED]      (default 50 seeds from 1)
set -euo pipefail
cd "$(dirname "$0")/.."
export FERRY_KILL_SEEDS=${1:-50}
export FERRY_KILL_SEED_BASE=${2:-1}
cargo test --test resume -- --nocapture --test-threads 1 2>&1 |
  grep -E '^(seed|sqlite:|postgres:|mariadb:|test |thread)|panicked|result'
