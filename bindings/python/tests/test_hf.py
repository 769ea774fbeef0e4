from __future__ import annotations

import pytest
from tweetner import Tagger
from tweetner.hf import AGGREGATION_STRATEGIES, TokenClassificationPipeline, pipeline, to_hf

TEXTS = ["Going to Paris with Barack Obama", "RT @user : Taylor Swift in London !", "nothing here"]
HF_KEYS = ["entity_group", "score", "word", "start", "end"]


@pytest.fixture(scope="module")
def ner(tagger: Tagger) -> TokenClassificationPipeline:
    return pipeline("ner", model=tagger, aggregation_strategy="simple")


def test_single_text_gives_aggregated_dicts(ner: TokenClassificationPipeline, tagger: Tagger) -> None:
    out = ner(TEXTS[0])
    assert out and all(list(e) == HF_KEYS for e in out)
    for e in out:
        assert TEXTS[0][e["start"] : e["end"]] == e["word"]
        assert isinstance(e["score"], float)
    assert out == to_hf(tagger.tag(TEXTS[0]))


def test_list_and_generator_inputs(ner: TokenClassificationPipeline) -> None:
    as_list = ner(TEXTS)
    assert len(as_list) == len(TEXTS) and as_list[2] == []
    streamed = ner((t for t in TEXTS), batch_size=2)
    assert not isinstance(streamed, list)
    assert list(streamed) == as_list
    assert ner(tuple(TEXTS)) == as_list


def test_all_word_level_strategies_agree(tagger: Tagger) -> None:
    simple = pipeline(model=tagger)(TEXTS)
    for strategy in ("first", "average", "max"):
        assert pipeline("token-classification", model=tagger, aggregation_strategy=strategy)(TEXTS) == simple


def test_no_aggregation_gives_token_dicts(tagger: Tagger) -> None:
    ner = pipeline("ner", model=tagger, aggregation_strategy="none")
    text = TEXTS[0]
    tokens = ner(text)
    assert tokens and all(list(t) == ["entity", "score", "index", "word", "start", "end"] for t in tokens)
    tags = tagger.tag(text, with_tokens=True)["tokens"]
    for t in tokens:
        assert t["entity"] != "O"
        assert tags[t["index"] - 1]["text"] == t["word"] == text[t["start"] : t["end"]]
    # The call-time override, as transformers allows.
    everything = ner(text, ignore_labels=[])
    assert len(everything) == len(tags)


def test_hf_style_consumer_code_runs_unchanged(ner: TokenClassificationPipeline) -> None:
    # The usual post-processing of a transformers NER pipeline.
    rows = [
        f"{ent['entity_group']}\t{ent['word']}\t{ent['start']}-{ent['end']}\t{round(float(ent['score']), 4)}"
        for ent in ner(TEXTS[1])
    ]
    assert rows


def test_argument_errors(tagger: Tagger) -> None:
    with pytest.raises(ValueError, match="aggregation_strategy"):
        pipeline(model=tagger, aggregation_strategy="sum")
    with pytest.raises(ValueError, match="pipeline"):
        pipeline("summarization", model=tagger)
    with pytest.raises(TypeError, match="unexpected"):
        pipeline(model=tagger, bogus=1)
    with pytest.raises(TypeError, match="unexpected"):
        pipeline(model=tagger)("x", bogus=1)
    assert "none" in AGGREGATION_STRATEGIES
    # Arguments transformers uses to place models are accepted and ignored.
    assert pipeline("ner", model=tagger, device=-1, framework="pt")("Paris") is not None
