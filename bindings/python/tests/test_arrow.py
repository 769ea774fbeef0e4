from __future__ import annotations

import pytest

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

from tweetner import Tagger
from tweetner.arrow import ENTITY_FIELDS, entity_type, tag_arrow, tag_arrow_nested, tag_pandas, tag_series

TEXTS = ["Going to Paris with Barack Obama", None, "😀 Taylor Swift in London", "", "nothing"]


def flat(tagger: Tagger) -> list[tuple]:
    return [
        (i, e["text"], e["type"], e["start"], e["end"])
        for i, text in enumerate(TEXTS)
        for e in (tagger.tag(text) if text is not None else [])
    ]


def test_arrow_table_has_one_row_per_entity(tagger: Tagger) -> None:
    table = tag_arrow(pa.array(TEXTS), tagger)
    assert table.column_names == ["row", *ENTITY_FIELDS]
    assert table.schema.field("score").type == pa.float32()
    assert table.schema.field("start").type == pa.int64()
    rows = list(zip(*(table.column(c).to_pylist() for c in ["row", "text", "type", "start", "end"])))
    assert rows == flat(tagger) and rows
    # Chunked and large-string input give the same table.
    chunked = pa.chunked_array([TEXTS[:2], TEXTS[2:]], type=pa.large_string())
    assert tag_arrow(chunked, tagger).equals(table)
    assert tagger.tag_arrow(pa.array(TEXTS)).equals(table)


def test_arrow_offsets_slice_with_arrow_compute(tagger: Tagger) -> None:
    import pyarrow.compute as pc

    texts = pa.array([t for t in TEXTS if t])
    table = tag_arrow(texts, tagger)
    for row, start, end, text in zip(*(table.column(c).to_pylist() for c in ["row", "start", "end", "text"])):
        sliced = pc.utf8_slice_codeunits(pa.array([texts[row].as_py()]), start, end)[0].as_py()
        assert sliced == text


def test_nested_arrow_is_aligned_with_input(tagger: Tagger) -> None:
    nested = tag_arrow_nested(pa.array(TEXTS), tagger)
    assert nested.type == pa.list_(entity_type())
    assert len(nested) == len(TEXTS)
    assert nested[1].as_py() is None
    assert nested[3].as_py() == []
    assert [e["text"] for e in nested[0].as_py()] == [e["text"] for e in tagger.tag(TEXTS[0])]


def test_pandas_frame_is_indexed_by_the_series_index(tagger: Tagger) -> None:
    series = pd.Series(TEXTS, index=[f"t{i}" for i in range(len(TEXTS))], name="tweet")
    frame = tag_pandas(series, tagger)
    assert list(frame.columns) == list(ENTITY_FIELDS)
    assert frame["score"].dtype == "float32" and frame["start"].dtype == "int64"
    expected = flat(tagger)
    assert list(frame.index) == [f"t{row}" for row, *_ in expected]
    assert list(frame["text"]) == [text for _, text, *_ in expected]
    # Joins back onto the source frame.
    joined = series.to_frame().join(frame, how="inner")
    assert all(t[s:e] == w for t, s, e, w in zip(joined["tweet"], joined["start"], joined["end"], joined["text"]))
    # NaN counts as missing.
    assert tag_pandas(pd.Series([float("nan"), "Paris"]), tagger).index.tolist() == list(
        tag_pandas(pd.Series([None, "Paris"]), tagger).index
    )


def test_series_of_entity_lists(tagger: Tagger) -> None:
    series = pd.Series(TEXTS, index=range(10, 15))
    out = tag_series(series, tagger)
    assert list(out.index) == list(range(10, 15))
    assert out.iloc[1] is None and out.iloc[3] == []
    assert out.iloc[0] == tagger.tag(TEXTS[0])


def test_type_errors(tagger: Tagger) -> None:
    with pytest.raises(TypeError, match="string array"):
        tag_arrow(pa.array([1, 2]), tagger)
    with pytest.raises(TypeError, match="not a str"):
        tag_pandas(pd.Series(["ok", 3]), tagger)
    with pytest.raises(TypeError):
        tag_arrow("one text", tagger)
