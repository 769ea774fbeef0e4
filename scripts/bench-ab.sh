#!/usr/bin/env bash
# Two tweetner binaries' `bench` rates on the same file, alternated round by
# round so that a noisy machine slows both alike: medians and their ratio.
# Usage: scripts/bench-ab.sh OLD_BIN NEW_BIN [ROUNDS] [THREADS] [MODEL]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN [ROUNDS] [THREADS] [MODEL]" >&2; exit 2; }
old=$1
new=$2
rounds=${3:-7}
threads=${4:-2}
model=${5:-models/default}
dev=${TWEETNER_SHARED:-../shared}/data/wnut16/dev.conll
rate() {
  "$1" bench "$dev" --model "$model" --threads "$threads" --runs 3 --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["tweets_per_s"], d["peak_rss_mib"])'
}
old_runs=()
new_runs=()
for _ in $(seq "$rounds"); do
  old_runs+=("$(rate "$old" | tr ' ' ':')")
  new_runs+=("$(rate "$new" | tr ' ' ':')")
done
python3 - "$threads" "$model" "${old_runs[*]}" "${new_runs[*]}" <<'PY'
import statistics, sys
threads, model, old, new = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
def parse(runs):
    pairs = [tuple(map(float, r.split(":"))) for r in runs]
    return [p[0] for p in pairs], max(p[1] for p in pairs)
(o, o_rss), (n, n_rss) = parse(old), parse(new)
print(f"model {model}, threads {threads}, {len(o)} alternating rounds (each the median of 3 passes)")
print("old tweets/s:", " ".join(f"{x:.0f}" for x in o), f"median {statistics.median(o):.0f}, peak RSS {o_rss:.1f} MiB")
print("new tweets/s:", " ".join(f"{x:.0f}" for x in n), f"median {statistics.median(n):.0f}, peak RSS {n_rss:.1f} MiB")
print(f"new / old = {statistics.median(n) / statistics.median(o):.3f}")
PY
