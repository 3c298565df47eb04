"""``chromecut-train -m``: a grid sweep and the in-memory Optuna sweeper; every job nests under one parent run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

pytestmark = [
    pytest.mark.data,
]
SWEEP_TIMEOUT_SECONDS = 600


def _sweep(prepared: Path, store: Path, *overrides: str) -> None:
    command = [
        str(Path(sys.executable).parent / "chromecut-train"), "-m",
        f"data.processed_dir={prepared}", "data.permissive_only=false",
        f"tracking.tracking_uri=sqlite:///{store / 'mlflow.db'}", "tracking.experiment=sweep",
        "tracking.register=false", f"output_dir={store / 'bundle'}", "model.num_threads=1",
        "model.num_boost_round=10", "model.context_pass=false", f"hydra.sweep.dir={store / 'multirun'}",
        *overrides,
    ]
    done = subprocess.run(command, cwd=store, capture_output=True, text=True, timeout=SWEEP_TIMEOUT_SECONDS,
                          env={**os.environ, "CHROMECUT_ROOT": str(store)}, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def _runs(store: Path) -> tuple[list[mlflow.entities.Run], list[mlflow.entities.Run]]:
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")
    client = MlflowClient()
    runs = client.search_runs([client.get_experiment_by_name("sweep").experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    return parents, children


def test_a_grid_sweep_nests_its_runs_under_one_parent(prepared: Path, tmp_path: Path) -> None:
    _sweep(prepared, tmp_path, "model.num_leaves=7,15")
    parents, children = _runs(tmp_path)
    assert len(parents) == 1 and len(children) == 2
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}
    assert sorted(c.data.params["model.num_leaves"] for c in children) == ["15", "7"]
    assert all("val_page_f1" in c.data.metrics for c in children)


def test_the_optuna_sweeper_runs_in_memory(prepared: Path, tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    _sweep(prepared, tmp_path, "experiment=tune", "hydra.sweeper.n_trials=2")
    parents, children = _runs(tmp_path)
    assert len(parents) == 1 and len(children) == 2
    assert not list(tmp_path.glob("*.db-journal")) and not (tmp_path / "optuna.db").exists()
