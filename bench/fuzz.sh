#!/usr/bin/env bash
# The stable fuzzer: builds bench/fuzz.rs in release and runs it for SECONDS (default 60) from
# SEED (default 1). Findings (panics, hangs over 5 s, diagnostics pointing outside the text) go
# to target/fuzz-findings/ with their seed and input number; exit 1 when there is one.
# Replay saved inputs: bench/fuzz.sh --replay FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == --* ]]; then
    exec cargo bench --quiet --bench fuzz -- "$@"
fi
exec cargo bench --quiet --bench fuzz -- "${1:-60}" "${2:-1}" "${@:3}"
