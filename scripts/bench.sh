#!/usr/bin/env bash
# Runs the benchmarks whose figures are in docs/benchmarks.md. The sync benchmark keeps its
# token in the OS keychain, so it runs with a private Secret Service (scripts/with-keyring.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
cargo bench -p leadline-store --bench store
scripts/with-keyring.sh cargo bench -p leadline-core --bench sync
# Calling next to baresip, in a private network namespace with Kamailio and rtpengine; baresip
# plays to a PulseAudio null sink (ALSA's null device would busy-loop a core).
scripts/with-audio.sh cargo test --release -p leadline-cli --test calling_bench -- --ignored --nocapture
