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
# The keychain tests use the real Secret Service (scripts/with-keyring.sh); the calling tests'
# softphones play to a PulseAudio null sink (scripts/with-audio.sh).
scripts/with-audio.sh scripts/with-keyring.sh cargo test --locked --workspace --exclude leadline-app --features leadline-core/demo-server

step "fuzzing: every target for 20 s (scripts/fuzz.sh 600 hunts longer)"
scripts/fuzz.sh 20

step "desktop app: unit tests, build and end-to-end"
cargo test --locked -p leadline-app --features tauri/custom-protocol --lib
cargo build --locked -p leadline-app --features tauri/custom-protocol
target_dir=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
# The app signs in to its demo tenant server with the token in the keychain, and its calls
# on the demo line play through the PulseAudio null devices.
LEADLINE_APP="$target_dir/debug/leadline-app" scripts/with-audio.sh scripts/with-keyring.sh node --test --test-concurrency=1 tests/desktop/
# The same app against real peers (an in-process tenant server, Kamailio + rtpengine and
# baresip) in a private network namespace: sign in, call, hold, wrap up, be called, move a lead.
LEADLINE_APP="$target_dir/debug/leadline-app" scripts/with-audio.sh scripts/with-keyring.sh \
  cargo test --locked -p leadline-cli --features leadline-core/demo-server --test desktop_calls -- --ignored
