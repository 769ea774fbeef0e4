#!/usr/bin/env bash
# Silver training data for distillation: the tweets of the extra corpora in
# ../shared/data/extra, tagged with WNUT-16 types by a teacher model (by default
# the MPNet+CRF model of configs/mpnet.toml), written to
# ~/.cache/tweetner/extra/silver-<teacher>.conll for configs that list it under `extra`,
# and silver-<teacher>-entities.conll with only the tweets that hold an entity.
#
#   * The corpora's own labels are not used (their types differ from WNUT-16's);
#     they stay in the middle column, and the teacher's tag is the last column,
#     which is the one the trainers read.
#   * Used: BTC train+dev, TweetNER7 2020/2021 train+dev, Tweebank-NER train+dev.
#     Not used: WNUT-17, which holds 996 of the 1,000 WNUT-16 dev tweets.
#   * Tweets whose tokens equal a WNUT-16 train or dev tweet are dropped
#     (counts on stderr), so nothing of dev can leak in.
#   * TweetNER7 is rewritten to WNUT-16's conventions (`--wnut-style`).
#
# Usage: scripts/prepare-silver.sh [TEACHER_MODEL_DIR] [TWEETNER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
teacher="${1:-runs/mpnet}"
bin="${2:-target/release/tweetner}"
[ -x "$bin" ] || { echo "build first: cargo build --release (or pass the binary)" >&2; exit 1; }
[ -f "$teacher/tweetner-model.json" ] || { echo "$teacher: not a model directory (train it: tweetner train --config configs/mpnet.toml)" >&2; exit 1; }
src=../shared/data/extra
wnut=../shared/data/wnut16
out="${HOME}/.cache/tweetner/extra"
name="silver-$(basename "$teacher")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

keep=(--drop-columns --exclude "$wnut/train.conll" --exclude "$wnut/dev.conll")
"$bin" data convert "$src/btc/btc.train" "${keep[@]}" > "$work/btc.train.conll"
# btc.dev has 4 lines whose token is empty or a space (`<TAB>O`), which the reader
# rejects; drop those tokens.
awk -F'\t' '!(NF >= 2 && $1 ~ /^[[:space:]]*$/)' "$src/btc/btc.dev" > "$work/btc.dev.fixed"
"$bin" data convert "$work/btc.dev.fixed" "${keep[@]}" > "$work/btc.dev.conll"
"$bin" data convert "$src/tweebank/train.bio" "${keep[@]}" > "$work/tweebank.train.conll"
"$bin" data convert "$src/tweebank/dev.bio" "${keep[@]}" > "$work/tweebank.dev.conll"
for split in 2020.train 2020.dev 2021.train 2021.dev; do
  "$bin" data convert "$src/tweetner7/$split.json" --input-format tweetner7 --wnut-style \
    "${keep[@]}" > "$work/tweetner7.$split.conll"
done

cat "$work"/*.conll > "$work/all"
# int8 encoder: same dev F1 as f32 for the MPNet teacher (README), 5x faster.
"$bin" tag --model "$teacher" --int8 --input-format conll --format conll \
  -i "$work/all" > "$out/$name.conll.tmp"
mv "$out/$name.conll.tmp" "$out/$name.conll"
echo "wrote $out/$name.conll ($(grep -c '^$' "$out/$name.conll") tweets)"
# The tweets the teacher found an entity in: the BiLSTM's first stage trains on
# these (configs/bilstm-distill.toml), 38% fewer tweets per epoch.
"$bin" data convert "$out/$name.conll" --entities-only > "$out/$name-entities.conll.tmp"
mv "$out/$name-entities.conll.tmp" "$out/$name-entities.conll"
echo "wrote $out/$name-entities.conll"
