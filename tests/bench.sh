#!/usr/bin/env bash
# Benchmarks: builds the runner and the sandbox in release mode and prints the results tables
# (see tests/bench.md): time entries, employees per provider and the store's split, the local
# API (one and four clients, GraphQL, the WebSocket under a sync), and a bookkeeper's companies.
# Usage: tests/bench.sh [TIME_ENTRY_SIZES] [EMPLOYEE_SIZES]
#   e.g. tests/bench.sh 1000,10000,100000 1000,10000
# BENCH_GATEWAY=0 skips the local API, BENCH_COMPANIES=0 the companies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes="${1:-1000,10000,100000}"
employee_sizes="${2:-1000}"
cargo build --release -q -p maestro-tests --bin bench -p maestro-sandbox --bin maestro-sandbox
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
target="${CARGO_TARGET_DIR:-target}"
"$target/release/bench" --sizes "$sizes" --employee-sizes "$employee_sizes" --sandbox-bin "$target/release/maestro-sandbox"
# The local API (issue 19, target 4): one client, four clients, and 100,000 sync events over a
# WebSocket to a fast and a stalled client.
if [ "${BENCH_GATEWAY:-1}" != 0 ]; then
  cargo build --release -q -p maestro-gateway --bin gateway-bench
  gw="$target/release/gateway-bench"
  echo "local API, 1 client:"; "$gw" --employees 1000 --requests 60 --seconds 30 --concurrency 1
  echo "local API, 4 clients:"; "$gw" --employees 1000 --requests 200 --seconds 30 --concurrency 4
  echo "local API, WebSocket:"; "$gw" --employees 1000 --requests 10 --seconds 5 --ws-events 100000
fi
# A bookkeeper's companies (issue 19, target 5): N companies x 200 people x BambooHR, Gusto and
# Harvest, synced by the background scheduler with the sandbox's rate limits on (about 7 minutes
# at 50). BENCH_COMPANIES=0 skips it.
companies="${BENCH_COMPANIES:-50}"
if [ "$companies" != 0 ]; then
  cargo build --release -q -p maestro-tests --bin companies-bench
  "$target/release/companies-bench" --companies "$companies"
fi
