"""Training: ``train(settings) -> metrics`` on the prepared table.

The run: select datasets (permissively licensed by default), build the html or text line frame
(:mod:`chromecut.train.frame`), featurise whole pages, fit the two-pass classifier on the labelled lines of the
train split with early stopping on the validation split (both by site) and the decision threshold tuned for line
F1 on validation (:mod:`chromecut.train.fit`), score validation and test (line level and page-level shingle F1
per dataset, :mod:`chromecut.evaluate.scores`), save the bundle, and track everything in MLflow
(:mod:`chromecut.train.tracking`). The ``chromecut-train`` Hydra app is :mod:`chromecut.train.app`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.datasets import DATASETS
from chromecut.evaluate.scores import line_metrics, page_scores, score_bundle
from chromecut.labels import Label
from chromecut.model.ensemble import Model, load_model
from chromecut.model.estimator import BoosterFit, fit_booster
from chromecut.settings import TrainSettings, resolve_path
from chromecut.train import ensemble as ensembles
from chromecut.train.definition import split_weights
from chromecut.train.fit import booster_fit, fit_bundle
from chromecut.train.frame import (
    build_frame,
    featurize_parts,
    load_renderings,
    load_table,
    register_own_datasets,
    selected_datasets,
    split_frames,
)
from chromecut.train.threshold import choose_threshold, validation_threshold

ROOT_ENV = "CHROMECUT_ROOT"


def project_root() -> Path:
    """The folder every relative path of a run is resolved against: ``$CHROMECUT_ROOT``, else the current one."""
    return Path(os.environ.get(ROOT_ENV) or Path.cwd()).resolve()


def train(settings: TrainSettings, root: Path | None = None) -> dict[str, float]:
    """Train, evaluate, save and track one model; return its metrics (``objective`` is val page F1)."""
    from chromecut.train import tracking

    root = root or project_root()
    with tracking.Tracker(settings, root) as tracker, booster_fit(settings.model) as fit:
        return _train(settings, root, tracker, fit)


def _train(settings: TrainSettings, root: Path, tracker: Any, fit: BoosterFit = fit_booster) -> dict[str, float]:
    from chromecut.train import tracking

    started = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    register_own_datasets(settings.data, root)
    datasets = selected_datasets(settings.data)
    if not datasets:
        raise ValueError("no dataset selected: check data.datasets, data.permissive_only and data.exclude_datasets")
    if not settings.model.smoothing >= 0:
        raise ValueError(f"model.smoothing is a switch cost of 0 or more, not {settings.model.smoothing}")
    if not settings.model.fallback_chars >= 0:
        raise ValueError(f"model.fallback_chars is a number of characters, 0 or more, not "
                         f"{settings.model.fallback_chars}")
    members = []
    if settings.model.ensemble_with:
        ensembles.check_settings(settings.model)
        members = ensembles.load_members(list(settings.model.ensemble_with), settings.features.mode, root)
    read_lines = getattr(fit, "read_lines", None)  # an engine that reads the table itself (Dask) says how
    lines, pages = load_table(settings.data, root, read_lines)
    frame = build_frame(lines, pages, datasets, settings.data)
    del lines
    learn_from_dumps = settings.features.mode == "text" and settings.features.learn_from_renderings
    renderings = load_renderings(settings.data, root, datasets) if learn_from_dumps else None
    parts = split_frames(frame, settings.features, rng, renderings)
    del renderings
    empty = [split for split in ("train", "val") if not len(parts[split])]
    if empty:
        raise ValueError(f"no {' and no '.join(empty)} pages in {', '.join(datasets)}: pages are split by site, so a "
                         "dataset of a few sites may have none; give your own pages their split (docs/data.md)")
    featurizer, features = featurize_parts(parts, settings.features)
    featurize_seconds = time.perf_counter() - started

    labelled = {split: (part["label"].to_numpy() != Label.UNKNOWN) for split, part in parts.items()}
    ys = {s: parts[s]["label"].to_numpy()[labelled[s]].astype(np.int8) for s in parts}
    definition = split_weights(parts, settings.data)
    bundle, probs = fit_bundle(featurizer, parts, features, settings.model, settings.seed, fit, definition)
    booster = bundle.classifier.context_booster_ or bundle.classifier.booster_
    fit_seconds = time.perf_counter() - started - featurize_seconds
    # The classifier's: best weighted line F1 on the validation sites (``oof``: and the training sites, out of fold).
    line_threshold = bundle.threshold
    if members:  # the run measures and ships the ensemble: its mean probabilities, its own ``val`` threshold
        probs.update(ensembles.mean_probabilities(members, parts, probs))
        line_threshold = ensembles.validation_threshold(parts["val"], probs["val"], settings.model,
                                                        definition.get("val", 1.0))
    by_pages = None
    if settings.model.threshold_policy == "val_pages":
        by_pages = validation_threshold(parts["val"], probs["val"], pages, settings.model.threshold_grid_points,
                                        settings.model.fallback_chars)
    choice = choose_threshold(frame, pages, settings, root, line_threshold if by_pages is None else by_pages, fit)
    model: Model
    if members:
        model = ensembles.ensemble(members, bundle, choice.threshold)
    else:
        bundle.classifier.threshold_ = choice.threshold
        bundle.calibration = choice.calibration
        model = bundle

    metrics: dict[str, float] = {
        "threshold": model.threshold,
        "val_line_threshold": line_threshold,
        **choice.metrics,
        "best_iteration": float(booster.best_iteration or booster.current_iteration()),
        "featurize_seconds": featurize_seconds,
        "fit_seconds": fit_seconds,
        "train_lines": float(len(ys["train"])),
        "train_pages": float(parts["train"]["doc"].nunique()),
    }
    page_tables = {}
    for split in ("val", "test"):
        for name, value in line_metrics(ys[split], probs[split][labelled[split]], model.threshold).items():
            metrics[f"{split}_{name}"] = value
        scores = page_scores(parts[split], probs[split], model.threshold, pages, model.smoothing,
                             model.fallback_chars)
        page_tables[split] = scores
        if len(scores):
            metrics[f"{split}_page_f1"] = float(scores["f1"].mean())
            metrics[f"{split}_page_precision"] = float(scores["precision"].mean())
            metrics[f"{split}_page_recall"] = float(scores["recall"].mean())
            for dataset, value in scores.groupby("dataset")["f1"].mean().items():
                metrics[f"{split}_page_f1.{dataset}"] = float(value)
        if "renderer" in parts[split] and len(scores):
            metrics.update(renderer_metrics(split, parts[split], ys[split], probs[split], labelled[split], scores,
                                            model.threshold))
    if choice.threshold != choice.val_threshold and len(parts["test"]):
        # What the validation sites' threshold would have scored on the same test pages, to compare the policies.
        at_val = page_scores(parts["test"], probs["test"], choice.val_threshold, pages, model.smoothing,
                             model.fallback_chars)
        if len(at_val):
            for name in ("f1", "precision", "recall"):
                metrics[f"test_page_{name}_at_val_threshold"] = float(at_val[name].mean())
    metrics["objective"] = metrics.get("val_page_f1", metrics.get("val_line_f1", 0.0))
    metrics["train_seconds"] = time.perf_counter() - started
    model.card = {
        "mode": settings.features.mode,
        "datasets": {n: {"license": DATASETS[n].license, "permissive": DATASETS[n].permissive} for n in datasets},
        "lines": {s: len(ys[s]) for s in parts},
        "pages": {s: int(parts[s]["doc"].nunique()) for s in parts},
        "metrics": {k: round(v, 5) for k, v in metrics.items()},
        "settings": json.loads(json.dumps(asdict(settings), default=str)),
        **({"members": [member.card for member in members]} if members else {}),
    }
    output = resolve_path(settings.bundle_dir, root)
    model.save(output)

    tracker.log_metrics(metrics)
    tracker.log_inputs(parts, resolve_path(settings.data.processed_dir, root))
    test_mask = labelled["test"]
    tracker.log_figures(lambda: {
        "feature_importance": tracking.feature_importance_figure(
            bundle.final_feature_names, np.asarray(booster.feature_importance("gain"), dtype=np.float64)),
        "pr_curve": tracking.pr_curve_figure({s: (ys[s], probs[s][labelled[s]]) for s in ("val", "test")}),
        "confusion_matrix": tracking.confusion_figure(
            ys["test"], (probs["test"][test_mask] >= model.threshold).astype(np.int8)),
        "per_dataset_f1": tracking.per_dataset_figure(page_tables["test"]),
        **tracking.threshold_figures(choice),
    })
    tracker.log_threshold_tables(choice)
    tracker.log_table(worst_errors(parts["test"][test_mask], ys["test"], probs["test"][test_mask],
                                   settings.tracking.worst_errors), "worst_errors")
    tracker.log_table(page_tables["test"], "test_pages")
    example = _input_example(parts["test"] if len(parts["test"]) else parts["train"], pages, settings.features.mode)

    def score_champion(model_dir: Path) -> float:
        try:  # the outermost schema: an ensemble's members have their own inside it
            champion = load_model(min(model_dir.glob("**/schema.json"), key=lambda path: len(path.parts)).parent)
        except ValueError:  # a BundleError, or no schema at all
            return float("-inf")  # an unusable champion is beaten by any working model
        return score_bundle(champion, parts["test"], pages)

    tracker.log_model(output, example, metrics.get("test_page_f1", float("nan")), score_champion)
    if settings.report_dir:
        write_reports(resolve_path(settings.report_dir, root), metrics, ys["test"], probs["test"][test_mask],
                      page_tables["test"], choice.curves)
    if settings.ship_to:
        model.save(resolve_path(settings.ship_to, root))
    return metrics


def renderer_metrics(split: str, part: pd.DataFrame, y: npt.NDArray[np.int8], p: npt.NDArray[np.float64],
                     labelled: npt.NDArray[np.bool_], scores: pd.DataFrame, threshold: float) -> dict[str, float]:
    """Page F1 and line F1 of each renderer's dumps (``<split>_renderer_page_f1.<renderer>``, ...)."""
    metrics: dict[str, float] = {}
    renderer_of_doc = part.drop_duplicates("doc").set_index("doc")["renderer"]
    page_renderer = scores["doc"].map(renderer_of_doc)
    for renderer, value in scores.groupby(page_renderer)["f1"].mean().items():
        metrics[f"{split}_renderer_page_f1.{renderer}"] = float(value)
    line_renderer = part["renderer"].to_numpy()[labelled]
    for renderer in np.unique(line_renderer):
        rows = line_renderer == renderer
        line_f1 = line_metrics(y[rows], p[labelled][rows], threshold).get("line_f1")
        if line_f1 is not None:
            metrics[f"{split}_renderer_line_f1.{renderer}"] = line_f1
    return metrics


