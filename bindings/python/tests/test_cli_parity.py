"""Python and `tweetner tag` must agree on the WNUT-16 dev tweets: the same
entities (text, type, offsets) and the same scores."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tweetner import Tagger

SCORE_TOLERANCE = 1e-6


def run_cli(cli: Path, model: Path, input_path: Path, input_format: str) -> list[dict]:
    out = subprocess.run(
        [
            str(cli),
            "tag",
            "--model",
            str(model),
            "--input",
            str(input_path),
            "--input-format",
            input_format,
            "--format",
            "jsonl",
            "--threads",
            "2",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def assert_same_entities(py: list[dict], cli: list[dict], keys: tuple[str, ...]) -> None:
    assert [tuple(e[k] for k in keys) for e in py] == [tuple(e[k] for k in keys) for e in cli]
    for a, b in zip(py, cli):
        assert abs(a["score"] - b["score"]) <= SCORE_TOLERANCE, (a, b)


def test_raw_text_parity_on_dev(cli: Path, tagger: Tagger, dev_texts: list[str], tmp_path: Path) -> None:
    assert len(dev_texts) == 1000
    source = tmp_path / "dev.txt"
    source.write_text("\n".join(dev_texts) + "\n", encoding="utf-8")
    records = run_cli(cli, tagger.path, source, "text")
    assert len(records) == len(dev_texts)
    ours = tagger.tag_batch(dev_texts)
    keys = ("text", "type", "start", "end", "byte_start", "byte_end", "utf16_start", "utf16_end")
    total = 0
    for i, (record, entities) in enumerate(zip(records, ours)):
        assert record["text"] == dev_texts[i]
        assert_same_entities(entities, record["entities"], keys)
        total += len(entities)
    # The default model finds hundreds of entities on dev; a handful would
    # mean both sides were broken the same way.
    assert total > 200, total


def test_pretokenized_parity_on_dev(cli: Path, tagger: Tagger, dev_sentences: list[list[str]], tmp_path: Path) -> None:
    source = tmp_path / "dev.conll"
    source.write_text("".join("".join(f"{tok}\tO\n" for tok in s) + "\n" for s in dev_sentences), encoding="utf-8")
    records = run_cli(cli, tagger.path, source, "conll")
    assert len(records) == len(dev_sentences)
    ours = tagger.tag_tokens(dev_sentences)
    for record, result in zip(records, ours):
        assert_same_entities(result["entities"], record["entities"], ("text", "type", "token_start", "token_end"))
