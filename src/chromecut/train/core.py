"""Training: ``train(settings) -> metrics`` on the prepared table, and the ``chromecut-train`` Hydra app.

The run: select datasets (permissively licensed by default), build the html or text line frame (text mode
drops markup and augments: list markers stripped, pages pre-cleaned by another tool), featurise whole pages,
fit LightGBM on the labelled lines of the train split with early stopping on the validation split (both by
site), tune the decision threshold for line F1 on validation, score validation and test (line level and
page-level shingle F1 per dataset), save the bundle, and track everything in MLflow.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_recall_fscore_support

from chromecut.datasets.loaders import DATASETS, GoldKind
from chromecut.datasets.prepare import LINES_FILE, PAGES_FILE, PrepareSettings, prepare
from chromecut.features.frame import MARKUP_COLUMNS, Featurizer, categorical_features, context_features
from chromecut.features.keywords import PATTERNS
from chromecut.labels import Label, shingle_prf, snippet_score
from chromecut.model.bundle import Bundle
from chromecut.settings import DataSettings, FeatureSettings, ModelSettings, TrainSettings, resolve_path

#: Line weight cap: a line's weight grows with the square root of its tokens up to this many tokens.
WEIGHT_TOKEN_CAP = 400
_LIST_MARKER = PATTERNS["list_marker"]
#: Page-key suffix of augmented copies (they are transformed, never fitted on as pages of their own).
AUGMENTED_SUFFIX = "#precleaned"
#: The context pass needs out-of-fold predictions, so at least this many sites in the training split.
MIN_CONTEXT_FOLDS = 2


ROOT_ENV = "CHROMECUT_ROOT"


def project_root() -> Path:
    """The folder every relative path of a run is resolved against: ``$CHROMECUT_ROOT``, else the current one."""
    return Path(os.environ.get(ROOT_ENV) or Path.cwd()).resolve()


# ----------------------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------------------


def selected_datasets(settings: DataSettings) -> list[str]:
    """Datasets a run trains on: the listed ones (all when empty), permissive only unless research is on."""
    names = list(settings.datasets) or list(DATASETS)
    if settings.permissive_only and not settings.include_research:
        names = [n for n in names if DATASETS[n].permissive]
    return [n for n in names if n not in settings.exclude_datasets]


def load_table(
    settings: DataSettings, root: Path, read_lines: Callable[[Path, list[str]], pd.DataFrame] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The prepared line and page tables (prepared first when missing); ``read_lines(path, datasets)`` reads
    the line table's rows of the selected datasets instead of pandas (the Dask engine reads it on its cluster)."""
    folder = resolve_path(settings.processed_dir, root)
    if not (folder / LINES_FILE).exists():
        prepare(
            PrepareSettings(
                out_dir=folder,
                root=Path(settings.root) if settings.root else None,
                max_pages=settings.max_pages_per_dataset,
                n_jobs=settings.prepare_jobs,
            )
        )
    lines = pd.read_parquet(folder / LINES_FILE) if read_lines is None else read_lines(
        folder / LINES_FILE, selected_datasets(settings))
    return lines, pd.read_parquet(folder / PAGES_FILE)


def build_frame(lines: pd.DataFrame, pages: pd.DataFrame, datasets: list[str], settings: DataSettings) -> pd.DataFrame:
    """The line frame of the selected datasets' labelled pages, with page keys, titles and gold fields."""
    ok = pages[pages["error"].isna() & pages["dataset"].isin(datasets)].copy()
    full_text = ok["gold_kind"] != str(GoldKind.SNIPPETS)
    ok = ok[~full_text | (ok["gold_coverage"].fillna(0.0) >= settings.min_gold_coverage)]
    if settings.max_pages_per_dataset is not None:
        ok = ok.groupby("dataset", sort=False, observed=True).head(settings.max_pages_per_dataset)
    ok["doc"] = ok["dataset"].astype(str) + "/" + ok["page_id"].astype(str)
    frame = lines[lines["dataset"].isin(datasets)].copy()
    frame["doc"] = frame["dataset"].astype(str) + "/" + frame["page_id"].astype(str)
    frame = frame[frame["doc"].isin(set(ok["doc"]))]
    frame = frame.merge(ok[["doc", "title"]], on="doc", how="left")
    frame["domain"] = frame["domain"].astype(str)
    frame["dataset"] = frame["dataset"].astype(str)
    frame["split"] = frame["split"].astype(str)
    return frame.sort_values(["doc", "line"], kind="stable").reset_index(drop=True)


