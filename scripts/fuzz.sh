#!/usr/bin/env bash
# Fuzzes tweetner's input-facing code: every target in fuzz/ (a cargo-fuzz
# project, its own workspace) runs for SECONDS_PER_TARGET seconds; any crash,
# failed invariant, timeout or out-of-memory fails the script.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 30; CI uses 20)
#
# Targets: tokenize (tweetner-text), conll_reader (tweetner-data reader and
# writer), conlleval_reader (tweetner-eval), tag_schemes (tweetner-data
# scheme conversions and spans), tweetner7_reader, soft_labels (tweetner-data
# soft-label columns). Each asserts the crate's documented
# invariants, not just "no panic"; the checks are in fuzz/src/.
#
# Stable toolchain only: cargo-fuzz passes nightly `-Z` flags to rustc and
# cargo, which stable accepts under RUSTC_BOOTSTRAP=1 (set below, for the
# fuzz build only). The crates under test have no `unsafe`, so by default
# no sanitizer is used (AddressSanitizer would find nothing safe Rust can't,
# at several times the cost per input); FUZZ_SANITIZER=address turns it on.
# Debug assertions and overflow checks are always on.
#
# Inputs: fuzz/corpus/<target> (grown by each run, git-ignored), the
# committed seeds in fuzz/seeds/<target>, and every saved crash in
# fuzz/regressions/<target>, which is replayed first. When the WNUT-16 data
# is at ../shared (or $TWEETNER_SHARED), the first dev tweets are written
# into the corpus as extra seeds (never into the repository).
#
# A crash leaves its input in fuzz/artifacts/<target>/; reproduce it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none -a <target> <file>
# or, without libFuzzer, by copying it to fuzz/regressions/<target>/ and
#   cargo test --manifest-path fuzz/Cargo.toml
# (the library's tests replay seeds and regressions through the same checks).
#
# Longer runs: the corpus persists, so repeated runs keep digging deeper. An
# overnight run of one target, using both cores:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none -a -j 2 conll_reader \
#     fuzz/corpus/conll_reader fuzz/seeds/conll_reader -- -max_total_time=28800
# then shrink the grown corpus:
#   RUSTC_BOOTSTRAP=1 cargo fuzz cmin --sanitizer none -a conll_reader
# A one-hour pass over everything is simply `scripts/fuzz.sh 900`.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-30}"
if ! [[ "$secs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS_PER_TARGET]  (a positive integer, got '$secs')" >&2
  exit 2
fi
sanitizer="${FUZZ_SANITIZER:-none}"
# Seconds one input may take before it counts as a hang: the tokenizer and
# readers promise linear time, so anything near this is a bug.
input_timeout="${FUZZ_INPUT_TIMEOUT:-10}"

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# libfuzzer-sys compiles libFuzzer (C++) from source.
if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1 \
  && ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzzing needs a C++ compiler for libFuzzer (e.g. apt-get install g++)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
fuzz_flags=(--sanitizer "$sanitizer" -O -a)

# The first tweets of WNUT-16 dev, as seeds in each target's input format.
add_dev_seeds() {
  local shared="${TWEETNER_SHARED:-../shared}"
  local dev="$shared/data/wnut16/dev.conll"
  [ -f "$dev" ] || return 0
  local c=fuzz/corpus
  mkdir -p "$c/tokenize" "$c/conll_reader" "$c/conlleval_reader" "$c/tag_schemes"
  # 1 to 3: one tweet each; the token/tag columns are tab-separated.
  awk -v c="$c" '
    BEGIN { n = 1 }
    /^[ \t\r]*$/ { if (len) { flush(); n++; if (n > 3) exit } ; next }
    {
      sub(/\r$/, ""); split($0, f, "\t")
      tok[++len] = f[1]; tag[len] = f[2]
    }
    function flush(   i, t, b) {
      t = ""; b = ""
      for (i = 1; i <= len; i++) {
        t = t (i > 1 ? " " : "") tok[i]
        print tok[i] "\t" tag[i] > (c "/conll_reader/dev-" n)
        print tok[i] " " tag[i] " " tag[i] > (c "/conlleval_reader/dev-" n)
        b = b sprintf("%c", tag[i] == "O" ? 48 : (tag[i] ~ /^B-/ ? 49 : 50))
      }
      printf "%s", t > (c "/tokenize/dev-" n)
      printf "%s", b > (c "/tag_schemes/dev-" n)
      len = 0
    }
    END { if (len && n <= 3) flush() }
  ' "$dev"
}

echo "== building fuzz targets (sanitizer: $sanitizer)"
cargo fuzz build "${fuzz_flags[@]}"
add_dev_seeds

mapfile -t targets < <(cargo fuzz list)
failed=()
summary=()
for t in "${targets[@]}"; do
  corpus="fuzz/corpus/$t"
  # Logs stay out of fuzz/artifacts, where cargo-fuzz looks for crash inputs.
  mkdir -p "$corpus" "fuzz/regressions/$t" fuzz/target/logs
  log="fuzz/target/logs/$t.log"
  echo "== $t: ${secs}s"
  # The first directory is where libFuzzer saves new inputs; the others are
  # only read. Regressions are executed before any new input is tried.
  if cargo fuzz run "${fuzz_flags[@]}" "$t" "$corpus" "fuzz/seeds/$t" "fuzz/regressions/$t" -- \
    -max_total_time="$secs" -timeout="$input_timeout" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
    summary+=("$t: ok, ${runs:-? runs}, $cov")
  else
    failed+=("$t")
    summary+=("$t: FAILED (log: $log)")
    tail -n 60 "$log" >&2
  fi
done

echo "== summary"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}; inputs are in fuzz/artifacts/<target>/" >&2
  exit 1
fi
