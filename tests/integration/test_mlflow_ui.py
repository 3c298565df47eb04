"""``mlflow ui`` on the store a real (smoke DVC) training filled: the runs, their metrics and the champion alias
are listed through its REST API; ``make ui`` opens the project's store on loopback."""

from __future__ import annotations

import re
import subprocess

import pytest

from model_helpers import (
    PROJECT_ROOT,
    SMOKE_EXPERIMENTS,
    SmokeProject,
    free_port,
    http_json,
    venv_bin,
    wait_until_serving,
)

pytestmark = [pytest.mark.data, pytest.mark.xdist_group("smoke_pipeline")]


def test_make_ui_serves_the_project_store_on_loopback() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^ui:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert rule is not None
    assert "--host 127.0.0.1" in rule.group(1) and "sqlite:///$(CURDIR)/mlflow.db" in rule.group(1)


def test_mlflow_ui_lists_runs_metrics_and_champion(smoke_project: SmokeProject) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(venv_bin() / "mlflow"), "ui", "--backend-store-uri", smoke_project.tracking_uri,
         "--host", "127.0.0.1", "--port", str(port)],
        env=smoke_project.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_until_serving(server, f"{base}/health")
        api = f"{base}/api/2.0/mlflow"
        experiment = http_json(f"{api}/experiments/get-by-name?experiment_name=chromecut")["experiment"]
        runs = http_json(f"{api}/runs/search", {"experiment_ids": [experiment["experiment_id"]], "max_results": 100})
        by_name = {run["info"]["run_name"]: run for run in runs["runs"]}
        for name, _ in SMOKE_EXPERIMENTS:
            run = by_name[f"dvc-{name}-html"]
            assert run["info"]["status"] == "FINISHED"
            metrics = {metric["key"]: metric["value"] for metric in run["data"]["metrics"]}
            assert 0.0 < metrics["test_page_f1"] <= 1.0
        alias = http_json(f"{api}/registered-models/alias?name=chromecut-html&alias=champion")
        champion = alias["model_version"]
        assert champion["name"] == "chromecut-html" and "champion" in champion["aliases"]
        assert champion["run_id"] in {run["info"]["run_id"] for run in runs["runs"]}
        page = http_json(f"{api}/registered-models/get?name=chromecut-text")
        assert page["registered_model"]["name"] == "chromecut-text"
    finally:
        server.terminate()
        server.wait(timeout=30)
