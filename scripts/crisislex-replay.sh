#!/usr/bin/env bash
# Issue 13's real-data evaluation: the CrisisLex T6 tweets (timed by their
# snowflake ids) mixed into re-timed background tweets, tagged and replayed
# through `tweetner trends`; prints which entities trended, when, against the
# events' onsets. Needs ../shared/data/unlabeled/tweets.tsv and a release build.
#   scripts/crisislex-replay.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/crisislex}
mkdir -p "$out"
shared=${TWEETNER_SHARED:-../shared}
bin=${TWEETNER_BIN:-target/release/tweetner}
[ -x "$bin" ] || cargo build --release -p tweetner
python3 scripts/crisislex/prepare.py "$shared/data/unlabeled/tweets.tsv" "$out/replay.jsonl"
"$bin" trends -i "$out/replay.jsonl" --time-field created_at --top 10 > "$out/trends.jsonl"
python3 scripts/crisislex/report.py "$out/replay.jsonl" "$out/trends.jsonl"
