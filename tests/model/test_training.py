"""End to end: a tiny training run on a few real pages logs into a temporary MLflow store, registers the
model, and the logged pyfunc loads and predicts; a worse challenger does not take the champion alias."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient

from chromecut.settings import ModelSettings, TrainSettings
from chromecut.train.core import train

from model_helpers import PAGE
from model_helpers import tiny_settings as _settings

pytestmark = [
    pytest.mark.data,
]


def test_a_tiny_run_is_tracked_registered_and_its_pyfunc_predicts(prepared: Path, tmp_path: Path) -> None:
    metrics = train(_settings(prepared, tmp_path, rounds=40), root=tmp_path)
    assert 0.0 < metrics["test_page_f1"] <= 1.0 and 0.0 < metrics["threshold"] < 1.0

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = MlflowClient()
    run = client.search_runs([client.get_experiment_by_name("e2e").experiment_id])[0]
    assert run.info.status == "FINISHED"
    assert {"val_line_f1", "test_line_pr_auc", "test_page_f1", "train_seconds"} <= set(run.data.metrics)
    assert run.data.params["model.num_boost_round"] == "40"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert {"figures/feature_importance.png", "figures/pr_curve.png", "figures/confusion_matrix.png",
            "figures/per_dataset_f1.png"} <= artifacts
    assert {i.dataset.name for i in run.inputs.dataset_inputs} == {"chromecut-train", "chromecut-val", "chromecut-test"}

    champion = client.get_model_version_by_alias("chromecut-html", "champion")
    model = mlflow.pyfunc.load_model("models:/chromecut-html@champion")
    out = model.predict(pd.DataFrame({"html": [PAGE]}))
    assert list(out.columns) == ["id", "text", "labels", "error"]
    assert out.loc[0, "error"] == "" and "council approved" in out.loc[0, "text"]
    assert "Home" not in out.loc[0, "text"].split("\n")

    # A challenger that keeps almost nothing scores worse on the same test pages: the alias stays put.
    weak = train(_settings(prepared, tmp_path, rounds=40, threshold=0.999), root=tmp_path)
    assert weak["test_page_f1"] < metrics["test_page_f1"]
    assert client.get_model_version_by_alias("chromecut-html", "champion").version == champion.version
    assert len(client.search_model_versions("name='chromecut-html'")) == 2


def test_a_failing_run_is_marked_failed_and_registers_nothing(prepared: Path, tmp_path: Path) -> None:
    settings = _settings(prepared, tmp_path, rounds=5)
    broken = TrainSettings(data=settings.data, model=ModelSettings(line_weight="nonsense"),
                           tracking=settings.tracking, output_dir=settings.output_dir)
    with pytest.raises(ValueError, match="line_weight"):
        train(broken, root=tmp_path)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = MlflowClient()
    run = client.search_runs([client.get_experiment_by_name("e2e").experiment_id])[0]
    assert run.info.status == "FAILED"
    assert not client.search_registered_models()
    assert not (tmp_path / "bundle").exists()
