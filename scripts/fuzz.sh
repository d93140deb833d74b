#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time each (default 20 s; `scripts/fuzz.sh 600`
# for a longer hunt), optimized, or unoptimized with `--dev` (the suite's smoke run: half the
# build time, a twentieth of the runs a second), starting from the seeds in fuzz/seeds/<target>/ and whatever corpus an
# earlier run left in fuzz/corpus/<target>/. A crash stops the run with the input saved under
# fuzz/artifacts/<target>/; turn it into a regression test before fixing it.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Works on the stable toolchain:
# RUSTC_BOOTSTRAP lets cargo-fuzz pass its instrumentation flags, and without a sanitizer
# (the targets are safe Rust; libFuzzer still finds panics, overflows and hangs).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-20}"
build=()
if [ "${2:-}" = --dev ]; then build=(--dev); fi
export RUSTC_BOOTSTRAP=1
targets=(sip_message sdp digest_challenge sync_answers mutation_payloads wav)
cargo fuzz build "${build[@]}" --sanitizer none
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  cargo fuzz run "${build[@]}" --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
    grep -E "^(stat::number_of_executed_runs|stat::new_units_added|==|SUMMARY|Done)|panicked|ERROR" || true
  if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
    echo "fuzz: $target found a crash: fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
echo "fuzz: every target ran ${seconds}s without a crash"