def to_text_mode(
    frame: pd.DataFrame, settings: FeatureSettings, rng: np.random.Generator, augment: bool
) -> pd.DataFrame:
    """The frame as a text-extraction tool would have written it: no markup; when augmenting, list markers
    stripped on some pages and a pre-cleaned copy (most chrome already removed) of others."""
    out = frame.drop(columns=[c for c in (*MARKUP_COLUMNS, "title") if c in frame]).copy()
    if not augment:
        return out
    docs = out["doc"].unique()
    strip = set(docs[rng.random(len(docs)) < settings.augment_strip_markers])
    mask = out["doc"].isin(strip)
    out.loc[mask, "text"] = out.loc[mask, "text"].str.replace(_LIST_MARKER, "", n=1, regex=True)
    copies = [out]
    chosen = docs[rng.random(len(docs)) < settings.augment_precleaned]
    if len(chosen):
        pre = out[out["doc"].isin(set(chosen))].copy()
        keep_share = pd.Series(
            rng.uniform(settings.augment_keep_chrome_min, settings.augment_keep_chrome_max, len(chosen)), index=chosen
        )
        chrome = pre["label"] == Label.CHROME
        keep = ~chrome | (rng.random(len(pre)) < pre["doc"].map(keep_share).to_numpy())
        pre = pre[keep]
        pre["doc"] = pre["doc"] + AUGMENTED_SUFFIX
        copies.append(pre)
    return pd.concat(copies, ignore_index=True)


def original_pages(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the frame's original pages (augmented copies left out)."""
    return frame[~frame["doc"].astype(str).str.endswith(AUGMENTED_SUFFIX)]


def line_weights(frame: pd.DataFrame, how: str) -> npt.NDArray[np.float64]:
    """Training weight of each line: ``sqrt_tokens`` makes token-heavy lines count more, as the page score does."""
    if how == "none":
        return np.ones(len(frame))
    if how == "sqrt_tokens":
        words = np.fromiter((len(t.split()) for t in frame["text"].tolist()), dtype=np.float64, count=len(frame))
        tokens = np.minimum(words, WEIGHT_TOKEN_CAP)
        return 1.0 + np.sqrt(tokens)
    raise ValueError(f"unknown line_weight {how!r}; use 'none' or 'sqrt_tokens'")


# ----------------------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------------------


def lgb_params(settings: ModelSettings, seed: int) -> dict[str, Any]:
    """LightGBM parameters of a run."""
    return {
        "objective": "binary",
        "metric": ["binary_logloss", "average_precision"],
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "feature_fraction": settings.feature_fraction,
        "bagging_fraction": settings.bagging_fraction,
        "bagging_freq": settings.bagging_freq,
        "lambda_l2": settings.lambda_l2,
        "num_threads": settings.num_threads,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }


def fit_booster(
    train_x: pd.DataFrame,
    train_y: npt.NDArray[np.int8],
    train_w: npt.NDArray[np.float64],
    val_x: pd.DataFrame,
    val_y: npt.NDArray[np.int8],
    val_w: npt.NDArray[np.float64],
    settings: ModelSettings,
    seed: int,
) -> lgb.Booster:
    """LightGBM with early stopping on the validation lines."""
    categorical = categorical_features(train_x.columns)
    train_set = lgb.Dataset(train_x, train_y, weight=train_w, categorical_feature=categorical, free_raw_data=True)
    callbacks: list[Callable[..., Any]] = [lgb.log_evaluation(period=0)]
    valid_sets = [train_set]
    if len(val_y) and len(np.unique(val_y)) > 1:
        valid_sets = [lgb.Dataset(val_x, val_y, weight=val_w, categorical_feature=categorical, reference=train_set)]
        callbacks.append(lgb.early_stopping(settings.early_stopping_rounds, first_metric_only=True, verbose=False))
    return lgb.train(
        lgb_params(settings, seed),
        train_set,
        num_boost_round=settings.num_boost_round,
        valid_sets=valid_sets,
        callbacks=callbacks,
    )


#: How a booster is fitted: :func:`fit_booster`'s signature (the Dask engine fits on its cluster).
BoosterFit = Callable[
    [pd.DataFrame, npt.NDArray[np.int8], npt.NDArray[np.float64], pd.DataFrame, npt.NDArray[np.int8],
     npt.NDArray[np.float64], ModelSettings, int],
    lgb.Booster,
]
#: Model kinds and the engine that fits their boosters.
MODEL_KINDS = ("lgbm", "lgbm_dask")


@contextmanager
def booster_fit(settings: ModelSettings) -> Iterator[BoosterFit]:
    """The fit of ``settings.kind``: :func:`fit_booster` in this process, or on a Dask cluster for
    ``lgbm_dask`` (:mod:`chromecut.train.dask`, the cluster open until the block ends)."""
    if settings.kind == "lgbm":
        yield fit_booster
    elif settings.kind == "lgbm_dask":
        from chromecut.train import dask as train_dask

        with train_dask.booster_fit(settings) as fit:
            yield fit
    else:
        raise ValueError(f"unknown model kind {settings.kind!r}; known: {', '.join(MODEL_KINDS)}")


def tune_threshold(y: npt.NDArray[np.int8], p: npt.NDArray[np.float64], w: npt.NDArray[np.float64]) -> float:
    """The probability threshold of best weighted line F1."""
    if len(y) == 0 or len(np.unique(y)) < 2:
        return 0.5
    precision, recall, thresholds = precision_recall_curve(y, p, sample_weight=w)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))])