#: Points kept of the test-line precision/recall curve written for the DVC plots.
PR_CURVE_POINTS = 200
METRICS_FILE = "metrics.json"
PR_CURVE_FILE = "pr_curve.csv"
TEST_PAGES_FILE = "test_pages.csv"
#: Mean page F1 per held-out dataset against the threshold (``threshold_policy=lodo``).
THRESHOLD_CURVE_FILE = "lodo_threshold_curve.csv"
#: The metrics written to the report folder: the scores, not the timing breakdown (MLflow and the bundle's card
#: keep every metric).
REPORT_METRIC_PREFIXES = ("val_", "test_", "threshold", "lodo_", "calibration_", "held_out_ece", "best_iteration",
                          "train_pages", "train_seconds")


def write_reports(folder: Path, metrics: dict[str, float], y: npt.NDArray[np.int8], p: npt.NDArray[np.float64],
                  test_pages: pd.DataFrame, threshold_curves: pd.DataFrame | None = None) -> None:
    """A run's scores (per-dataset test page F1 nested under ``test_page_f1_by_dataset``), its test-line
    precision/recall curve (at most :data:`PR_CURVE_POINTS` points), per-page test scores and the ``lodo``
    threshold policy's page-F1-against-threshold curves (:data:`THRESHOLD_CURVE_FILE`), in ``folder``."""
    from sklearn.metrics import precision_recall_curve

    folder.mkdir(parents=True, exist_ok=True)
    prefix = "test_page_f1."
    flat: dict[str, Any] = {k: v for k, v in metrics.items() if "." not in k and k.startswith(REPORT_METRIC_PREFIXES)}
    flat["test_page_f1_by_dataset"] = {k[len(prefix):]: v for k, v in metrics.items() if k.startswith(prefix)}
    by_renderer = "test_renderer_page_f1."
    flat["test_page_f1_by_renderer"] = {k[len(by_renderer):]: v for k, v in metrics.items()
                                        if k.startswith(by_renderer)}
    (folder / METRICS_FILE).write_text(json.dumps(flat, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    curve = pd.DataFrame(columns=["recall", "precision", "threshold"])
    if len(np.unique(y)) == 2:  # a curve needs both classes
        precision, recall, thresholds = precision_recall_curve(y, p)
        keep = np.unique(np.linspace(0, len(thresholds) - 1, min(PR_CURVE_POINTS, len(thresholds))).astype(int))
        curve = pd.DataFrame({"recall": recall[keep], "precision": precision[keep], "threshold": thresholds[keep]})
    curve.round(5).to_csv(folder / PR_CURVE_FILE, index=False)
    test_pages.to_csv(folder / TEST_PAGES_FILE, index=False)
    # Always written, so the DVC plot's file exists whatever the policy (empty unless it is ``lodo``).
    curves = threshold_curves if threshold_curves is not None else pd.DataFrame()
    (curves.round(5).reset_index() if len(curves) else pd.DataFrame(columns=["threshold", "mean"])).to_csv(
        folder / THRESHOLD_CURVE_FILE, index=False)


def worst_errors(part: pd.DataFrame, y: npt.NDArray[np.int8], p: npt.NDArray[np.float64], n: int) -> pd.DataFrame:
    """The ``n`` test lines the model got most confidently wrong, token-heavy lines first among equals."""
    errors = pd.DataFrame({
        "doc": part["doc"].to_numpy(), "line": part["line"].to_numpy(), "text": part["text"].str.slice(0, 300),
        "label": y, "p_content": p,
    })
    errors["loss"] = np.abs(errors["label"] - errors["p_content"]) * np.log1p(part["text"].str.len().to_numpy())
    return errors.sort_values("loss", ascending=False).head(n).reset_index(drop=True)


def _input_example(part: pd.DataFrame, pages: pd.DataFrame, mode: str) -> pd.DataFrame:
    """A two-page input example for the logged model: page text rebuilt from lines (text) or a tiny page."""
    docs = part["doc"].drop_duplicates().head(2)
    texts = ["\n".join(part.loc[part["doc"] == d, "text"].head(40)) for d in docs]
    if mode == "html":
        from html import escape

        texts = ["<html><body>" + "".join(f"<p>{escape(t)}</p>" for t in text.split("\n")) + "</body></html>"
                 for text in texts]
    return pd.DataFrame({"id": [str(d) for d in docs], mode: texts})


