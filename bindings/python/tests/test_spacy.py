from __future__ import annotations

from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

from tweetner import Tagger
from tweetner.spacy_component import TweetnerComponent

TEXTS = [
    "Going to Paris with Barack Obama",
    "RT @user : Taylor Swift 👍🏽 live in #London tonight",
    "nothing here",
    "👨‍👩‍👧 trip to New York with Justin Bieber",
]


@pytest.fixture()
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("tweetner", config={"model": "default", "threads": 2})
    return nlp


def ents(doc) -> list[tuple[str, str, int, int]]:
    return [(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents]


def test_add_pipe_by_entry_point_fills_doc_ents(nlp, tagger: Tagger) -> None:
    assert isinstance(nlp.get_pipe("tweetner"), TweetnerComponent)
    doc = nlp(TEXTS[0])
    expected = tagger.tag(TEXTS[0])
    assert expected
    assert ents(doc) == [(e["text"], e["type"], e["start"], e["end"]) for e in expected]
    for span, e in zip(doc.ents, expected):
        assert span._.tweetner_score == pytest.approx(e["score"])


def test_pipe_batches_match_single_calls(nlp) -> None:
    batched = [ents(d) for d in nlp.pipe(TEXTS * 5, batch_size=3)]
    single = [ents(nlp(t)) for t in TEXTS * 5]
    assert batched == single
    assert any(batched)


def test_alignment_modes() -> None:
    # "#London" is one tweetner token; spaCy's tokenizer splits off the "#".
    text = "live in #London tonight with Barack Obama"
    tagger = Tagger()
    entities = tagger.tag(text)
    for mode in ("expand", "contract", "strict"):
        nlp = spacy.blank("en")
        nlp.add_pipe("tweetner", config={"alignment_mode": mode})
        doc = nlp(text)
        for span in doc.ents:
            # Every span still overlaps a tweetner entity of its label.
            assert any(
                e["type"] == span.label_ and span.start_char < e["end"] and e["start"] < span.end_char for e in entities
            )
            if mode == "expand":
                assert any(span.start_char <= e["start"] and e["end"] <= span.end_char for e in entities)
            else:
                assert any(e["start"] <= span.start_char and span.end_char <= e["end"] for e in entities)
    with pytest.raises(ValueError, match="alignment_mode"):
        spacy.blank("en").add_pipe("tweetner", config={"alignment_mode": "fuzzy"})


def test_keeps_existing_entities_unless_overwriting() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "CITY", "pattern": "Paris"}])
    nlp.add_pipe("tweetner", config={"overwrite_ents": False})
    doc = nlp(TEXTS[0])
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Paris") == "CITY"
    assert len(doc.ents) >= 2


def test_to_disk_and_spacy_load_round_trip(nlp, tmp_path: Path) -> None:
    before = [ents(d) for d in nlp.pipe(TEXTS)]
    nlp.to_disk(tmp_path / "pipeline")
    saved = tmp_path / "pipeline" / "tweetner" / "model" / "tweetner-model.json"
    assert saved.is_file(), "the model is saved with the pipeline"
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["tweetner"]
    assert [ents(d) for d in loaded.pipe(TEXTS)] == before
    component = loaded.get_pipe("tweetner")
    assert component.tagger.path == tmp_path / "pipeline" / "tweetner" / "model"


def test_saved_pipeline_loads_without_the_named_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    source = tmp_path / "models"
    shutil.copytree(Tagger().path, source / "only-here")
    monkeypatch.setenv("TWEETNER_MODELS", str(source))
    nlp = spacy.blank("en")
    nlp.add_pipe("tweetner", config={"model": "only-here"})
    before = ents(nlp(TEXTS[0]))
    nlp.to_disk(tmp_path / "p")
    shutil.rmtree(source)
    monkeypatch.delenv("TWEETNER_MODELS")
    assert ents(spacy.load(tmp_path / "p")(TEXTS[0])) == before


def test_unknown_model_is_reported_on_first_use() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("tweetner", config={"model": "no-such-model"})
    with pytest.raises(ValueError, match="unknown model"):
        nlp("text")


def test_doc_serialization_keeps_entities_and_scores(nlp) -> None:
    from spacy.tokens import Doc

    doc = nlp(TEXTS[0])
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert ents(again) == ents(doc)
    assert [e._.tweetner_score for e in again.ents] == [e._.tweetner_score for e in doc.ents]
