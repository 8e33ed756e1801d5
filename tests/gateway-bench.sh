#!/usr/bin/env bash
# Load test of the local API on loopback: 1,000 people listed over REST and GraphQL.
# Bounded: at most REQUESTS requests or SECONDS seconds per API (defaults 200 and 30).
# Prints requests/second and p50/p99 latency for each. Extra arguments go to gateway-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-release}"
flag=(); [ "$PROFILE" = release ] && flag=(--release)
exec cargo run -q "${flag[@]}" -p maestro-gateway --bin gateway-bench -- \
  --employees "${EMPLOYEES:-1000}" --requests "${REQUESTS:-200}" --seconds "${SECONDS_MAX:-30}" \
  --concurrency "${CONCURRENCY:-4}" "$@"
