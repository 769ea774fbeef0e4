from __future__ import annotations

import pickle
import shutil
import threading
import time
from pathlib import Path

import pytest
import tweetner
from tweetner import Tagger, TweetnerError

ENTITY_KEYS = {"text", "type", "start", "end", "byte_start", "byte_end", "utf16_start", "utf16_end", "score"}
TOKEN_KEYS = {"text", "start", "end", "byte_start", "byte_end", "tag", "score", "kind"}

# Texts whose offsets differ in code points, UTF-16 units and bytes: emoji,
# ZWJ sequences, flags, skin tones, combining marks, astral-plane letters.
UNICODE_TEXTS = [
    "👨‍👩‍👧‍👦 family trip to New York with Barack Obama !",
    "🇺🇸🇬🇧 Taylor Swift 👍🏽 live in London tonight #TaylorSwift",
    "Zoë and Ümit went to São Paulo 😀😀 with Beyoncé",
    "e\u0301 cafe\u0301 in Paris \u200d\u200d with Justin Bieber 🏳️‍🌈",
    "𝓗𝓮𝓵𝓵𝓸 from Chicago 𝕏 and Barack Obama",
    "",
    "   ",
]


def check_entity(text: str, e: dict) -> None:
    assert set(e) == ENTITY_KEYS
    assert text[e["start"] : e["end"]] == e["text"]
    assert text.encode("utf-8")[e["byte_start"] : e["byte_end"]].decode("utf-8") == e["text"]
    # UTF-16 code units, as JavaScript indexes strings (2 bytes each in UTF-16-LE).
    utf16 = text.encode("utf-16-le")
    assert utf16[2 * e["utf16_start"] : 2 * e["utf16_end"]].decode("utf-16-le") == e["text"]
    assert 0.0 <= e["score"] <= 1.0
    assert isinstance(e["score"], float)
    assert isinstance(e["start"], int) and isinstance(e["end"], int)


def test_tag_finds_entities_with_python_offsets(tagger: Tagger) -> None:
    text = "Going to Paris with Barack Obama tomorrow"
    entities = tagger.tag(text)
    assert entities, "the default model should find something here"
    for e in entities:
        check_entity(text, e)
    assert {e["type"] for e in entities} <= set(tagger.entity_types)


@pytest.mark.parametrize("text", UNICODE_TEXTS)
def test_offsets_on_emoji_and_zwj_text(tagger: Tagger, text: str) -> None:
    result = tagger.tag(text, with_tokens=True)
    for e in result["entities"]:
        check_entity(text, e)
    for t in result["tokens"]:
        assert set(t) == TOKEN_KEYS
        assert text[t["start"] : t["end"]] == t["text"]
        assert text.encode()[t["byte_start"] : t["byte_end"]].decode() == t["text"]
    # Tokens cover every non-space character, in order.
    covered = "".join(t["text"] for t in result["tokens"])
    assert covered == "".join(text.split())


def test_unicode_texts_do_have_entities(tagger: Tagger) -> None:
    found = [e for r in tagger.tag_batch(UNICODE_TEXTS) for e in r]
    assert len(found) >= 3
    # At least one entity sits after astral-plane characters, where code
    # point, UTF-16 and byte offsets all differ.
    assert any(e["start"] != e["byte_start"] for e in found)


def test_batch_equals_single_calls(tagger: Tagger) -> None:
    texts = UNICODE_TEXTS + ["RT @user : Obama in #Chicago", "no entities here at all"]
    batch = tagger.tag_batch(texts)
    assert len(batch) == len(texts)
    for text, entities in zip(texts, batch):
        single = tagger.tag(text)
        assert [(e["text"], e["type"], e["start"]) for e in single] == [
            (e["text"], e["type"], e["start"]) for e in entities
        ]
        for a, b in zip(single, entities):
            assert a["score"] == pytest.approx(b["score"], abs=1e-6)
    assert tagger.tag_batch([]) == []
    assert tagger.tag_batch(iter(["Paris"])) == tagger.tag_batch(["Paris"])


def test_with_tokens_shape(tagger: Tagger) -> None:
    out = tagger.tag_batch(["Obama in Paris"], with_tokens=True)
    assert set(out[0]) == {"entities", "tokens"}
    tags = [t["tag"] for t in out[0]["tokens"]]
    assert len(tags) == 3 and all(t == "O" or t[:2] in ("B-", "I-") for t in tags)


def test_tag_tokens_keeps_given_tokens(tagger: Tagger) -> None:
    out = tagger.tag_tokens([["Barack", "Obama", "in", "Paris"], []])
    assert len(out) == 2
    assert len(out[0]["tags"]) == 4 and len(out[0]["token_scores"]) == 4
    for e in out[0]["entities"]:
        assert 0 <= e["token_start"] < e["token_end"] <= 4
    assert out[1] == {"entities": [], "tags": [], "token_scores": []}


def test_model_metadata(tagger: Tagger) -> None:
    assert tagger.name == "default"
    assert (tagger.path / "tweetner-model.json").is_file()
    assert "O" in tagger.labels
    assert "person" in tagger.entity_types and "geo-loc" in tagger.entity_types
    assert tagger.threads == 2
    assert "default" in tweetner.available_models()
    assert "Tagger(" in repr(tagger)


def test_default_model_is_packaged_in_the_wheel() -> None:
    path = tweetner.resolve_model("default")
    package = Path(tweetner.__file__).resolve().parent
    assert path.resolve().is_relative_to(package), path


