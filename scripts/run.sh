#!/usr/bin/env bash
# Sets up what is missing, builds the front end and the app, and runs Leadline. With no tenant
# server configured it opens on the built-in demo tenant. LEADLINE_DATA_DIR picks the profile.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
(cd ui && npm run --silent build)
# WebKitGTK's GPU compositing doubles the web process's memory for a window of forms and
# lists (docs/benchmarks.md); software compositing unless the user chose otherwise.
export WEBKIT_DISABLE_COMPOSITING_MODE="${WEBKIT_DISABLE_COMPOSITING_MODE:-1}"
exec cargo run --release -p leadline-app --features tauri/custom-protocol "$@"
