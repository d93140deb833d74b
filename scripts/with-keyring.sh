#!/usr/bin/env bash
# Runs a command with a real Secret Service: a private D-Bus session holding an unlocked
# gnome-keyring whose data lives in a throwaway directory (the user's own keyring is never
# touched). Used by the tests and benchmarks that keep secrets in the OS keychain.
set -euo pipefail
exec dbus-run-session -- bash -c '
  export XDG_DATA_HOME=$(mktemp -d)
  eval "$(printf leadline | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  "$@"
' with-keyring "$@" 2> >(grep --line-buffered -v "Failed to set fd limit" >&2)