def test_model_given_as_path(tagger: Tagger) -> None:
    by_path = Tagger(tagger.path, threads=1)
    assert by_path.tag("Obama in Paris") == tagger.tag("Obama in Paris")
    assert Tagger(str(tagger.path)).path == tagger.path


def test_models_env_is_searched_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tagger: Tagger) -> None:
    shutil.copytree(tagger.path, tmp_path / "mine")
    monkeypatch.setenv(tweetner.MODELS_ENV, str(tmp_path))
    assert tweetner.resolve_model("mine") == tmp_path / "mine"
    assert "mine" in tweetner.available_models()
    shutil.copytree(tagger.path, tmp_path / "default")
    assert tweetner.resolve_model("default") == tmp_path / "default"


def test_model_env_names_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tagger: Tagger) -> None:
    shutil.copytree(tagger.path, tmp_path / "m")
    monkeypatch.setenv(tweetner.MODEL_ENV, str(tmp_path / "m"))
    assert tweetner.resolve_model(None) == tmp_path / "m"


def test_unknown_model_name_lists_available() -> None:
    with pytest.raises(ValueError, match=r"unknown model 'no-such-model'.*available models: .*default"):
        Tagger("no-such-model")


def test_missing_path_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Tagger(tmp_path / "absent")
    with pytest.raises(FileNotFoundError):
        Tagger("./absent/model")


def test_directory_without_manifest_is_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a tweetner model"):
        Tagger(tmp_path)


def test_broken_model_raises_tweetner_error_with_rust_message(tmp_path: Path, tagger: Tagger) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tagger.path, broken)
    (broken / "weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(TweetnerError, match="weights.safetensors") as info:
        Tagger(broken)
    assert isinstance(info.value, RuntimeError)
    assert TweetnerError.__module__ == "tweetner"

    (broken / "tweetner-model.json").write_text("{ not json")
    with pytest.raises(TweetnerError, match="tweetner-model.json"):
        Tagger(broken)


def test_missing_file_in_model(tmp_path: Path, tagger: Tagger) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(tagger.path, partial)
    (partial / "features.json").unlink()
    with pytest.raises(FileNotFoundError, match="features.json"):
        Tagger(partial)
    shutil.copy(tagger.path / "features.json", partial)
    # The loader reports a missing weights file as an invalid model, not an
    # I/O error; either way the message names the file.
    (partial / "weights.safetensors").unlink()
    with pytest.raises((FileNotFoundError, TweetnerError), match="weights.safetensors"):
        Tagger(partial)


def test_argument_errors(tagger: Tagger) -> None:
    with pytest.raises(TypeError, match="tag_batch"):
        tagger.tag(["a list"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a str"):
        tagger.tag_batch("one string")
    with pytest.raises(TypeError):
        tagger.tag_batch(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        tagger.tag_tokens(["not", "nested"])
    with pytest.raises(ValueError, match="threads"):
        Tagger(threads=0)
    with pytest.raises(ValueError, match="batch_size"):
        Tagger(batch_size=0)
    with pytest.raises(TypeError):
        Tagger(42)  # type: ignore[arg-type]
    # A lone surrogate cannot be UTF-8: Python's own error, not a crash.
    with pytest.raises(UnicodeEncodeError):
        tagger.tag("bad \ud800 text")


def test_pickle_reloads_from_path(tagger: Tagger) -> None:
    clone = pickle.loads(pickle.dumps(tagger))
    assert clone.path == tagger.path and clone.threads == tagger.threads
    assert clone.tag("Obama in Paris") == tagger.tag("Obama in Paris")


def test_results_do_not_depend_on_threads_or_batch_size(dev_texts: list[str]) -> None:
    texts = dev_texts[:300]
    one = Tagger(threads=1, batch_size=7).tag_batch(texts)
    two = Tagger(threads=2, batch_size=64).tag_batch(texts)
    assert len(one) == len(two) == len(texts)
    for a, b in zip(one, two):
        assert [(e["start"], e["end"], e["type"]) for e in a] == [(e["start"], e["end"], e["type"]) for e in b]
        for x, y in zip(a, b):
            assert x["score"] == pytest.approx(y["score"], abs=1e-6)


def test_concurrent_python_threads_share_one_tagger(tagger: Tagger, dev_texts: list[str]) -> None:
    chunks = [dev_texts[i::4][:100] for i in range(4)]
    expected = [tagger.tag_batch(c) for c in chunks]
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(3):
                results[i] = tagger.tag_batch(chunks[i])
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(4):
        assert [[(e["start"], e["type"]) for e in r] for r in results[i]] == [
            [(e["start"], e["type"]) for e in r] for r in expected[i]
        ]


def test_tag_batch_releases_the_gil(dev_texts: list[str]) -> None:
    single = Tagger(threads=1)
    texts = dev_texts * 3
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    started = time.perf_counter()
    single.tag_batch(texts[:200])  # warm up, and measure a short call
    short = time.perf_counter() - started
    counter = threading.Thread(target=count)
    counter.start()
    started = time.perf_counter()
    single.tag_batch(texts)
    elapsed = time.perf_counter() - started
    stop.set()
    counter.join()
    # With the GIL held for the whole call the counter could not run at all;
    # released, it ticks roughly once per millisecond of tagging.
    assert elapsed > short
    assert ticks >= max(3, int(elapsed * 1000 * 0.1)), (ticks, elapsed)
