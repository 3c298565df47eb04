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
    assert 0.0 < metrics["test_page_precision"] <= 1.0 and 0.0 < metrics["test_page_recall"] <= 1.0

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
    # The signature declares the request parameters, so MLflow passes them on to the model.
    assert {param.name for param in model.metadata.get_params_schema().params} == {"threshold", "reflow"}
    strict = model.predict(pd.DataFrame({"html": [PAGE]}), params={"threshold": 0.999, "reflow": False})
    assert len(strict.loc[0, "text"]) < len(out.loc[0, "text"])

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


def _fold_run(prepared: Path, tmp_path: Path, **model: str) -> dict[str, float]:
    """A tiny run whose ``model`` settings (``threshold_policy``, ``calibration``) fit a fold model per training
    dataset, on a coarse threshold grid, with a report folder."""
    from dataclasses import replace

    settings = _settings(prepared, tmp_path, rounds=30)
    settings = replace(settings, model=replace(settings.model, threshold_grid_points=21, **model),
                       report_dir=str(tmp_path / "report"))
    return train(settings, root=tmp_path)


@pytest.mark.slow  # a run plus a fold model per training dataset
def test_the_lodo_threshold_is_the_bundles_and_its_curves_are_logged(prepared: Path, tmp_path: Path) -> None:
    from chromecut.model.bundle import Bundle

    metrics = _fold_run(prepared, tmp_path, threshold_policy="lodo")
    assert metrics["threshold"] == metrics["lodo_threshold"]
    assert {"lodo_page_f1", "val_threshold", "lodo_page_f1.readability", "lodo_best_threshold.chinese-wce",
            "lodo_page_f1_at_val_threshold"} <= set(metrics)
    # The chosen threshold is the best of the held-out curve, so the validation threshold never beats it there.
    assert metrics["lodo_page_f1"] >= metrics["lodo_page_f1_at_val_threshold"]
    if metrics["threshold"] != metrics["val_threshold"]:
        assert {"test_page_f1_at_val_threshold", "test_page_precision_at_val_threshold"} <= set(metrics)

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = MlflowClient()
    run = client.search_runs([client.get_experiment_by_name("e2e").experiment_id])[0]
    assert {"lodo_threshold", "lodo_page_f1", "val_threshold", "lodo_seconds"} <= set(run.data.metrics)
    assert Bundle.load(tmp_path / "bundle").threshold == pytest.approx(run.data.metrics["lodo_threshold"])
    tables = {a.path for a in client.list_artifacts(run.info.run_id, "tables")}
    assert {"tables/lodo_threshold_curve.csv", "tables/lodo_threshold_curve.json",
            "tables/lodo_reliability.json"} <= tables
    figures = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert {"figures/lodo_threshold_curve.png", "figures/lodo_reliability.png"} <= figures

    curve = pd.read_csv(tmp_path / "report" / "lodo_threshold_curve.csv")
    assert list(curve.columns) == ["threshold", "chinese-wce", "readability", "mean"]
    assert curve["threshold"].iloc[0] == 0.0 and curve["threshold"].iloc[-1] == 1.0 and len(curve) == 21
    assert curve.loc[curve["mean"].idxmax(), "threshold"] == pytest.approx(metrics["lodo_threshold"])



