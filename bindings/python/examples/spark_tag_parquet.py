"""Tag the tweets of a Parquet file with Spark and tweetner.

    python examples/spark_tag_parquet.py tweets.parquet entities.parquet \
        --text-column text --master 'local[2]'

Each Spark Python worker loads the model once (``shared_tagger``) and tags
whole Arrow batches in one native call through a pandas UDF; the output is
the input with an ``entities`` column (``array<struct<text, type, start,
end, byte_start, byte_end, score>>``), and ``--explode`` writes one row per
entity instead. Needs ``pip install pyspark pandas pyarrow`` and a Java
runtime; the workers must be able to import tweetner (same environment).
"""

from __future__ import annotations

import argparse
import os
import sys

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from tweetner.arrow import SPARK_ENTITIES_DDL, shared_tagger, tag_series


def entities_udf(model: str = "default", threads: int = 1):
    """A pandas UDF from a text column to its entities.

    ``threads`` is per Python worker: Spark already runs one worker per
    core, so 1 avoids oversubscribing the machine.
    """

    @pandas_udf(SPARK_ENTITIES_DDL)
    def tag(texts: pd.Series) -> pd.Series:
        return tag_series(texts, shared_tagger(model, threads))

    return tag


def tag_frame(frame: DataFrame, text_column: str = "text", model: str = "default") -> DataFrame:
    """``frame`` with an ``entities`` column for ``text_column``."""
    return frame.withColumn("entities", entities_udf(model)(F.col(text_column)))


ENTITY_FIELDS = ("text", "type", "start", "end", "byte_start", "byte_end", "score")


def explode_entities(tagged: DataFrame) -> DataFrame:
    """One row per entity: the other columns, then the entity's fields (as
    ``entity_text`` etc. where a name is taken, such as the tweet's ``text``)."""
    others = [c for c in tagged.columns if c != "entities"]
    fields = [F.col(f"entity.{name}").alias(f"entity_{name}" if name in others else name) for name in ENTITY_FIELDS]
    return tagged.select(*others, F.explode("entities").alias("entity")).select(*others, *fields)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="Parquet file or directory of tweets")
    parser.add_argument("output", help="Parquet directory to write")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--model", default="default", help="tweetner model name or directory")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--explode", action="store_true", help="one output row per entity")
    args = parser.parse_args(argv)

    # Workers must run the interpreter that has tweetner installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = SparkSession.builder.master(args.master).appName("tweetner").getOrCreate()
    try:
        tagged = tag_frame(spark.read.parquet(args.input), args.text_column, args.model)
        if args.explode:
            tagged = explode_entities(tagged)
        tagged.write.mode("overwrite").parquet(args.output)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
