#!/usr/bin/env bash
# The project's test command (README: "Tests"). Fails on any formatting drift,
# clippy warning or test failure.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
scripts/check-layers.sh
# Every shell script parses (the training scripts run for minutes before a typo in
# their last lines would show).
while IFS= read -r script; do bash -n "$script"; done < <(git ls-files '*.sh' .ci/run)
cargo test --workspace
# The fuzz checkers replay their committed seeds and saved crashes (no libFuzzer run).
cargo test --manifest-path fuzz/Cargo.toml
