"""Clean pages on Spark with the registered chromecut model, through ``mlflow.pyfunc.spark_udf``.

    MLFLOW_TRACKING_URI=sqlite:///mlflow.db python examples/spark_clean.py \\
        --model models:/chromecut-html@champion --input pages.jsonl --output cleaned/

``pages.jsonl`` holds records ``{"id": ..., "html": ...}`` (or ``"text"`` with a text model), as
``chromecut clean`` reads them; ``cleaned/`` receives JSON Lines ``{"id", "text", "error"}`` (``error`` is empty
when the page was cleaned; a page that fails never stops the others). The UDF runs the model's pyfunc (a
DataFrame of pages in, ``id``/``text``/``labels``/``error`` out) in Spark's Python workers, each loading the
bundle once. Needs Java (17) and ``pip install 'chromecut[spark]'``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

#: Spark type of the pyfunc's output: one struct per page.
RESULT_TYPE = "id string, text string, labels string, error string"
#: Driver memory of the local session this example starts.
DRIVER_MEMORY = "2g"


def clean_pages(spark: Any, model_uri: str, pages: Any, column: str = "html") -> Any:
    """``pages`` (a Spark DataFrame with ``id`` and ``column``) -> ``id``, ``text``, ``error`` per page."""
    import mlflow.pyfunc
    from pyspark.sql import functions as F

    clean = mlflow.pyfunc.spark_udf(spark, model_uri, result_type=RESULT_TYPE, env_manager="local")
    result = pages.withColumn("cleaned", clean(F.struct(F.col("id").cast("string").alias("id"), column)))
    return result.select("id", F.col("cleaned.text").alias("text"), F.col("cleaned.error").alias("error"))


def local_session(app: str = "chromecut-spark") -> Any:
    """A local Spark session whose Python workers run this interpreter (the one chromecut is installed in)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[2]").appName(app)
            .config("spark.driver.memory", DRIVER_MEMORY)
            .config("spark.ui.enabled", "false")
            .getOrCreate())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models:/chromecut-html@champion", help="MLflow model URI")
    parser.add_argument("--input", required=True, help="JSON Lines of {id, html|text} records")
    parser.add_argument("--output", required=True, help="output folder (JSON Lines part files)")
    parser.add_argument("--column", choices=("html", "text"), default="html", help="page column (default html)")
    args = parser.parse_args(argv)
    spark = local_session()
    try:
        pages = spark.read.json(args.input)
        clean_pages(spark, args.model, pages, args.column).write.mode("overwrite").json(args.output)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
