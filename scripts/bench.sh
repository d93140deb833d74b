#!/usr/bin/env bash
# Runs the benchmarks whose figures are in docs/benchmarks.md. The sync benchmark keeps its
# token in the OS keychain, so it runs with a private Secret Service (scripts/with-keyring.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
cargo bench -p leadline-store --bench store
scripts/with-keyring.sh cargo bench -p leadline-core --bench sync
# Calling next to baresip, in a private network namespace with Kamailio and rtpengine. Not under
# scripts/with-audio.sh: baresip opening a PulseAudio stream before it answers adds 0.1-2 s of
# noise to the answer times compared; on ALSA's null device it answers at once.
cargo test --release -p leadline-cli --test calling_bench -- --ignored --nocapture
# What a call costs (CPU, memory, first audio) next to baresip and JsSIP in Chromium, all on the
# audio devices of a private PulseAudio; and Leadline's memory over 200 calls.
scripts/with-audio.sh cargo test --release -p leadline-cli --test calling_costs -- --ignored --nocapture --test-threads 1