def _oof_first_pass(
    features: pd.DataFrame, y: npt.NDArray[np.int8], w: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_],
    groups: npt.NDArray[Any], val: tuple[pd.DataFrame, npt.NDArray[np.int8], npt.NDArray[np.float64]],
    settings: ModelSettings, seed: int, fit: BoosterFit = fit_booster,
) -> npt.NDArray[np.float64]:
    """Out-of-fold first-pass probabilities of every training line (folds by site), so the context pass
    learns from probabilities like those it will see on unseen pages."""
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(len(features))
    folds = GroupKFold(n_splits=min(settings.context_folds, len(np.unique(groups))))
    for fit_rows, held_rows in folds.split(features, groups=groups):
        fit_mask = np.zeros(len(features), dtype=bool)
        fit_mask[fit_rows] = True
        fit_mask &= mask
        booster = fit(features[fit_mask], y[fit_mask[mask]], w[fit_mask[mask]], *val, settings, seed)
        oof[held_rows] = booster.predict(features.iloc[held_rows].to_numpy(dtype=np.float32))
    return oof


def fit_bundle(
    featurizer: Featurizer, parts: dict[str, pd.DataFrame], features: dict[str, pd.DataFrame],
    settings: ModelSettings, seed: int, fit: BoosterFit = fit_booster,
) -> tuple[Bundle, dict[str, npt.NDArray[np.float64]]]:
    """Fit the first pass (and the context pass) on ``train``, early stopping and threshold on ``val``; every
    booster is fitted by ``fit``.

    Returns the bundle and the final probabilities of every line of every part.
    """
    mask = {s: parts[s]["label"].to_numpy() != Label.UNKNOWN for s in parts}
    ys = {s: parts[s]["label"].to_numpy()[mask[s]].astype(np.int8) for s in parts}
    ws = {s: line_weights(parts[s][mask[s]], settings.line_weight) for s in parts}
    val = (features["val"][mask["val"]], ys["val"], ws["val"])
    booster = fit(features["train"][mask["train"]], ys["train"], ws["train"], *val, settings, seed)
    # Training predicts on whole splits: all the run's threads (a loaded bundle predicts with one).
    bundle = Bundle(featurizer, booster, settings.threshold, predict_threads=settings.num_threads)
    if settings.context_pass and parts["train"]["domain"].nunique() >= MIN_CONTEXT_FOLDS:
        oof = _oof_first_pass(features["train"], ys["train"], ws["train"], mask["train"],
                              parts["train"]["domain"].to_numpy(), val, settings, seed, fit)
        train_context = context_features(parts["train"], oof, featurizer.mode)
        train_final = pd.concat([features["train"], train_context], axis=1)
        val_context = context_features(parts["val"], bundle.first_pass(features["val"]), featurizer.mode)
        val_final = pd.concat([features["val"], val_context], axis=1)
        bundle.context_booster = fit(train_final[mask["train"]], ys["train"], ws["train"],
                                     val_final[mask["val"]], ys["val"], ws["val"], settings, seed)
    probs = {s: bundle.predict_proba(parts[s], features[s]) for s in parts}
    if settings.tune_threshold:
        bundle.threshold = tune_threshold(ys["val"], probs["val"][mask["val"]], ws["val"])
    return bundle, probs


