#!/usr/bin/env bash
# Sets up what is missing and runs the whole test suite: formatting and lints, every Rust test,
# the front-end checks and tests, then the real desktop app under Xvfb over WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh test

# Each step says when it started and what the build directories hold, so a slow or full CI
# machine shows where its time and disk went.
step() {
  printf '\n== %s (at %ds; %s)\n' "$*" "$SECONDS" \
    "$(du -sh target fuzz/target 2>/dev/null | awk '{printf "%s %s ", $2, $1}')disk free $(df -h . | awk 'NR==2 {print $4}')"
}
# One feature set for the whole workspace: the tests, the desktop app and the CLI test of the
# app share every compiled crate instead of building a second copy for the app.
features=leadline-core/demo-server,tauri/custom-protocol
# A one-off run (LEADLINE_TEST_FRUGAL=1, as CI sets on its fresh clone) keeps no incremental
# caches and drops the fuzz build once it has run: the disk holds one copy of everything.
if [ -n "${LEADLINE_TEST_FRUGAL:-}" ]; then export CARGO_INCREMENTAL=0; fi

step "front end: types, tests, build"
(cd ui && npm run --silent check && npm test --silent && npm run --silent build)

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests: every crate (includes the check that ui/src/lib/bindings.ts is current)"
# The keychain tests use the real Secret Service (scripts/with-keyring.sh); the calling tests'
# softphones play to a PulseAudio null sink (scripts/with-audio.sh).
scripts/with-audio.sh scripts/with-keyring.sh cargo test --locked --workspace --features "$features"

step "fuzzing: every target for 20 s, unoptimized (scripts/fuzz.sh 600 hunts longer)"
scripts/fuzz.sh 20 --dev
if [ -n "${LEADLINE_TEST_FRUGAL:-}" ]; then rm -rf fuzz/target; fi

step "desktop app end-to-end (the app's unit tests ran with the workspace's)"
# The app's binary, built with the tests' feature set (dev-dependencies included), so that
# nothing is compiled a second time.
cargo build --locked --workspace --all-targets --features "$features"
target_dir=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
# The app signs in to its demo tenant server with the token in the keychain, and its calls
# on the demo line play through the PulseAudio null devices.
LEADLINE_APP="$target_dir/debug/leadline-app" scripts/with-audio.sh scripts/with-keyring.sh node --test --test-concurrency=1 tests/desktop/
# The same app against real peers (an in-process tenant server, Kamailio + rtpengine and
# baresip) in a private network namespace: sign in, call, hold, wrap up, be called, move a lead.
LEADLINE_APP="$target_dir/debug/leadline-app" scripts/with-audio.sh scripts/with-keyring.sh \
  cargo test --locked --workspace --features "$features" --test desktop_calls -- --ignored
step "done"
