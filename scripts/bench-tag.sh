#!/usr/bin/env bash
# `tweetner tag` end to end (process start, model load, JSONL out) against
# `tweetner bench`'s raw-text rate, in one run: the pipeline's overhead as a
# ratio. Usage: scripts/bench-tag.sh [RUNS] [THREADS] [MODEL]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
threads=${2:-2}
model=${3:-models/default}
dev=${TWEETNER_SHARED:-../shared}/data/wnut16/dev.conll
bin=target/release/tweetner
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p tweetner   # NO_BUILD=1: use the binary as it is
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The dev tweets as raw text (tokens joined by spaces, as bench does), 38,500 lines.
awk 'NF==0 { if (line != "") print line; line=""; next } { line = (line == "" ? $1 : line " " $1) }
     END { if (line != "") print line }' "$dev" > "$work/dev.txt"
: > "$work/in.txt"
while [ "$(wc -l < "$work/in.txt")" -lt 38500 ]; do cat "$work/dev.txt" >> "$work/in.txt"; done
head -n 38500 "$work/in.txt" > "$work/tweets.txt"
n=$(wc -l < "$work/tweets.txt")
bench_rates=()
tag_rates=()
for _ in $(seq "$runs"); do
  b=$("$bin" bench "$dev" --model "$model" --threads "$threads" --runs 1 --json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["tweets_per_s"])')
  bench_rates+=("$b")
  start=$(date +%s.%N)
  "$bin" tag --model "$model" --threads "$threads" < "$work/tweets.txt" > "$work/out.jsonl" 2>/dev/null
  end=$(date +%s.%N)
  [ "$(wc -l < "$work/out.jsonl")" = "$n" ] || { echo "tag wrote the wrong number of lines" >&2; exit 1; }
  tag_rates+=("$(python3 -c "print($n / ($end - $start))")")
done
python3 - "$threads" "$n" "${bench_rates[*]}" "${tag_rates[*]}" <<'PY'
import statistics, sys
threads, n, bench, tag = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
b = statistics.median(map(float, bench)); t = statistics.median(map(float, tag))
print(f"threads {threads}, {n} tweets, {len(tag)} alternating runs")
print("bench raw text tweets/s:", " ".join(f"{float(x):.0f}" for x in bench), f"median {b:.0f}")
print("tag end to end tweets/s:", " ".join(f"{float(x):.0f}" for x in tag), f"median {t:.0f}")
print(f"tag / bench = {t / b:.3f}")
PY