def line_metrics(y: npt.NDArray[np.int8], p: npt.NDArray[np.float64], threshold: float) -> dict[str, float]:
    """Line-level precision, recall, F1 (content is positive) and PR-AUC."""
    if len(y) == 0:
        return {}
    pred = (p >= threshold).astype(np.int8)
    precision, recall, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    out = {"line_precision": float(precision), "line_recall": float(recall), "line_f1": float(f1)}
    if len(np.unique(y)) > 1:
        out["line_pr_auc"] = float(average_precision_score(y, p))
    return out


def page_scores(frame: pd.DataFrame, p: npt.NDArray[np.float64], threshold: float, pages: pd.DataFrame) -> pd.DataFrame:
    """Page-level scores: kept lines vs the gold (shingle F1 for full text, snippet score for snippet gold)."""
    keep = pd.DataFrame({"doc": frame["doc"].to_numpy(), "text": frame["text"].to_numpy(), "keep": p >= threshold})
    kept = keep[keep["keep"]].groupby("doc", sort=False)["text"].agg("\n".join)
    gold = pages.assign(doc=pages["dataset"].astype(str) + "/" + pages["page_id"].astype(str)).set_index("doc")
    rows = []
    for doc in frame["doc"].unique():
        base = doc.split("#", 1)[0]
        if base not in gold.index:
            continue
        g = gold.loc[base]
        text = kept.get(doc, "")
        if g["gold_kind"] == str(GoldKind.SNIPPETS):
            score = snippet_score(text, list(g["with_snippets"]), list(g["without_snippets"]))
        else:
            score = shingle_prf(text, g["gold_text"] or "")
        rows.append({"doc": doc, "dataset": g["dataset"], "precision": score.precision, "recall": score.recall,
                     "f1": score.f1})
    return pd.DataFrame(rows, columns=["doc", "dataset", "precision", "recall", "f1"])


# ----------------------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------------------


def _featurizer(settings: FeatureSettings) -> Featurizer:
    return Featurizer(
        settings.mode,  # type: ignore[arg-type]
        keyword_max_chars=settings.keyword_max_chars,
        repeat_min_pages=settings.repeat_min_pages,
        repeat_table_size=settings.repeat_table_size,
    )


def featurize_parts(
    parts: dict[str, pd.DataFrame], settings: FeatureSettings
) -> tuple[Featurizer, dict[str, pd.DataFrame]]:
    """Fit the featurizer on the original training pages and featurise every part (training rows with
    leave-one-out line frequencies)."""
    featurizer = _featurizer(settings)
    features = {"train": featurizer.fit_transform(parts["train"], original_pages(parts["train"]))}
    features.update({split: featurizer.transform(part) for split, part in parts.items() if split != "train"})
    return featurizer, features


