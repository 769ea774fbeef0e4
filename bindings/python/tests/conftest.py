"""Shared fixtures. The tests run against the *installed* wheel (see
scripts/test-python.sh), so they import tweetner, never the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import tweetner

REPO = Path(__file__).resolve().parents[3]
DATA = REPO.parent / "shared" / "data" / "wnut16"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """With TWEETNER_REQUIRE_ALL=1 (set by .ci/run) a skipped test is a
    failure: CI installs Java, PySpark, spaCy and the data, so a skip there
    means a missing install step, not a missing optional tool."""
    if os.environ.get("TWEETNER_REQUIRE_ALL") == "1" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under TWEETNER_REQUIRE_ALL=1: {report.longrepr}"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Module-level skips (no Java, no pyspark) happen at collection."""
    if os.environ.get("TWEETNER_REQUIRE_ALL") == "1" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under TWEETNER_REQUIRE_ALL=1: {report.longrepr}"


@pytest.fixture(scope="session")
def tagger() -> tweetner.Tagger:
    return tweetner.Tagger("default", threads=2)


@pytest.fixture(scope="session")
def dev_sentences() -> list[list[str]]:
    """WNUT-16 dev tweets as token lists (CoNLL: token TAB tag, blank line between)."""
    path = DATA / "dev.conll"
    if not path.is_file():
        pytest.skip(f"WNUT-16 dev split not found at {path} (CI puts shared/ beside the repo)")
    sentences: list[list[str]] = []
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        current.append(line.split("\t")[0])
    if current:
        sentences.append(current)
    return sentences


@pytest.fixture(scope="session")
def dev_texts(dev_sentences: list[list[str]]) -> list[str]:
    return [" ".join(tokens) for tokens in dev_sentences]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `tweetner` binary: $TWEETNER_CLI, else built here with cargo
    (release, into $CARGO_TARGET_DIR or the repository's target/)."""
    given = os.environ.get("TWEETNER_CLI")
    if given:
        path = Path(given)
        if not path.is_file():
            pytest.fail(f"TWEETNER_CLI={given} does not exist")
        return path
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.fail("the CLI parity tests need cargo or TWEETNER_CLI")
    subprocess.run(
        [cargo, "build", "--release", "--locked", "-p", "tweetner", "--bin", "tweetner"],
        cwd=REPO,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    if not target.is_absolute():
        target = REPO / target
    return target / "release" / "tweetner"
