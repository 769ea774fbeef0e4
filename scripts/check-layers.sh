#!/usr/bin/env bash
# The crate graph's layering, checked: nothing below the model crates links
# burn, and the library layers (core, pipeline) link no async runtime either,
# so the HTTP service, bus workers and bindings stay light.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
check() { # crate forbidden-dependency...
  local crate=$1; shift
  local tree
  tree=$(cargo tree --offline -q -p "$crate" -e normal --prefix none 2>/dev/null || cargo tree -q -p "$crate" -e normal --prefix none)
  for dep in "$@"; do
    if grep -q "^$dep v" <<<"$tree"; then
      echo "layering: $crate depends on $dep" >&2
      fail=1
    fi
  done
}
for crate in tweetner-text tweetner-data tweetner-eval tweetner-core tweetner-pipeline; do
  check "$crate" burn tokio
done
check tweetner-serve burn
[ "$fail" = 0 ] && echo "layering ok: no burn below the models, no tokio in core/pipeline"
exit "$fail"
