#!/usr/bin/env bash
# Sets up what is missing and runs the whole test suite: formatting and lints, every Rust test,
# the front-end checks and tests, then the real desktop app under Xvfb over WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh test

step() { printf '\n== %s\n' "$*"; }

step "front end: types, tests, build"
(cd ui && npm run --silent check && npm test --silent && npm run --silent build)

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests: every headless crate (includes the check that ui/src/lib/bindings.ts is current)"
# The keychain tests use the real Secret Service: a private D-Bus session with an unlocked
# gnome-keyring in a throwaway data directory.
dbus-run-session -- bash -c '
  export XDG_DATA_HOME=$(mktemp -d)
  eval "$(printf leadline | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  cargo test --locked --workspace --exclude leadline-app
' 2> >(grep -v "Failed to set fd limit" >&2)

step "desktop app: build and end-to-end"
cargo build --locked -p leadline-app --features tauri/custom-protocol
target_dir=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
LEADLINE_APP="$target_dir/debug/leadline-app" node --test --test-concurrency=1 tests/desktop/
