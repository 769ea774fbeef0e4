#!/usr/bin/env bash
# Map the extra Twitter NER corpora in ../shared/data/extra onto WNUT-16 types,
# into ~/.cache/tweetner/extra, for configs that list them under `extra`.
#
#   BTC (PER/LOC/ORG): PER → person, LOC → geo-loc; ORG is dropped (to O),
#   because it spans WNUT-16's company, sportsteam, musicartist and more.
#
# Usage: scripts/prepare-extra.sh [TWEETNER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/tweetner}"
[ -x "$bin" ] || { echo "build first: cargo build --release (or pass the binary)" >&2; exit 1; }
src=../shared/data/extra
out="${HOME}/.cache/tweetner/extra"
mkdir -p "$out"
"$bin" data convert "$src/btc/btc.train" --map PER=person,LOC=geo-loc,ORG=O > "$out/btc-perloc.conll.tmp"
mv "$out/btc-perloc.conll.tmp" "$out/btc-perloc.conll"
echo "wrote $out/btc-perloc.conll ($(grep -c '^$' "$out/btc-perloc.conll") tweets)"
