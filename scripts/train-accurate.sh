#!/usr/bin/env bash
# Retrain the shipped transformer (models/accurate): MiniLM + CRF on WNUT-16
# train and the first shard of silver tweets (configs/minilm-accurate.toml),
# selected on dev, then stored with its large matrices in int8
# (`tweetner models compact`) so the directory fits 25 MB. Prints the wall
# time, the size and the dev score of what it wrote.
#
# Needs the MiniLM encoder (scripts/fetch-encoders.sh) and
# ~/.cache/tweetner/silver/mpnet/silver-1-entities.conll
# (scripts/silver-unlabeled.sh --shards 1 && scripts/silver-unlabeled.sh --join 1,
# which need the MPNet teacher, runs/mpnet).
#
# Usage: scripts/train-accurate.sh [OUT_DIR (default models/accurate)] [TWEETNER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-models/accurate}"
bin="${2:-target/release/tweetner}"
[ -x "$bin" ] || { echo "build first: cargo build --release (or pass the binary)" >&2; exit 1; }
silver="${HOME}/.cache/tweetner/silver/mpnet/silver-1-entities.conll"
[ -f "$silver" ] || { echo "$silver missing: run scripts/silver-unlabeled.sh first (see above)" >&2; exit 1; }
[ ! -e "$out" ] || { echo "$out exists: move it away first" >&2; exit 1; }
start=$(date +%s)
"$bin" train --config configs/minilm-accurate.toml
echo "training: $(( $(date +%s) - start )) s wall"
"$bin" models compact runs/minilm-accurate -o "$out"
# The learning curves stay with the run; the shipped directory keeps the card and log.
rm -f "$out"/learning-curves.png "$out"/learning-curves.svg
du -sh "$out"
"$bin" eval --model "$out" --int8 ../shared/data/wnut16/dev.conll | head -2
