"""The DVC pipeline end to end on the smoke config: two ``dvc exp run -S ...`` experiments that ``dvc exp show``,
``dvc metrics show``, ``dvc plots`` and the MLflow store all list and compare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import pytest
import yaml

from chromecut.pipeline import REPORT_DIR

from model_helpers import SMOKE_EXPERIMENTS, SmokeProject

pytestmark = [pytest.mark.data, pytest.mark.xdist_group("smoke_pipeline")]

TRAIN_METRICS = {mode: f"{REPORT_DIR}/train-{mode}/metrics.json" for mode in ("html", "text")}
LODO_METRICS = {mode: f"{REPORT_DIR}/lodo-{mode}.json" for mode in ("html", "text")}
BENCH_METRICS = f"{REPORT_DIR}/bench.json"
#: Chance level of a page F1 is far below this: a model that learned nothing fails it.
MIN_SMOKE_PAGE_F1 = 0.6


def _experiments(project: SmokeProject) -> dict[str, dict[str, Any]]:
    """``dvc exp show --json``: each named experiment's params and metrics (file -> values)."""
    shown = json.loads(project.run("dvc", "exp", "show", "--json").stdout)
    found: dict[str, dict[str, Any]] = {}
    for baseline in shown:
        for experiment in baseline.get("experiments") or []:
            for rev in experiment["revs"]:
                data = rev["data"]
                found[rev["name"]] = {
                    "params": data["params"]["params.yaml"]["data"],
                    "metrics": {path: entry["data"] for path, entry in (data.get("metrics") or {}).items()},
                }
    return found


def test_exp_show_compares_both_experiments(smoke_project: SmokeProject) -> None:
    experiments = _experiments(smoke_project)
    names = [name for name, _ in SMOKE_EXPERIMENTS]
    assert set(names) <= set(experiments), f"dvc exp show lists {sorted(experiments)}"
    leaves = [experiments[name]["params"]["model"]["num_leaves"] for name in names]
    assert leaves == [63, 15]
    for name in names:
        params, metrics = experiments[name]["params"], experiments[name]["metrics"]
        assert params["data"]["processed_dir"] == "data/processed-smoke"  # composed from experiment=smoke
        for mode in ("html", "text"):
            assert metrics[TRAIN_METRICS[mode]]["test_page_f1"] > MIN_SMOKE_PAGE_F1
            lodo = metrics[LODO_METRICS[mode]]
            assert lodo["held_out"] == len(params["evaluate"]["datasets"])
            assert set(lodo["by_dataset"]) == set(params["evaluate"]["datasets"])
        assert {"chromecut-html", "trafilatura", "resiliparse"} <= set(metrics[BENCH_METRICS])
    first, second = (experiments[name]["metrics"][TRAIN_METRICS["html"]] for name in names)
    assert first != second  # different trees, different scores


def test_metrics_show_lists_every_stage(smoke_project: SmokeProject) -> None:
    shown = json.loads(smoke_project.run("dvc", "metrics", "show", "--json").stdout)
    files = {path: entry["data"] for revision in shown.values() for path, entry in revision["data"].items()}
    assert {*TRAIN_METRICS.values(), *LODO_METRICS.values(), BENCH_METRICS, f"{REPORT_DIR}/prepare.json"} <= set(files)
    assert files[f"{REPORT_DIR}/prepare.json"]["wcxb"]["oracle_f1"] > MIN_SMOKE_PAGE_F1
    assert "trafilatura" in files[LODO_METRICS["html"]]["mean"]
    assert "justext" in files[LODO_METRICS["text"]]["mean"]


def test_plots_render(smoke_project: SmokeProject, tmp_path: Path) -> None:
    smoke_project.run("dvc", "plots", "show", "-o", str(tmp_path / "plots"))
    page = (tmp_path / "plots" / "index.html").read_text(encoding="utf-8")
    for plot in ("train-html_pr_curve_csv", "train-text_pr_curve_csv", "lodo-html_csv", "lodo-text_csv"):
        assert f"reports_dvc_{plot}" in page


def test_pipeline_is_up_to_date_after_the_run(smoke_project: SmokeProject) -> None:
    status = json.loads(smoke_project.run("dvc", "status", "--json").stdout)
    assert status == {}
    assert "up to date" in smoke_project.run("dvc", "repro").stdout


def test_workspace_params_are_the_composed_smoke_config(smoke_project: SmokeProject) -> None:
    params = yaml.safe_load((smoke_project.root / "params.yaml").read_text(encoding="utf-8"))
    assert params["model"]["num_leaves"] == 15 and params["data"]["max_pages_per_dataset"] == 30
    assert (smoke_project.root / "models" / "html" / "schema.json").is_file()


def test_mlflow_tracked_every_training_of_both_experiments(smoke_project: SmokeProject) -> None:
    client = mlflow.MlflowClient(smoke_project.tracking_uri)
    experiment = client.get_experiment_by_name("chromecut")
    assert experiment is not None
    runs = {run.info.run_name: run for run in client.search_runs([experiment.experiment_id])}
    for name, _ in SMOKE_EXPERIMENTS:
        for mode in ("html", "text"):
            run = runs[f"dvc-{name}-{mode}"]
            assert run.info.status == "FINISHED" and run.data.metrics["test_page_f1"] > MIN_SMOKE_PAGE_F1
    assert {runs[f"dvc-{name}-html"].data.params["model.num_leaves"] for name, _ in SMOKE_EXPERIMENTS} == {"63", "15"}
    assert client.get_model_version_by_alias("chromecut-html", "champion").version
