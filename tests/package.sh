#!/usr/bin/env bash
# Builds the desktop app's .deb with `cargo tauri build`, checks what it declares, installs it
# with apt, launches the INSTALLED binary under Xvfb with a fresh HOME (so a fresh data folder
# and log folder) until its window is up, quits it and removes the package again, leaving the
# machine as found. Prints the package's sizes and how long each step took.
#
#   tests/package.sh            debug-profile package: reuses what tests/run's window-test build
#                               compiled (a few minutes); the CI choice
#   tests/package.sh --release  the package an owner gets (release profile; ~20+ min on 2 cores)
#
# Needs what .ci/setup installs (tauri-cli, xdotool, Xvfb, dbus) and ui/dist built
# (`npm run build` in ui/, tests/run's first step). Runs apt as root, or through sudo.
# Refuses to run if the package is already installed (it would remove someone's install).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
target="$(realpath -m "${CARGO_TARGET_DIR:-$root/target}")"
profile=debug
build_flags=(--debug)
if [ "${1:-}" = "--release" ]; then profile=release; build_flags=(); fi
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
say() { printf 'package: %s\n' "$*"; }

[ -f ui/dist/index.html ] || { echo "ui/dist is missing: run npm run build in ui/ first" >&2; exit 2; }

# ---- build ----
say "cargo tauri build ${build_flags[*]} --bundles deb ($profile profile)"
t=$SECONDS
# ui/dist is already built: no `npm ci && npm run build` (beforeBuildCommand) here. Updater
# artifacts are signed only when a signing key is given (TAURI_SIGNING_PRIVATE_KEY); without one
# the package is built without them instead of failing.
config='{"build":{"beforeBuildCommand":""}}'
if [ -z "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
  config='{"build":{"beforeBuildCommand":""},"bundle":{"createUpdaterArtifacts":false}}'
fi
(cd src-tauri && cargo tauri build --ci "${build_flags[@]}" --bundles deb -c "$config")
say "built in $((SECONDS - t)) s"
deb="$(ls -t "$target/$profile/bundle/deb/"*.deb | head -1)"
say "package: $deb"

# ---- what the package declares ----
pkg="$(dpkg-deb -f "$deb" Package)"
depends="$(dpkg-deb -f "$deb" Depends)"
# Paths in the package, without the leading ./ some tar writers add.
contents="$(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's#^\./##')"
say "Package: $pkg  Version: $(dpkg-deb -f "$deb" Version)  Installed-Size: $(dpkg-deb -f "$deb" Installed-Size) KiB"
say "Depends: $depends"
recommends="$(dpkg-deb -f "$deb" Recommends)"
say "Recommends: $recommends"
problems=()
# The updater installs a new .deb with `pkexec dpkg -i` (the owner's permission in a graphical
# prompt); without pkexec it falls back to a terminal sudo prompt a tray app cannot show.
grep -q pkexec <<<"$recommends" || problems+=("Recommends lacks pkexec (the updater's installer)")
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  grep -q "$dep" <<<"$depends" || problems+=("Depends lacks $dep")
done
for path in usr/bin/maestro-desktop "usr/share/applications/Integration Maestro.desktop" \
  usr/share/icons/hicolor/32x32/apps/maestro-desktop.png \
  usr/share/icons/hicolor/128x128/apps/maestro-desktop.png; do
  grep -qxF "$path" <<<"$contents" || problems+=("no /$path in the package")
done
if [ "${#problems[@]}" -gt 0 ]; then
  printf 'package: FAILED: %s\n' "${problems[@]}" >&2
  printf '%s\n' "$contents" >&2
  exit 1
fi

if dpkg -s "$pkg" >/dev/null 2>&1; then
  echo "package: $pkg is already installed here; not touching it (remove it first)" >&2
  exit 1
fi

# ---- install, launch, quit, remove ----
work="$(mktemp -d -t maestro-package.XXXXXX)"
installed=0
cleanup() {
  if [ "$installed" -eq 1 ]; then
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say "apt-get install ./$(basename "$deb")"
cp "$deb" "$work/package.deb"
t=$SECONDS
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "$work/package.deb" >/dev/null
installed=1
say "installed in $((SECONDS - t)) s: $(dpkg-query -W -f='${Installed-Size}' "$pkg") KiB on disk"
bin="$(dpkg -L "$pkg" | awk '/^\/usr\/bin\// && !f {print; f = 1}')"
desktop="$(dpkg -L "$pkg" | awk '/\.desktop$/ && !f {print; f = 1}')"
grep -q "^Exec=$(basename "$bin")" "$desktop" || { echo "package: $desktop does not start $bin" >&2; exit 1; }

# The installed binary under Xvfb, in a fresh home: the window must come up, and the log file
# must appear in the platform's log folder.
launch() {
  set -euo pipefail
  "$bin" >"$work/app.log" 2>&1 &
  local pid=$! waited=0
  until xdotool search --onlyvisible --name '^Integration Maestro$' >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "package: the installed app exited before its window came up:" >&2
      cat "$work/app.log" >&2
      return 1
    fi
    if [ "$waited" -ge 600 ]; then
      echo "package: no window after 30 s" >&2
      xwininfo -root -tree >&2 || true
      kill "$pid"
      return 1
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
  printf 'package: window "Integration Maestro" up %.2f s after launch (%s)\n' \
    "$(echo "$waited * 0.05" | bc)" "$bin"
  sleep 1
  local logs="$HOME/.local/share/integration-maestro/logs"
  if ! ls "$logs"/maestro.*.log >/dev/null 2>&1; then
    echo "package: no log file in $logs" >&2
    kill "$pid"
    return 1
  fi
  echo "package: log file $(ls "$logs"/maestro.*.log)"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}
# (xvfb-run is a sh script, which drops exported bash functions: pass the function's text.)
export bin work
mkdir -p "$work/home"
HOME="$work/home" env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME -u MAESTRO_DATA_DIR \
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c "$(declare -f launch); launch"

say "apt-get remove $pkg"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >/dev/null
installed=0
if dpkg -s "$pkg" >/dev/null 2>&1 || [ -e "$bin" ]; then
  echo "package: $pkg is still installed after apt-get remove" >&2
  exit 1
fi
say "removed; sizes: $(du -k "$deb" | cut -f1) KiB .deb, $(dpkg-deb -f "$deb" Installed-Size) KiB installed"
for rpm in "$target/$profile/bundle/rpm/"*.rpm; do
  if [ -e "$rpm" ]; then say "(also built earlier: $(basename "$rpm"), $(du -k "$rpm" | cut -f1) KiB)"; fi
done
say "ok"
