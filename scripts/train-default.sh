#!/usr/bin/env bash
# Retrain the shipped model (models/default) from the silver data, both stages:
#   1. configs/bilstm-distill.toml: WNUT-16 train + silver tweets with an entity, 5 epochs;
#   2. configs/default.toml: goes on from that model on WNUT-16 train alone;
# then fits the temperature of its entity scores on dev (`tweetner calibrate`),
# which changes the scores, not the tags.
# Needs ~/.cache/tweetner/extra/silver-mpnet-entities.conll from scripts/prepare-silver.sh
# (which needs the MPNet teacher, runs/mpnet). Prints the wall time of the two stages.
#
# Usage: scripts/train-default.sh [OUT_DIR (default models/default)] [TWEETNER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-models/default}"
bin="${2:-target/release/tweetner}"
[ -x "$bin" ] || { echo "build first: cargo build --release (or pass the binary)" >&2; exit 1; }
silver="${HOME}/.cache/tweetner/extra/silver-mpnet-entities.conll"
[ -f "$silver" ] || { echo "$silver missing: run scripts/prepare-silver.sh first" >&2; exit 1; }
start=$(date +%s)
"$bin" train --config configs/bilstm-distill.toml
"$bin" train --config configs/default.toml --out "$out"
echo "both stages: $(( $(date +%s) - start )) s wall"
"$bin" calibrate --model "$out" ../shared/data/wnut16/dev.conll --write
