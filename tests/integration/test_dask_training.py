"""Training on Dask (model=lgbm_dask) on a LocalCluster of two workers: the run is tracked like any other,
exports the usual bundle (it loads, checksums and all) and scores within noise of the local model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

from chromecut.model.bundle import Bundle
from chromecut.predict import Cleaner
from chromecut.train.core import train

from model_helpers import PAGE, tiny_settings

pytest.importorskip("lightgbm.dask")
pytest.importorskip("distributed")

pytestmark = [
    pytest.mark.data,
]
#: How far the Dask model's scores may be from the local model's: data-parallel LightGBM builds its trees from
#: histograms merged across workers, and its bin boundaries from each worker's share of the table, so on this
#: table of a few dozen pages the trees differ from the single-process ones, and from one Dask run to the next
#: (both workers always held one partition; which one is which likely follows their addresses). Measured at
#: the fixed threshold, 8 Dask runs against the local model: test page F1 -0.029 to +0.011, line PR-AUC -0.044
#: to +0.005 (an earlier bound of 0.02 / 0.04, from 4 runs, failed on a fifth). A broken Dask path (labels out of
#: line with the features) scores near chance, far outside these bounds and below MIN_PAGE_F1.
PAGE_F1_NOISE = 0.04
PR_AUC_NOISE = 0.06
#: The Dask model's test page F1 was 0.928-0.968 in those runs (the local model's 0.957).
MIN_PAGE_F1 = 0.85
#: The decision threshold of both models.
THRESHOLD = 0.5
ROUNDS = 40


def test_dask_training_is_tracked_and_scores_like_the_local_model(prepared: Path, tmp_path: Path) -> None:
    local_settings = tiny_settings(prepared, tmp_path / "local", rounds=ROUNDS, threshold=THRESHOLD)
    local = train(local_settings, root=tmp_path)
    base = tiny_settings(prepared, tmp_path / "dask", rounds=ROUNDS, threshold=THRESHOLD)
    dask_settings = dataclasses.replace(base, model=dataclasses.replace(base.model, kind="lgbm_dask", dask_workers=2))
    remote = train(dask_settings, root=tmp_path)

    assert abs(remote["test_page_f1"] - local["test_page_f1"]) <= PAGE_F1_NOISE
    assert abs(remote["test_line_pr_auc"] - local["test_line_pr_auc"]) <= PR_AUC_NOISE
    assert remote["test_page_f1"] > MIN_PAGE_F1 and remote["threshold"] == THRESHOLD

    bundle = Bundle.load(tmp_path / "dask" / "bundle")
    assert bundle.classifier.context_booster_ is not None
    assert bundle.feature_names == Bundle.load(tmp_path / "local" / "bundle").feature_names
    assert "council approved" in Cleaner(bundle).clean(PAGE)

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'dask' / 'mlflow.db'}")
    client = MlflowClient()
    run = client.search_runs([client.get_experiment_by_name("e2e").experiment_id])[0]
    assert run.info.status == "FINISHED"
    assert run.data.params["model.kind"] == "lgbm_dask" and run.data.params["model.dask_workers"] == "2"
    assert {"test_page_f1", "val_line_f1", "best_iteration"} <= set(run.data.metrics)
    assert client.get_model_version_by_alias("chromecut-html", "champion").run_id == run.info.run_id
