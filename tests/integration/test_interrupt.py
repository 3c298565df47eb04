"""An interrupted training (SIGINT mid-run, as Ctrl-C sends it) leaves no bundle, no registered model and no
champion alias; its MLflow run ends KILLED (MLflow's failed state for an interrupted run); a rerun succeeds."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import RunStatus

pytestmark = [
    pytest.mark.data,
]
EXPERIMENT = "interrupt"
#: Seconds to wait for the run to start, and for the interrupted process to end.
START_SECONDS = 180.0
STOP_SECONDS = 120.0
#: Seconds between the run's start and the SIGINT: past loading and featurising the pages, into the fit.
INTO_THE_RUN_SECONDS = 8.0
POLL_SECONDS = 0.5
#: Boosting rounds of the interrupted run: far more than it can do before the signal (no early stopping).
ENDLESS_ROUNDS = 1_000_000
RERUN_TIMEOUT_SECONDS = 600


def _command(prepared: Path, store: Path, rounds: int) -> list[str]:
    return [
        str(Path(sys.executable).parent / "chromecut-train"),
        f"data.processed_dir={prepared}", "data.permissive_only=false",
        f"tracking.tracking_uri=sqlite:///{store / 'mlflow.db'}", f"tracking.experiment={EXPERIMENT}",
        f"output_dir={store / 'bundle'}", "model.num_threads=1", f"model.num_boost_round={rounds}",
        f"model.early_stopping_rounds={rounds}", "model.min_data_in_leaf=5", "model.context_pass=false",
        f"hydra.run.dir={store / 'hydra'}",
    ]


def _runs(store: Path) -> list[mlflow.entities.Run]:
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(EXPERIMENT)
    return [] if experiment is None else client.search_runs([experiment.experiment_id])


def _a_run_started(store: Path) -> bool:
    """Whether the training has created its MLflow run, read without MLflow: an MlflowClient on a store that the
    training is still creating would race it to create the tables ("table ... already exists")."""
    try:
        with closing(sqlite3.connect(f"file:{store / 'mlflow.db'}?mode=ro", uri=True)) as db:
            return bool(db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:  # no store yet, no runs table yet, or the store is locked
        return False


def _default_sigint() -> None:
    # pytest-xdist workers ignore SIGINT, and an ignored signal stays ignored across exec: Python would then not
    # turn it into KeyboardInterrupt. Give the training the disposition a terminal gives it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_mid_run_leaves_nothing_half_done_and_a_rerun_succeeds(prepared: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CHROMECUT_ROOT": str(tmp_path), "OMP_NUM_THREADS": "1"}
    log = tmp_path / "train.log"  # a file, not a pipe: a full pipe would block the training
    with log.open("wb") as stderr:
        training = subprocess.Popen(_command(prepared, tmp_path, ENDLESS_ROUNDS), cwd=tmp_path, env=env,
                                    stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _a_run_started(tmp_path):
            assert training.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the training run never started"
            time.sleep(POLL_SECONDS)
        time.sleep(INTO_THE_RUN_SECONDS)
        assert training.poll() is None, "the training ended before it could be interrupted"
        training.send_signal(signal.SIGINT)
        training.wait(timeout=STOP_SECONDS)
    finally:
        if training.poll() is None:
            training.kill()
    assert training.returncode != 0
    assert "KeyboardInterrupt" in log.read_text(errors="replace")

    (run,) = _runs(tmp_path)
    assert run.info.status == RunStatus.to_string(RunStatus.KILLED)
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert not client.search_registered_models()  # so no version and no champion alias either
    assert not (tmp_path / "bundle").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".bundle")]  # no staging folder left

    rerun = subprocess.run(_command(prepared, tmp_path, 30), cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=RERUN_TIMEOUT_SECONDS, check=False)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    statuses = sorted(r.info.status for r in _runs(tmp_path))
    assert statuses == ["FINISHED", "KILLED"]
    assert (tmp_path / "bundle" / "schema.json").is_file()
    champion = client.get_model_version_by_alias("chromecut-html", "champion")
    finished = next(r for r in _runs(tmp_path) if r.info.status == "FINISHED")
    assert champion.run_id == finished.info.run_id


def test_a_run_interrupted_while_registering_deletes_the_version_it_registered(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromecut.train.core import train

    from model_helpers import tiny_settings

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(MlflowClient, "set_registered_model_alias", interrupted)  # Ctrl-C as the alias moves
    with pytest.raises(KeyboardInterrupt):
        train(tiny_settings(prepared, tmp_path, rounds=10), root=tmp_path)
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    (run,) = client.search_runs([client.get_experiment_by_name("e2e").experiment_id])
    assert run.info.status == "KILLED"
    assert not client.search_registered_models()
