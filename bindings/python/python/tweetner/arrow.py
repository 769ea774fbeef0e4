"""Tag columns of texts into tables of entities (pyarrow, pandas).

Two shapes, for the two ways tables are used:

* **long** (:func:`tag_arrow`, :func:`tag_pandas`): one row per entity, with
  the input position (``row``) or the Series' index, ready to filter, group
  or join back;
* **nested** (:func:`tag_arrow_nested`, :func:`tag_series`): one value per
  input text, a list of entity structs, aligned with the input; what a
  column transform or a Spark pandas UDF returns.

Missing texts (``None``/``NaN``/Arrow nulls) are tagged as empty: no
entities in the long form, a null in the nested form. Offsets are code
points, so ``text[start:end]`` is the entity in Python and Arrow's
``utf8_slice_codeunits``; ``byte_start``/``byte_end`` are UTF-8 bytes.

pyarrow and pandas are imported on first use; install them with
``pip install 'tweetner[arrow]'``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from . import Tagger

__all__ = [
    "ENTITY_FIELDS",
    "SPARK_ENTITIES_DDL",
    "entity_type",
    "shared_tagger",
    "tag_arrow",
    "tag_arrow_nested",
    "tag_pandas",
    "tag_series",
]

#: Entity fields, in column order.
ENTITY_FIELDS = ("text", "type", "start", "end", "byte_start", "byte_end", "score")

#: The Spark SQL type of :func:`tag_series`' output, for ``pandas_udf``.
SPARK_ENTITIES_DDL = (
    "array<struct<text:string,type:string,start:bigint,end:bigint,byte_start:bigint,byte_end:bigint,score:float>>"
)


def entity_type() -> Any:
    """The Arrow struct type of one entity."""
    import pyarrow as pa

    return pa.struct(
        [
            ("text", pa.string()),
            ("type", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("byte_start", pa.int64()),
            ("byte_end", pa.int64()),
            ("score", pa.float32()),
        ]
    )


@functools.lru_cache(maxsize=8)
def shared_tagger(model: str | None = "default", threads: int | None = None) -> Tagger:
    """One tagger per model and process, loaded on first use.

    For code that runs many short calls in long-lived worker processes (a
    Spark pandas UDF is called once per Arrow batch): loading once per
    process instead of once per batch or per pickled closure.
    """
    return Tagger(model, threads=threads)


def _tagger(tagger: Tagger | str | None) -> Tagger:
    if isinstance(tagger, Tagger):
        return tagger
    return Tagger(tagger if tagger is not None else "default")


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _texts(texts: Any) -> list[str | None]:
    """Python strings (or None) from a pyarrow array/chunked array, a pandas
    Series, or any sequence."""
    if hasattr(texts, "to_pylist"):  # pyarrow Array / ChunkedArray
        import pyarrow as pa

        if not (
            pa.types.is_string(texts.type)
            or pa.types.is_large_string(texts.type)
            or getattr(pa.types, "is_string_view", lambda _t: False)(texts.type)
        ):
            raise TypeError(f"expected an Arrow string array, not {texts.type}")
        values = texts.to_pylist()
    elif hasattr(texts, "tolist") and hasattr(texts, "index"):  # pandas Series
        values = texts.tolist()
    elif isinstance(texts, str):
        raise TypeError("expected a column of texts, not a str")
    else:
        values = list(texts)
    out: list[str | None] = []
    for i, v in enumerate(values):
        if _is_missing(v):
            out.append(None)
        elif isinstance(v, str):
            out.append(v)
        else:
            raise TypeError(f"text {i} is a {type(v).__name__}, not a str")
    return out


def tag_arrow(texts: Any, tagger: Tagger | str | None = None) -> Any:
    """A ``pyarrow.Table`` with one row per entity: ``row`` (input position,
    int64) and :data:`ENTITY_FIELDS` (``score`` float32, offsets int64)."""
    import pyarrow as pa

    columns = _tagger(tagger)._native.annotate_columns(_texts(texts))
    types = entity_type()
    schema = pa.schema([("row", pa.int64())] + [(f.name, f.type) for f in types])
    return pa.table(
        {name: pa.array(columns[name], type=schema.field(name).type) for name in schema.names}, schema=schema
    )


def tag_arrow_nested(texts: Any, tagger: Tagger | str | None = None) -> Any:
    """A ``pyarrow.ListArray`` of entity structs, one per input text (null
    where the text is null)."""
    import pyarrow as pa

    values = _texts(texts)
    present = [v for v in values if v is not None]
    results = iter(_tagger(tagger).tag_batch(present))
    nested = [None if v is None else next(results) for v in values]
    return pa.array(nested, type=pa.list_(entity_type()))


def tag_pandas(texts: Any, tagger: Tagger | str | None = None) -> Any:
    """A ``pandas.DataFrame`` with one row per entity, indexed by the input
    Series' index labels (repeated for several entities in one text), so it
    joins back onto the frame the texts came from."""
    import pandas as pd

    columns = _tagger(tagger)._native.annotate_columns(_texts(texts))
    rows = columns.pop("row")
    frame = pd.DataFrame({name: columns[name] for name in ENTITY_FIELDS})
    frame = frame.astype(
        {"start": "int64", "end": "int64", "byte_start": "int64", "byte_end": "int64", "score": "float32"}
    )
    if isinstance(texts, pd.Series):
        frame.index = texts.index.take(rows)
    else:
        frame.index = pd.Index(rows, dtype="int64", name="row")
    return frame


def tag_series(texts: Any, tagger: Tagger | str | None = None) -> Any:
    """A ``pandas.Series`` aligned with ``texts`` whose values are lists of
    entity dicts (``None`` for a missing text); the return value of a Spark
    ``pandas_udf`` with type :data:`SPARK_ENTITIES_DDL`."""
    import pandas as pd

    values = _texts(texts)
    present = [v for v in values if v is not None]
    results = iter(_tagger(tagger).tag_batch(present))
    nested = [None if v is None else next(results) for v in values]
    index = texts.index if isinstance(texts, pd.Series) else None
    return pd.Series(nested, index=index, dtype=object, name="entities")
