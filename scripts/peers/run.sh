#!/usr/bin/env bash
# Compare tweetner with a crfsuite peer on WNUT-16 dev (accuracy and speed,
# same machine, same run). Optional: not part of CI. See README.md here.
#
# usage: scripts/peers/run.sh [crfsuite_peer.py options, e.g. --threads 1,2 --runs 5]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${TWEETNER_PEERS_VENV:-$HOME/.cache/tweetner/peers-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import pycrfsuite' 2>/dev/null ||
    "$venv/bin/pip" install -q -r "$repo/scripts/peers/requirements.txt"
bin="${TWEETNER_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$repo" && cargo build --release -q -p tweetner)
    bin="${CARGO_TARGET_DIR:-$repo/target}/release/tweetner"
fi
exec "$venv/bin/python" "$repo/scripts/peers/crfsuite_peer.py" --tweetner "$bin" "$@"
