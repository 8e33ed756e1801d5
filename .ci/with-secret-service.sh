#!/usr/bin/env bash
# Usage (inside a private session bus):  dbus-run-session -- .ci/with-secret-service.sh CMD...
# Starts an unlocked gnome-keyring Secret Service on the current session bus, with throw-away
# XDG dirs, then execs CMD. The daemon exits when dbus-run-session tears the bus down.
set -euo pipefail

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "with-secret-service: no session bus; run under dbus-run-session" >&2
  exit 2
fi

XDG_DATA_HOME="$(mktemp -d -t maestro-xdg-data.XXXXXX)"
XDG_RUNTIME_DIR="$(mktemp -d -t maestro-xdg-run.XXXXXX)"
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_DATA_HOME XDG_RUNTIME_DIR

# --unlock reads the password on stdin and prints GNOME_KEYRING_CONTROL=... to eval.
eval "$(printf '%s' "${KEYRING_PW:-ci-password}" \
  | gnome-keyring-daemon --unlock --components=secrets 2>"$XDG_RUNTIME_DIR/gnome-keyring.log")"
export GNOME_KEYRING_CONTROL

# The daemon claims its bus name just after --unlock returns: wait for it (NameHasOwner does not
# trigger D-Bus activation of a second, locked daemon), and fail loudly here rather than as a
# confusing keyring error inside a test.
has_secrets() {
  [[ "$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null)" == *"boolean true"* ]]
}
for _ in $(seq 100); do has_secrets && break; sleep 0.1; done
if ! has_secrets; then
  echo "with-secret-service: Secret Service did not come up:" >&2
  cat "$XDG_RUNTIME_DIR/gnome-keyring.log" >&2 || true
  exit 2
fi

exec "$@"
