"""The DVC pipeline's stage code: composed parameters, typed settings, per-mode settings, reports."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from chromecut import pipeline
from chromecut.settings import (
    DataSettings,
    FeatureSettings,
    ModelSettings,
    PipelineSettings,
    TrainSettings,
    pipeline_settings_from_dict,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _committed_params() -> str:
    """params.yaml as committed (the workspace copy holds the last `dvc exp run`'s composition)."""
    shown = subprocess.run(["git", "show", "HEAD:params.yaml"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if shown.returncode == 0:
        return shown.stdout
    return (PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8")  # not a git checkout


def test_committed_params_are_conf_composed_as_dvc_composes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    composed = pipeline.compose_params(PROJECT_ROOT / pipeline.CONFIG_DIR)
    assert composed == _committed_params(), "conf/ changed: run `make params` and commit params.yaml"


def test_dvc_composes_the_same_params_as_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DVC composes in a process of its own, where only Hydra's plugin scan of the ``plugins_path`` that
    ``.dvc/config`` names can register the schema: done here in a fresh interpreter, as DVC does it."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    config = (PROJECT_ROOT / ".dvc" / "config").read_text(encoding="utf-8")
    plugins = next(line.split("=", 1)[1].strip() for line in config.splitlines() if "plugins_path" in line)
    overrides = ["experiment=smoke", "model.num_leaves=15"]
    script = ("import sys; from dvc.utils.hydra import compose_and_dump; "
              "compose_and_dump(sys.argv[1], sys.argv[2], None, 'config', sys.argv[3], sys.argv[4:])")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "params.yaml"), str(PROJECT_ROOT / "conf"),
                    str(PROJECT_ROOT / plugins), *overrides], check=True, cwd=tmp_path)
    assert (tmp_path / "params.yaml").read_text(encoding="utf-8") == pipeline.compose_params(
        PROJECT_ROOT / "conf", overrides)


def test_params_become_typed_settings() -> None:
    settings = pipeline_settings_from_dict(yaml.safe_load(_committed_params()))
    assert isinstance(settings, PipelineSettings) and isinstance(settings.train, TrainSettings)
    assert settings.evaluate.fold_max_pages == 300 and settings.bench.pages == 300
    smoke = pipeline_settings_from_dict(yaml.safe_load(pipeline.compose_params(PROJECT_ROOT / "conf",
                                                                               ["experiment=smoke"])))
    assert smoke.train.data.processed_dir == "data/processed-smoke" and smoke.evaluate.datasets


def test_unknown_or_missing_params_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="dvc exp run"):
        pipeline.load_params(tmp_path / "params.yaml")
    (tmp_path / "params.yaml").write_text("evaluate:\n  fold_max_page: 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="fold_max_page"):
        pipeline.load_params(tmp_path / "params.yaml")
    (tmp_path / "params.yaml").write_text("seeds: 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="seeds"):
        pipeline.load_params(tmp_path / "params.yaml")


def test_mode_settings_name_the_run_after_the_dvc_experiment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pipeline.DVC_EXPERIMENT_ENV, "bushy-tree")
    settings = pipeline.mode_settings(TrainSettings(ship_to="src/chromecut/bundles/html"), "text")
    assert settings.features.mode == "text" and settings.ship_to is None
    assert settings.output_dir == os.path.join("models", "text")
    assert settings.report_dir == os.path.join("reports", "dvc", "train-text")
    assert settings.tracking.run_name == "dvc-bushy-tree-text"
    monkeypatch.delenv(pipeline.DVC_EXPERIMENT_ENV)
    assert pipeline.mode_settings(TrainSettings(), "html").tracking.run_name == "dvc-html"


def test_lodo_metrics_count_where_chromecut_is_best() -> None:
    report = {"mode": "html", "datasets": {
        "a": {"pages": 3, "chromecut": {"page_f1": 0.9, "line_f1": 0.8}, "trafilatura": {"page_f1": 0.7}},
        "b": {"pages": 2, "chromecut": {"page_f1": 0.5, "line_f1": 0.4}, "trafilatura": {"page_f1": 0.6}},
    }}
    metrics = pipeline.lodo_metrics(report)
    assert metrics["chromecut_best_on"] == 1 and metrics["held_out"] == 2
    assert metrics["mean"] == {"chromecut": 0.7, "trafilatura": 0.65}
    assert metrics["by_dataset"]["b"] == {"chromecut": 0.5, "trafilatura": 0.6}
    text = pipeline.lodo_metrics({"mode": "text", "datasets": {
        "a": {"chromecut": {"page_f1": 0.9, "line_f1": 0.8}, "justext": {"line_f1": 0.85}}}})
    assert text["metric"] == "line_f1" and text["chromecut_best_on"] == 0


def test_bench_arguments_time_the_pipeline_bundles(tmp_path: Path) -> None:
    settings = pipeline_settings_from_dict({"bench": {"pages": 12, "datasets": ["dragnet"], "rss_repeats": []}})
    arguments = pipeline.bench_arguments(settings, tmp_path, tmp_path / "report.json")
    assert arguments[:3] == ["speed", "--pages", "12"]
    assert arguments[arguments.index("--html-model") + 1] == str(tmp_path / "models" / "html")
    assert arguments[arguments.index("--datasets") + 1] == "dragnet"
    assert arguments[arguments.index("--rss-repeats") + 1] == ""
    assert arguments[arguments.index("--rounds") + 1] == "3"


@pytest.mark.parametrize("stage", ["train", "evaluate"])
def test_the_learning_stages_list_every_setting_they_learn_with(stage: str) -> None:
    """A setting missing from a stage's ``params`` changes the models while DVC reports the stage up to date."""
    stages = yaml.safe_load((PROJECT_ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    listed = set(stages[stage]["do"]["params"])
    set_by_the_stage = {"features.mode"}
    for group, settings_type in (("data", DataSettings), ("features", FeatureSettings), ("model", ModelSettings)):
        for item in fields(settings_type):
            name = f"{group}.{item.name}"
            if name not in set_by_the_stage:
                assert group in listed or name in listed, f"dvc.yaml stage {stage} does not list {name}"
    assert "seed" in listed
