#!/usr/bin/env bash
# Check that a fine-tuned transformer directory loads in Python `transformers`
# (AutoModelForTokenClassification) and predicts the same labels as tweetner.
#
#   scripts/hf-check.sh runs/minilm [CONLL]       # CONLL defaults to WNUT-16 dev
#
# Makes a virtualenv OUTSIDE the repository (default ~/.cache/tweetner/hf-venv,
# override with HF_VENV) and installs transformers and torch from PyPI once.
# PyPI's Linux torch wheel pulls its CUDA libraries (several GB); set
# TORCH_SPEC to pin another version. Then writes tweetner's predictions with
# the release binary (TWEETNER, default: cargo run --release -p tweetner) and
# runs scripts/hf-check.py, which exits non-zero below 99.9% token agreement.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
model="${1:?usage: scripts/hf-check.sh MODEL_DIR [CONLL]}"
conll="${2:-$here/../shared/data/wnut16/dev.conll}"
venv="${HF_VENV:-$HOME/.cache/tweetner/hf-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, transformers' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --no-cache-dir --upgrade pip
    "$venv/bin/pip" install --quiet --no-cache-dir "${TORCH_SPEC:-torch}" transformers safetensors
fi
pred="$(mktemp)"
trap 'rm -f "$pred"' EXIT
if [ -n "${TWEETNER:-}" ]; then
    "$TWEETNER" tag --model "$model" --input-format conll --format conll < "$conll" > "$pred"
else
    (cd "$here" && cargo run --release -q -p tweetner -- tag --model "$model" \
        --input-format conll --format conll) < "$conll" > "$pred"
fi
"$venv/bin/python" "$here/scripts/hf-check.py" "$model" "$conll" "$pred"
