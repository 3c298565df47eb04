"""The registered model cleans pages on Spark through mlflow.pyfunc.spark_udf (examples/spark_clean.py), with
the same text as the Cleaner; a page that fails gets its error and the others go on."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import mlflow
import pandas as pd
import pytest

from chromecut.model.bundle import Bundle
from chromecut.predict import Cleaner
from chromecut.settings import TrackingSettings, TrainSettings
from chromecut.train.tracking import Tracker

from synthetic import synthetic_page

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'chromecut[spark]')")
pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Java is absent: Spark needs a JVM")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "spark_clean.py"
PAGES = 6


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spark_clean", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_registered_model_cleans_pages_through_spark_udf(
    tiny_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    settings = TrainSettings(tracking=TrackingSettings(tracking_uri=uri, experiment="spark"))
    bundle_dir = tiny_bundle.save(tmp_path / "bundle")
    example = pd.DataFrame({"id": ["a"], "html": [synthetic_page(0)]})
    with Tracker(settings, tmp_path) as tracker:
        assert tracker.log_model(bundle_dir, example, 1.0, lambda _: 0.0) == "1"
    mlflow.set_tracking_uri(uri)

    records = [{"id": f"p{i}", "html": synthetic_page(i)} for i in range(PAGES)]
    records.append({"id": "empty", "html": None})  # no page: cleaned as nothing, not a failure of the batch
    pages = tmp_path / "pages.jsonl"
    pages.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "cleaned"
    assert _example().main(["--model", "models:/chromecut-html@champion", "--input", str(pages),
                            "--output", str(out)]) == 0

    rows = [json.loads(line) for part in sorted(out.glob("part-*.json")) for line in part.read_text().splitlines()]
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {r["id"] for r in records}
    cleaner = Cleaner(tiny_bundle)
    for i in range(PAGES):
        assert by_id[f"p{i}"]["text"] == cleaner.clean(synthetic_page(i)) != ""
        assert by_id[f"p{i}"].get("error", "") == ""
    assert by_id["empty"].get("text", "") == ""