@pytest.mark.slow  # a run plus a fold model per training dataset
def test_a_lodo_calibration_keeps_the_decisions_and_makes_p_content_the_calibrated_probability(
        prepared: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from chromecut.model.bundle import SCHEMA_FILE, Bundle
    from chromecut.model.calibration import Calibration
    from chromecut.predict import Cleaner

    metrics = _fold_run(prepared, tmp_path, calibration="lodo")
    # The validation policy still chooses the threshold; the folds only fit the calibration.
    assert metrics["threshold"] == metrics["val_threshold"]
    assert {"calibration_slope", "calibration_intercept", "held_out_ece", "held_out_ece_calibrated",
            "held_out_ece.readability", "held_out_ece_calibrated.chinese-wce"} <= set(metrics)
    bundle = Bundle.load(tmp_path / "bundle")
    assert bundle.calibration.slope == pytest.approx(metrics["calibration_slope"])
    assert bundle.calibration.intercept == pytest.approx(metrics["calibration_intercept"])
    assert "calibration" in (tmp_path / "bundle" / SCHEMA_FILE).read_text()
    assert bundle.threshold == pytest.approx(metrics["threshold"])

    labels = Cleaner(bundle).label(PAGE)
    uncalibrated = Cleaner(replace(bundle, calibration=Calibration())).label(PAGE)
    assert [line.content for line in labels] == [line.content for line in uncalibrated]
    assert [line.p_content for line in labels] == pytest.approx(
        bundle.calibration(pd.Series([line.p_content for line in uncalibrated]).to_numpy()).tolist(), abs=1e-12)

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = MlflowClient()
    run = client.search_runs([client.get_experiment_by_name("e2e").experiment_id])[0]
    assert {"calibration_slope", "held_out_ece_calibrated"} <= set(run.data.metrics)
    figures = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert {"figures/lodo_reliability.png", "figures/lodo_reliability_calibrated.png"} <= figures
    tables = {a.path for a in client.list_artifacts(run.info.run_id, "tables")}
    assert "tables/lodo_reliability_calibrated.json" in tables


def test_a_smoothed_run_ships_its_smoothing_and_scores_its_pages_with_it(prepared: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from chromecut.model.bundle import Bundle

    settings = _settings(prepared, tmp_path, rounds=20)
    settings = replace(settings, tracking=replace(settings.tracking, enabled=False))
    plain = train(settings, root=tmp_path)
    smoothed = train(replace(settings, model=replace(settings.model, smoothing=4.0),
                             output_dir=str(tmp_path / "smoothed")), root=tmp_path)
    assert smoothed["threshold"] == plain["threshold"]  # the same trees and threshold: only the decision differs
    bundle = Bundle.load(tmp_path / "smoothed")
    assert bundle.smoothing == 4.0 and Bundle.load(tmp_path / "bundle").smoothing == 0.0
    with pytest.raises(ValueError, match="smoothing"):
        train(replace(settings, model=replace(settings.model, smoothing=-1.0)), root=tmp_path)
    # The fallback is the settings' and the bundle keeps it; the plain run's is the default's.
    assert Bundle.load(tmp_path / "bundle").fallback_chars == settings.model.fallback_chars > 0
    without = train(replace(settings, model=replace(settings.model, fallback_chars=0),
                            output_dir=str(tmp_path / "without")), root=tmp_path)
    assert without["threshold"] == plain["threshold"] and Bundle.load(tmp_path / "without").fallback_chars == 0
    with pytest.raises(ValueError, match="fallback_chars"):
        train(replace(settings, model=replace(settings.model, fallback_chars=-1)), root=tmp_path)


def test_a_run_with_ensemble_with_ships_an_ensemble_and_measures_its_mean(prepared: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from chromecut.model.bundle import Bundle
    from chromecut.model.ensemble import Ensemble, load_model
    from chromecut.predict import Cleaner

    first = train(replace(_settings(prepared, tmp_path, rounds=8), output_dir=str(tmp_path / "first"),
                          ship_to=None), root=tmp_path)
    settings = _settings(prepared, tmp_path, rounds=40)
    joined = train(replace(settings, model=replace(settings.model, ensemble_with=("first",))), root=tmp_path)
    model = load_model(tmp_path / "bundle")
    assert isinstance(model, Ensemble) and len(model.members) == 2
    assert model.threshold == pytest.approx(joined["threshold"])
    assert model.card["members"][0]["metrics"]["test_page_f1"] == pytest.approx(first["test_page_f1"], abs=1e-5)
    # The run scores what it ships: the mean of the members' probabilities at the ensemble's threshold.
    mean = Cleaner(model).label(PAGE)
    alone = [Cleaner(member).label(PAGE) for member in model.members]
    assert [line.p_content for line in mean] == pytest.approx(
        [(a.p_content + b.p_content) / 2 for a, b in zip(*alone, strict=True)])
    assert isinstance(model.members[1], Bundle) and model.members[0].threshold != model.threshold

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    pyfunc = mlflow.pyfunc.load_model("models:/chromecut-html/2")
    out = pyfunc.predict(pd.DataFrame({"html": [PAGE]}))
    assert out.loc[0, "error"] == "" and out.loc[0, "text"] == Cleaner(model).clean(PAGE)


@pytest.mark.parametrize("model", [{"threshold_policy": "val_pages"}, {"smoothing": 1.0}])
def test_an_ensemble_run_refuses_what_one_threshold_on_the_mean_cannot_keep(prepared: Path, tmp_path: Path,
                                                                          model: dict[str, object]) -> None:
    from dataclasses import replace

    settings = _settings(prepared, tmp_path, rounds=5)
    ensemble = replace(settings, model=replace(settings.model, ensemble_with=("html",), **model))
    with pytest.raises(ValueError, match="ensemble_with needs"):
        train(ensemble, root=tmp_path)