def split_frames(frame: pd.DataFrame, settings: FeatureSettings, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Train / val / test line frames in the run's mode (text mode: markup dropped, training augmented)."""
    parts = {split: frame[frame["split"] == split] for split in ("train", "val", "test")}
    if settings.mode == "text":
        parts = {split: to_text_mode(part, settings, rng, augment=split == "train") for split, part in parts.items()}
    return parts


def score_bundle(bundle: Bundle, part: pd.DataFrame, pages: pd.DataFrame) -> float:
    """Mean page-level F1 of a bundle on a line frame (how a challenger and the champion are compared)."""
    if part.empty:
        return float("nan")
    probs = bundle.predict_proba(part)
    return float(page_scores(part, probs, bundle.threshold, pages)["f1"].mean())


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
    datasets = selected_datasets(settings.data)
    if not datasets:
        raise ValueError("no dataset selected: check data.datasets, data.permissive_only and data.exclude_datasets")
    read_lines = getattr(fit, "read_lines", None)  # an engine that reads the table itself (Dask) says how
    lines, pages = load_table(settings.data, root, read_lines)
    frame = build_frame(lines, pages, datasets, settings.data)
    del lines
    parts = split_frames(frame, settings.features, rng)
    featurizer, features = featurize_parts(parts, settings.features)
    featurize_seconds = time.perf_counter() - started

    labelled = {split: (part["label"].to_numpy() != Label.UNKNOWN) for split, part in parts.items()}
    ys = {s: parts[s]["label"].to_numpy()[labelled[s]].astype(np.int8) for s in parts}
    bundle, probs = fit_bundle(featurizer, parts, features, settings.model, settings.seed, fit)
    booster = bundle.context_booster or bundle.booster
    fit_seconds = time.perf_counter() - started - featurize_seconds

    metrics: dict[str, float] = {
        "threshold": bundle.threshold,
        "best_iteration": float(booster.best_iteration or booster.current_iteration()),
        "featurize_seconds": featurize_seconds,
        "fit_seconds": fit_seconds,
        "train_lines": float(len(ys["train"])),
        "train_pages": float(parts["train"]["doc"].nunique()),
    }
    page_tables = {}
    for split in ("val", "test"):
        for name, value in line_metrics(ys[split], probs[split][labelled[split]], bundle.threshold).items():
            metrics[f"{split}_{name}"] = value
        scores = page_scores(parts[split], probs[split], bundle.threshold, pages)
        page_tables[split] = scores
        if len(scores):
            metrics[f"{split}_page_f1"] = float(scores["f1"].mean())
            for dataset, value in scores.groupby("dataset")["f1"].mean().items():
                metrics[f"{split}_page_f1.{dataset}"] = float(value)
    metrics["objective"] = metrics.get("val_page_f1", metrics.get("val_line_f1", 0.0))
    metrics["train_seconds"] = time.perf_counter() - started
    bundle.card = {
        "mode": settings.features.mode,
        "datasets": {n: {"license": DATASETS[n].license, "permissive": DATASETS[n].permissive} for n in datasets},
        "lines": {s: len(ys[s]) for s in parts},
        "pages": {s: int(parts[s]["doc"].nunique()) for s in parts},
        "metrics": {k: round(v, 5) for k, v in metrics.items()},
        "settings": json.loads(json.dumps(asdict(settings), default=str)),
    }
    output = resolve_path(settings.output_dir, root)
    bundle.save(output)

    tracker.log_metrics(metrics)
    tracker.log_inputs(parts, resolve_path(settings.data.processed_dir, root))
    test_mask = labelled["test"]
    tracker.log_figures({
        "feature_importance": tracking.feature_importance_figure(
            bundle.final_feature_names, np.asarray(booster.feature_importance("gain"), dtype=np.float64)),
        "pr_curve": tracking.pr_curve_figure({s: (ys[s], probs[s][labelled[s]]) for s in ("val", "test")}),
        "confusion_matrix": tracking.confusion_figure(
            ys["test"], (probs["test"][test_mask] >= bundle.threshold).astype(np.int8)),
        "per_dataset_f1": tracking.per_dataset_figure(page_tables["test"]),
    })
    tracker.log_table(worst_errors(parts["test"][test_mask], ys["test"], probs["test"][test_mask],
                                   settings.tracking.worst_errors), "worst_errors")
    tracker.log_table(page_tables["test"], "test_pages")
    example = _input_example(parts["test"] if len(parts["test"]) else parts["train"], pages, settings.features.mode)

    def score_champion(model_dir: Path) -> float:
        from chromecut.model.bundle import BundleError

        try:
            champion = Bundle.load(next(model_dir.glob("**/schema.json")).parent)
        except (BundleError, StopIteration):
            return float("-inf")  # an unusable champion is beaten by any working model
        return score_bundle(champion, parts["test"], pages)

    tracker.log_model(output, example, metrics.get("test_page_f1", float("nan")), score_champion)
    if settings.report_dir:
        write_reports(resolve_path(settings.report_dir, root), metrics, ys["test"], probs["test"][test_mask],
                      page_tables["test"])
    if settings.ship_to:
        bundle.save(resolve_path(settings.ship_to, root))
    return metrics


#: Points kept of the test-line precision/recall curve written for the DVC plots.
PR_CURVE_POINTS = 200
METRICS_FILE = "metrics.json"
PR_CURVE_FILE = "pr_curve.csv"
TEST_PAGES_FILE = "test_pages.csv"
#: The metrics written to the report folder: the scores, not the timing breakdown (MLflow and the bundle's card
#: keep every metric).
REPORT_METRIC_PREFIXES = ("val_", "test_", "threshold", "best_iteration", "train_pages", "train_seconds")


def write_reports(folder: Path, metrics: dict[str, float], y: npt.NDArray[np.int8], p: npt.NDArray[np.float64],
                  test_pages: pd.DataFrame) -> None:
    """A run's scores (per-dataset test page F1 nested under ``test_page_f1_by_dataset``), its test-line
    precision/recall curve (at most :data:`PR_CURVE_POINTS` points) and per-page test scores, in ``folder``."""
    from sklearn.metrics import precision_recall_curve

    folder.mkdir(parents=True, exist_ok=True)
    prefix = "test_page_f1."
    flat: dict[str, Any] = {k: v for k, v in metrics.items() if "." not in k and k.startswith(REPORT_METRIC_PREFIXES)}
    flat["test_page_f1_by_dataset"] = {k[len(prefix):]: v for k, v in metrics.items() if k.startswith(prefix)}
    (folder / METRICS_FILE).write_text(json.dumps(flat, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    curve = pd.DataFrame(columns=["recall", "precision", "threshold"])
    if len(np.unique(y)) == 2:  # a curve needs both classes
        precision, recall, thresholds = precision_recall_curve(y, p)
        keep = np.unique(np.linspace(0, len(thresholds) - 1, min(PR_CURVE_POINTS, len(thresholds))).astype(int))
        curve = pd.DataFrame({"recall": recall[keep], "precision": precision[keep], "threshold": thresholds[keep]})
    curve.round(5).to_csv(folder / PR_CURVE_FILE, index=False)
    test_pages.to_csv(folder / TEST_PAGES_FILE, index=False)


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


# ----------------------------------------------------------------------------------------------------------
# The Hydra app
# ----------------------------------------------------------------------------------------------------------

_SWEEP_PARENTS: dict[str, str] = {}


def _sweep_parent(settings: TrainSettings, root: Path, sweep_dir: str) -> str:
    """The MLflow run every job of one multirun sweep nests under (created by the sweep's first job)."""
    if sweep_dir not in _SWEEP_PARENTS:
        import mlflow

        from chromecut.train.tracking import tracking_uri

        mlflow.set_tracking_uri(tracking_uri(settings, root))
        experiment = mlflow.set_experiment(settings.tracking.experiment)
        client = mlflow.MlflowClient()
        run = client.create_run(experiment.experiment_id, run_name=f"sweep {Path(sweep_dir).name}",
                                tags={"hydra_sweep_dir": sweep_dir})
        _SWEEP_PARENTS[sweep_dir] = run.info.run_id
    return _SWEEP_PARENTS[sweep_dir]


def run_from_config(cfg: Any) -> float:
    """Body of ``chromecut-train``: the composed config -> typed settings -> :func:`train` -> objective."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from chromecut.settings import settings_from_dict
    from chromecut.train.tracking import PARENT_RUN_ENV

    settings = settings_from_dict(OmegaConf.to_container(cfg, resolve=True))  # type: ignore[arg-type]
    root = project_root()
    hydra_cfg = HydraConfig.get()
    parent = None
    if hydra_cfg.mode == RunMode.MULTIRUN and settings.tracking.enabled:
        parent = _sweep_parent(settings, root, str(Path(hydra_cfg.sweep.dir).resolve()))
        os.environ[PARENT_RUN_ENV] = parent
    try:
        metrics = train(settings, root)
    finally:
        os.environ.pop(PARENT_RUN_ENV, None)
        if parent is not None:
            import mlflow

            mlflow.MlflowClient().set_terminated(parent, "FINISHED")
    summary = {k: round(v, 4) for k, v in metrics.items() if "/" not in k and "." not in k}
    print(json.dumps(summary, indent=2))
    return float(metrics["objective"])


def main() -> None:
    """``chromecut-train``: the Hydra app over ``conf/`` (installed as ``chromecut.conf``)."""
    import hydra

    app = hydra.main(version_base="1.3", config_path="pkg://chromecut.conf", config_name="config")(run_from_config)
    app()
