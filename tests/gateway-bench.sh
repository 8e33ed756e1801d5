#!/usr/bin/env bash
# Load test of the local API on loopback: 1,000 people listed over REST and GraphQL.
# Bounded: at most REQUESTS requests or SECONDS seconds per API (defaults 200 and 30).
# Prints requests/second and p50/p99 latency for each. Extra arguments go to gateway-bench.
#
# Measured 2026-11-26, release build, loopback, 1,000 people, 2 CPU cores shared with other builds
# (load average ~5), every request authenticated, rate-checked and audited:
#   4 clients, 200 requests each API:
#     REST (all attributes)  6.8 req/s  p50 581 ms  p99 938 ms
#     REST (5-field sparse) 13.7 req/s  p50 277 ms  p99 515 ms
#     GraphQL (5 fields)    15.6 req/s  p50 260 ms  p99 462 ms
#   1 client, 60 requests each API:
#     REST (all attributes)  5.6 req/s  p50 157 ms  p99 302 ms
#     REST (5-field sparse) 16.1 req/s  p50  58 ms  p99  93 ms
#     GraphQL (5 fields)    14.5 req/s  p50  70 ms  p99 127 ms
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-release}"
flag=(); [ "$PROFILE" = release ] && flag=(--release)
exec cargo run -q "${flag[@]}" -p maestro-gateway --bin gateway-bench -- \
  --employees "${EMPLOYEES:-1000}" --requests "${REQUESTS:-200}" --seconds "${SECONDS_MAX:-30}" \
  --concurrency "${CONCURRENCY:-4}" "$@"
