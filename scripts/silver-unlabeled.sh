#!/usr/bin/env bash
# Silver data from ../shared/data/unlabeled/tweets.tsv (437,826 tweets without labels),
# tagged by a teacher model in shards so that a stopped run loses at most one shard.
#
#   * The tweets are shuffled once with a fixed seed, so the first N shards are a random
#     sample of every source; students trained on 1, 2, 6, ... shards measure the effect
#     of silver size on the same distribution.
#   * Each shard is tagged with the int8 encoder (the teacher's dev F1 does not drop with
#     it; README) and written as CoNLL through a temporary file, so a shard file that
#     exists is complete. Running the script again skips the shards already there.
#   * Tweets whose tokens equal a WNUT-16 train or dev tweet are dropped (the file was
#     already deduplicated against dev and test upstream; this checks it again).
#   * Output stays outside the repository (the tweets are under Twitter's terms):
#     ~/.cache/tweetner/silver/<teacher>/shard-NNN.conll
#
# Then `scripts/silver-unlabeled.sh --join K` writes silver-<K>.conll (the first K shards)
# and silver-<K>-entities.conll (only tweets with an entity) for the configs to list.
#
# Usage: scripts/silver-unlabeled.sh [--teacher DIR] [--bin BIN] [--shard-size N]
#                                    [--shards K] [--jobs N] [--join K]
# (--jobs 2: two shards at once; the transformer tagger keeps about one core busy.)
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=runs/mpnet
bin=target/release/tweetner
shard_size=25000
max_shards=""
jobs=1
join=""
while [ $# -gt 0 ]; do
  case "$1" in
    --teacher) teacher="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --shard-size) shard_size="$2"; shift 2 ;;
    --shards) max_shards="$2"; shift 2 ;;
    --join) join="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
src=../shared/data/unlabeled/tweets.tsv
wnut=../shared/data/wnut16
out="${HOME}/.cache/tweetner/silver/$(basename "$teacher")"
mkdir -p "$out"

if [ -n "$join" ]; then
  files=()
  for i in $(seq 0 $((join - 1))); do
    f="$out/shard-$(printf %03d "$i").conll"
    [ -f "$f" ] || { echo "$f missing: tag it first" >&2; exit 1; }
    files+=("$f")
  done
  cat "${files[@]}" > "$out/silver-$join.conll.tmp"
  mv "$out/silver-$join.conll.tmp" "$out/silver-$join.conll"
  "$bin" data convert "$out/silver-$join.conll" --entities-only > "$out/silver-$join-entities.conll.tmp"
  mv "$out/silver-$join-entities.conll.tmp" "$out/silver-$join-entities.conll"
  echo "wrote $out/silver-$join.conll and silver-$join-entities.conll"
  exit 0
fi

[ -x "$bin" ] || { echo "build first: cargo build --release (or pass --bin)" >&2; exit 1; }
[ -f "$teacher/tweetner-model.json" ] || { echo "$teacher: not a model directory (train it: tweetner train --config configs/mpnet.toml)" >&2; exit 1; }
[ -f "$src" ] || { echo "$src missing (see ../shared/data/README.md)" >&2; exit 1; }

# The text column only, shuffled with a fixed seed; written once.
if [ ! -f "$out/tweets.shuffled.txt" ]; then
  tail -n +2 "$src" | cut -f4- \
    | awk 'BEGIN { srand(20261206) } { printf "%.12f\t%s\n", rand(), $0 }' \
    | sort -t "$(printf '\t')" -k1,1 | cut -f2- > "$out/tweets.shuffled.txt.tmp"
  mv "$out/tweets.shuffled.txt.tmp" "$out/tweets.shuffled.txt"
  rm -f "$out"/input-*.txt
fi
if ! ls "$out"/input-*.txt > /dev/null 2>&1; then
  split -l "$shard_size" -d -a 3 --additional-suffix=.txt "$out/tweets.shuffled.txt" "$out/input-"
fi

# Each shard is locked while it is tagged (flock: the lock goes with the
# process), so several copies of this script can run side by side (--jobs N
# starts N), each taking the next shard nobody has.
tag_shards() {
  local n=0 input id shard start
  for input in "$out"/input-*.txt; do
    [ -z "$max_shards" ] || [ "$n" -lt "$max_shards" ] || break
    n=$((n + 1))
    id="${input##*/input-}"; id="${id%.txt}"
    shard="$out/shard-$id.conll"
    [ -f "$shard" ] && continue
    exec 9>"$out/shard-$id.lock"
    flock -n 9 || { exec 9>&-; continue; }
    if [ ! -f "$shard" ]; then
      start=$(date +%s)
      # `tag -o` renames its output into place at the end: a .raw file that
      # exists is a whole shard (from a run stopped before converting it).
      [ -f "$out/shard-$id.raw" ] ||
        "$bin" tag --model "$teacher" --int8 --input-format text --format conll \
          -i "$input" --reject-file "$out/shard-$id.rejects.jsonl" -o "$out/shard-$id.raw"
      "$bin" data convert "$out/shard-$id.raw" --drop-columns \
        --exclude "$wnut/train.conll" --exclude "$wnut/dev.conll" > "$shard.tmp"
      rm -f "$out/shard-$id.raw"
      mv "$shard.tmp" "$shard"
      echo "shard $id: $(grep -c '^$' "$shard") tweets in $(( $(date +%s) - start )) s"
    fi
    exec 9>&-
  done
}
for _ in $(seq "$jobs"); do
  tag_shards &
done
wait
