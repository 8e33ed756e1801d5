#!/usr/bin/env bash
# Desktop footprint under Xvfb: cold start until the unlocked dashboard shows, and idle memory
# of the app with all its WebKit processes (RSS and PSS), after the background scheduler and
# tray settle. Uses the demo company the CLI creates, unlocked with its passphrase.
#
#   tests/footprint.sh [path/to/maestro-desktop]   (default: the binary tests/run builds)
# Needs: Xvfb, xdotool, dbus-run-session (.ci/setup installs them); a UI-embedding build
# (`cargo build -p maestro-desktop --features custom-protocol`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
app="${1:-$target/e2e/maestro-desktop}"
[ -x "$app" ] || { echo "no desktop binary at $app (build it with --features custom-protocol)" >&2; exit 1; }
work="$(mktemp -d -t maestro-footprint.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export MAESTRO_DATA_DIR="$work/data"
pass='correct horse battery staple'
MAESTRO_PASSPHRASE="$pass" cargo run -q -p maestro-cli -- demo >/dev/null

measure() {
  export DISPLAY
  "$app" >"$work/app.log" 2>&1 &
  local pid=$! start
  start=$(date +%s.%N)
  # The unlock form has focus once the window is up: type as soon as it exists.
  until xdotool search --name "Integration Maestro" >/dev/null 2>&1; do sleep 0.05; done
  local window_at
  window_at=$(date +%s.%N)
  sleep 0.5
  xdotool type --delay 5 "$pass"; xdotool key Return
  sleep 20
  if [ -n "${FOOTPRINT_SHOT:-}" ]; then import -window root "$FOOTPRINT_SHOT"; fi
  local tree rss=0 pss=0
  tree="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
  for p in $tree $(for c in $(pgrep -P "$pid"); do pgrep -P "$c"; done); do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    rss=$((rss + $(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")))
    pss=$((pss + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")))
  done
  printf 'window up after launch: %.2f s\n' "$(echo "$window_at - $start" | bc)"
  printf 'idle memory, all processes (20 s after unlock): RSS %d MiB, PSS %d MiB\n' $((rss / 1024)) $((pss / 1024))
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

Xvfb :93 -screen 0 1280x800x24 -nolisten tcp & xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
export DISPLAY=:93
export -f measure
export app work pass FOOTPRINT_SHOT="${FOOTPRINT_SHOT:-}"
dbus-run-session -- bash -c measure
