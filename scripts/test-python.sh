#!/usr/bin/env bash
# Builds the Python wheel (bindings/python, maturin), installs it into a fresh
# virtual environment and runs the pytest suite against the installed package.
#
#   scripts/test-python.sh [PYTEST_ARGS...]
#
# Needs a Python >= 3.10 with venv ($PYTHON, default python3), cargo and
# network access to PyPI (maturin, pytest, spacy, pandas, pyarrow; pyspark
# too when a `java` is on PATH, otherwise the PySpark test skips and says
# why). The CLI parity tests tag the WNUT-16 dev split at
# ../shared/data/wnut16 with a release `tweetner` built here.
#
# Builds go to $CARGO_TARGET_DIR (default target/) with $CARGO_BUILD_JOBS
# jobs, which cargo and maturin both read. The venv and the wheel live in
# $TWEETNER_PY_WORK when set (kept, for reruns), else in a temporary
# directory removed on exit. Fails on any test failure and on "no tests
# collected".
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "test-python.sh: $PYTHON is $("$PYTHON" -V 2>&1); the bindings need Python >= 3.10" >&2
  exit 1
fi

if [ -n "${TWEETNER_PY_WORK:-}" ]; then
  WORK=$TWEETNER_PY_WORK
  rm -rf "$WORK/venv" "$WORK/wheels"
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tweetner-py.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR=$REPO/$CARGO_TARGET_DIR ;; esac

echo "== fresh venv in $WORK/venv"
"$PYTHON" -m venv "$WORK/venv"
PY=$WORK/venv/bin/python
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q maturin pytest spacy pandas pyarrow
if command -v java >/dev/null 2>&1; then
  "$PY" -m pip install -q pyspark
else
  echo "== no java on PATH: the PySpark test will skip"
fi

echo "== wheel (maturin build --release)"
"$WORK/venv/bin/maturin" build --release --locked \
  --manifest-path bindings/python/Cargo.toml --out "$WORK/wheels"
"$PY" -m pip install -q "$WORK"/wheels/tweetner-*.whl

# $TWEETNER_CLI may name a binary built already (.ci/run passes the one
# scripts/test.sh built, sparing a second full build of the workspace).
if [ -n "${TWEETNER_CLI:-}" ] && [ -x "$TWEETNER_CLI" ]; then
  echo "== tweetner CLI for the parity tests: $TWEETNER_CLI"
else
  echo "== tweetner CLI for the parity tests"
  cargo build --release --locked -p tweetner --bin tweetner
  export TWEETNER_CLI=$CARGO_TARGET_DIR/release/tweetner
fi

echo "== pytest"
# From outside the source tree, so `import tweetner` is the installed wheel.
cd "$WORK"
status=0
"$PY" -m pytest "$REPO/bindings/python/tests" -ra -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "test-python.sh: pytest collected no tests" >&2
fi
exit "$status"
