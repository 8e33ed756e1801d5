#!/usr/bin/env bash
# Load test of the local API on loopback: 1,000 people listed over REST and GraphQL.
# Bounded: at most REQUESTS requests or SECONDS seconds per API (defaults 200 and 30).
# Prints requests/second and p50/p99 latency for each. Extra arguments go to gateway-bench.
#
# Measured 2026-11-26, release build, loopback, 1,000 people, quiet 2-core machine, every request
# authenticated, rate-checked and audited:
#   4 clients, 200 requests each API:
#     REST (all attributes) 14.1 req/s  p50 268 ms  p99 498 ms
#     REST (5-field sparse) 39.9 req/s  p50  98 ms  p99 166 ms
#     GraphQL (5 fields)    48.6 req/s  p50  81 ms  p99 117 ms
#   1 client, 60 requests each API (--concurrency 1 --requests 60):
#     REST (all attributes)  9.4 req/s  p50 101 ms  p99 151 ms
#     REST (5-field sparse) 22.5 req/s  p50  43 ms  p99  66 ms
#     GraphQL (5 fields)    26.0 req/s  p50  37 ms  p99  60 ms
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-release}"
flag=(); [ "$PROFILE" = release ] && flag=(--release)
exec cargo run -q "${flag[@]}" -p maestro-gateway --bin gateway-bench -- \
  --employees "${EMPLOYEES:-1000}" --requests "${REQUESTS:-200}" --seconds "${SECONDS_MAX:-30}" \
  --concurrency "${CONCURRENCY:-4}" "$@"
