"""The PySpark example on local[2]: a Parquet file of dev tweets through the
pandas UDF gives the entities that Tagger.tag_batch gives."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest
from tweetner import Tagger

if shutil.which("java") is None:
    pytest.skip("PySpark needs a Java runtime (apt-get install default-jre-headless)", allow_module_level=True)
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("pandas")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "spark_tag_parquet.py"


def load_example():
    spec = importlib.util.spec_from_file_location("spark_tag_parquet", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("tweetner-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "128")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_pandas_udf_tags_a_parquet_file(spark, tagger: Tagger, dev_texts: list[str], tmp_path: Path) -> None:
    example = load_example()
    texts = dev_texts[:400] + [None]
    source = tmp_path / "tweets.parquet"
    pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}), source)

    frame = spark.read.parquet(str(source)).repartition(2)
    tagged = example.tag_frame(frame, "text", "default")
    rows = {r["id"]: r["entities"] for r in tagged.collect()}
    assert len(rows) == len(texts)
    expected = tagger.tag_batch(dev_texts[:400])
    for i, entities in enumerate(expected):
        got = [(e["text"], e["type"], e["start"], e["end"]) for e in rows[i]]
        assert got == [(e["text"], e["type"], e["start"], e["end"]) for e in entities]
        for g, e in zip(rows[i], entities):
            assert g["score"] == pytest.approx(e["score"], abs=1e-6)
    assert rows[len(texts) - 1] is None

    # The command-line entry point, exploded to one row per entity.
    out = tmp_path / "entities.parquet"
    exploded = example.explode_entities(tagged)
    exploded.write.mode("overwrite").parquet(str(out))
    table = pq.read_table(out)
    assert table.num_rows == sum(len(e) for e in expected)
    assert {"id", "text", "entity_text", "type", "start", "end", "score"} <= set(table.column_names)
    for text, entity, start, end in zip(
        *(table.column(c).to_pylist() for c in ["text", "entity_text", "start", "end"])
    ):
        assert text[start:end] == entity
