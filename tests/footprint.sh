#!/usr/bin/env bash
# Footprint of the INSTALLED desktop app under Xvfb, with the demo company the CLI creates
# (unlocked with its passphrase), the background scheduler and the tray icon running:
#   - cold start: launch until the window is up, plus unlock (Return pressed) until the
#     dashboard is interactive — the moment the dashboard's first data has rendered, which the
#     UI marks by logging "screen interactive" screen=dashboard (commands/diagnostics.rs
#     screen_ready; the log line's own timestamp is used);
#   - idle memory 20 s after that: RSS and PSS (/proc/PID/smaps_rollup) of the app and every
#     process under it (WebKit's web and network processes), each listed;
#   - installed size (dpkg-query Installed-Size) and the .deb's size.
#
#   tests/footprint.sh path/to/package.deb   installs it, measures /usr/bin/maestro-desktop,
#                                            removes it again (refuses if already installed)
#   tests/footprint.sh                       measures the installed package if there is one,
#                                            else the window-test build (target/e2e), saying so
#   tests/footprint.sh path/to/maestro-desktop   that binary (a UI-embedding build)
# MAESTRO_CLI=path/to/maestro makes the demo company (default: `cargo run -p maestro-cli`).
# FOOTPRINT_RUNS=N repeats the launch N times (default 3; each from a fresh start of the app);
# FOOTPRINT_UNLOCK_AFTER=S waits S seconds (default 1) after the window is up before typing the
# passphrase; the wait is not counted in the cold start. FOOTPRINT_SHOT=file.png saves a screenshot of the last run; FOOTPRINT_SMAPS=1 lists the
# largest mappings of each process.
# Needs: Xvfb, xdotool, dbus-run-session, bc (.ci/setup installs them); apt as root or sudo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
pkg=integration-maestro
work="$(mktemp -d -t maestro-footprint.XXXXXX)"
installed_here=0
xvfb=
cleanup() {
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null
  if [ "$installed_here" -eq 1 ]; then
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

arg="${1:-}"
deb_size=
case "$arg" in
  *.deb)
    pkg="$(dpkg-deb -f "$arg" Package)"
    if dpkg -s "$pkg" >/dev/null 2>&1; then
      echo "$pkg is already installed; remove it first or run without an argument" >&2
      exit 1
    fi
    cp "$arg" "$work/package.deb"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "$work/package.deb" >/dev/null
    installed_here=1
    deb_size="$(du -k "$arg" | cut -f1)"
    app="$(dpkg -L "$pkg" | awk '/^\/usr\/bin\// && !f {print; f = 1}')"
    ;;
  "")
    if dpkg -s "$pkg" >/dev/null 2>&1; then
      app="$(dpkg -L "$pkg" | awk '/^\/usr\/bin\// && !f {print; f = 1}')"
    else
      app="$target/e2e/maestro-desktop"
      echo "note: $pkg is not installed; measuring the window-test build $app (not the package)"
    fi
    ;;
  *) app="$arg" ;;
esac
[ -x "$app" ] || { echo "no desktop binary at $app" >&2; exit 1; }
echo "app: $app"
if dpkg -S "$app" >/dev/null 2>&1; then
  echo "installed size: $(dpkg-query -W -f='${Installed-Size}' "$pkg") KiB ($pkg $(dpkg-query -W -f='${Version}' "$pkg"))"
fi
[ -n "$deb_size" ] && echo "package file: $deb_size KiB ($(basename "$arg"))"

export MAESTRO_DATA_DIR="$work/data"
# A fresh home (window state, keyring, caches), keeping the toolchain's.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export HOME="$work/home"
mkdir -p "$HOME"
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME
pass='correct horse battery staple'
# The demo company, made by the CLI of the same build (MAESTRO_CLI; else `cargo run`): a store
# from another build may hold migrations this app does not know.
if [ -n "${MAESTRO_CLI:-}" ]; then
  MAESTRO_PASSPHRASE="$pass" "$MAESTRO_CLI" demo >/dev/null
else
  MAESTRO_PASSPHRASE="$pass" cargo run -q -p maestro-cli -- demo >/dev/null
fi

# Seconds since the epoch of the first "screen interactive" line for the dashboard logged
# after line $1 of the log files (0 if none yet).
interactive_at() {
  local skip="$1" line
  line="$( (cat "$MAESTRO_DATA_DIR"/logs/maestro.*.log 2>/dev/null || true) | tail -n +"$((skip + 1))" |
    sed 's/\x1b\[[0-9;]*m//g' | grep -m1 'screen interactive' | grep 'screen=dashboard' || true)"
  [ -n "$line" ] || { echo 0; return; }
  date -d "$(awk '{print $1}' <<<"$line")" +%s.%N
}

