#!/usr/bin/env bash
# Retrain the shipped model (models/default) from the silver data, both stages:
#   1. configs/default-stage1.toml: WNUT-16 train + the unlabeled tweets in which the
#      ensemble teacher found an entity, with entry-list features, 5 epochs, ending with the
#      last epoch (`keep = "last"`: the second stage is the one that selects on dev);
#   2. configs/default-lexicon.toml: goes on from that model on WNUT-16 train alone;
# then fits the temperature of its entity scores on dev (`tweetner calibrate`),
# which changes the scores, not the tags. Prints the wall time of the two stages.
#
# Needs ~/.cache/tweetner/silver/teacher-ensemble/silver-3-entities.conll, made by
#   tweetner models ensemble runs/mpnet runs/minilm-accurate -o runs/teacher-ensemble --weights 1.5,1
#   scripts/silver-unlabeled.sh --teacher runs/teacher-ensemble --shards 3 --jobs 2
#   scripts/silver-unlabeled.sh --teacher runs/teacher-ensemble --join 3
# (the members: tweetner train --config configs/mpnet.toml; scripts/train-accurate.sh's run).
# The model before 2026-12-07 came from configs/bilstm-distill.toml + configs/default.toml.
#
# Usage: scripts/train-default.sh [OUT_DIR (default models/default)] [TWEETNER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/speed.sh
. scripts/lib/speed.sh
out="${1:-models/default}"
bin="${2:-target/release/tweetner}"
[ -x "$bin" ] || { echo "build first: cargo build --release (or pass the binary)" >&2; exit 1; }
silver="${HOME}/.cache/tweetner/silver/teacher-ensemble/silver-3-entities.conll"
[ -f "$silver" ] || { echo "$silver missing: make it first (see the top of this script)" >&2; exit 1; }
start=$(date +%s)
"$bin" train --config configs/default-stage1.toml
"$bin" train --config configs/default-lexicon.toml --out "$out"
echo "both stages: $(( $(date +%s) - start )) s wall"
"$bin" calibrate --model "$out" ../shared/data/wnut16/dev.conll --write
dev=../shared/data/wnut16/dev.conll
speed=$(bench_speed "$bin" "$dev" "$out")
"$bin" models note "$out" \
  "silver data: the tweets of ~/.cache/tweetner/silver/teacher-ensemble/silver-3-entities.conll come from ../shared/data/unlabeled/tweets.tsv, labelled by the ensemble teacher runs/teacher-ensemble (MPNet + MiniLM); their text is not in the model" \
  "embedded entry list (lexicon.lex): shippable rows of ../shared/data/gazetteers/entries.tsv only (CC0, MIT-style, CC-BY); the CC-BY sources (Freebase, GeoNames) are attributed by name in the note above" \
  "speed: ${speed} tweets/s from raw text, 2 threads (tweetner bench $dev --model $out --threads 2 --runs 3; median of 3, $(date -u +%Y-%m-%d), $(nproc) cores)"
du -sh "$out"
