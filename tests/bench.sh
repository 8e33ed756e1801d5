#!/usr/bin/env bash
# Benchmarks: builds the runner and the sandbox in release mode and prints the results table
# (see tests/bench.md). Usage: tests/bench.sh [TIME_ENTRY_SIZES] [EMPLOYEE_SIZES]
#   e.g. tests/bench.sh 1000,10000,100000 1000
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes="${1:-1000,10000,100000}"
employee_sizes="${2:-1000}"
cargo build --release -q -p maestro-tests --bin bench -p maestro-sandbox --bin maestro-sandbox
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
target="${CARGO_TARGET_DIR:-target}"
"$target/release/bench" --sizes "$sizes" --employee-sizes "$employee_sizes" --sandbox-bin "$target/release/maestro-sandbox"
# A bookkeeper's companies (issue 19, target 5): N companies x 200 people x BambooHR, Gusto and
# Harvest, synced by the background scheduler with the sandbox's rate limits on (about 7 minutes
# at 50). BENCH_COMPANIES=0 skips it.
companies="${BENCH_COMPANIES:-50}"
if [ "$companies" != 0 ]; then
  cargo build --release -q -p maestro-tests --bin companies-bench
  "$target/release/companies-bench" --companies "$companies"
fi
