#!/usr/bin/env bash
# Sets up what is missing, builds the front end and the app, and runs Leadline. With no tenant
# server configured it opens on the built-in demo tenant. LEADLINE_DATA_DIR picks the profile.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
(cd ui && npm run --silent build)
exec cargo run --release -p leadline-app --features tauri/custom-protocol "$@"