# All processes under $1, itself included.
tree_of() {
  local p="$1" c
  echo "$p"
  for c in $(pgrep -P "$p" || true); do tree_of "$c"; done
}

measure() {
  local run="$1" last="$2"
  local before
  before=$( (cat "$MAESTRO_DATA_DIR"/logs/maestro.*.log 2>/dev/null || true) | wc -l)
  local start
  start=$(date +%s.%N)
  "$app" >"$work/app-$run.log" 2>&1 &
  local pid=$!
  until xdotool search --onlyvisible --name '^Integration Maestro$' >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/app-$run.log" >&2; return 1; }
    sleep 0.02
  done
  local window_at
  window_at=$(date +%s.%N)
  # The unlock form has focus once the page is loaded; give it a moment, then type (longer on a
  # busy machine: keys typed before the page has loaded are lost).
  sleep "${FOOTPRINT_UNLOCK_AFTER:-1}"
  xdotool type --delay 5 "$pass"
  local return_at
  return_at=$(date +%s.%N)
  xdotool key Return
  local ready=0 waited=0
  while [ "$(echo "$ready == 0" | bc)" -eq 1 ] && [ "$waited" -lt 1500 ]; do
    sleep 0.02
    waited=$((waited + 1))
    ready=$(interactive_at "$before")
  done
  if [ "$(echo "$ready == 0" | bc)" -eq 1 ]; then
    echo "run $run: the dashboard never marked itself interactive (30 s)" >&2
    kill "$pid"; return 1
  fi
  local up unlock
  up=$(echo "$window_at - $start" | bc)
  unlock=$(echo "$ready - $return_at" | bc)
  printf 'run %d: window up %.2f s after launch; dashboard interactive %.2f s after unlock; cold start to interactive %.2f s\n' \
    "$run" "$up" "$unlock" "$(echo "$up + $unlock" | bc)"
  if [ "$last" -eq 1 ]; then
    sleep 20
    if [ -n "${FOOTPRINT_SHOT:-}" ]; then import -window root "$FOOTPRINT_SHOT"; fi
    local rss=0 pss=0 p r s
    for p in $(tree_of "$pid"); do
      [ -r "/proc/$p/smaps_rollup" ] || continue
      r=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")
      s=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")
      rss=$((rss + r)); pss=$((pss + s))
      printf '  %-24s pid %-7d RSS %4d MiB  PSS %4d MiB\n' "$(cat "/proc/$p/comm")" "$p" $((r / 1024)) $((s / 1024))
      if [ -n "${FOOTPRINT_SMAPS:-}" ]; then
        awk '/^[0-9a-f]+-[0-9a-f]+ / {name = ($6 == "" ? "[anon]" : $6)} /^Pss:/ {pss[name] += $2}
             END {for (n in pss) printf "%8d KiB  %s\n", pss[n], n}' "/proc/$p/smaps" | sort -rn | awk 'NR <= 8 { print "      " $0 }'
      fi
    done
    printf 'idle memory, all processes (20 s after the dashboard, scheduler and tray running): RSS %d MiB, PSS %d MiB\n' \
      $((rss / 1024)) $((pss / 1024))
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # The single-instance name is released when the process has gone; let it go.
  sleep 1
}

display=93
while [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp & xvfb=$!
sleep 1
export DISPLAY=":$display"
export -f measure interactive_at tree_of
export app work pass FOOTPRINT_UNLOCK_AFTER="${FOOTPRINT_UNLOCK_AFTER:-1}" FOOTPRINT_SHOT="${FOOTPRINT_SHOT:-}" FOOTPRINT_SMAPS="${FOOTPRINT_SMAPS:-}"
runs="${FOOTPRINT_RUNS:-3}"
# One session bus for the runs, with a tray for the icon (trayer, if installed).
dbus-run-session -- bash -c '
  set -euo pipefail
  if command -v trayer >/dev/null; then trayer --edge top --align right >/dev/null 2>&1 & fi
  for i in $(seq 1 '"$runs"'); do measure "$i" $([ "$i" -eq '"$runs"' ] && echo 1 || echo 0); done
  kill %1 2>/dev/null || true
'
