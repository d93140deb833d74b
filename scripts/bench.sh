#!/usr/bin/env bash
# Runs the benchmarks whose figures are in docs/benchmarks.md. The sync benchmark keeps its
# token in the OS keychain, so it runs in a private D-Bus session with an unlocked keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
cargo bench -p leadline-store --bench store
dbus-run-session -- bash -c '
  export XDG_DATA_HOME=$(mktemp -d)
  eval "$(printf leadline | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  cargo bench -p leadline-core --bench sync
' 2> >(grep -v "Failed to set fd limit" >&2)
