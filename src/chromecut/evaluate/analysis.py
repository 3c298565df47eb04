"""Exploration and error analysis on a prepared table: what the notebooks call (they hold no logic of their own).

``feature_table`` featurizes the labelled lines exactly as training does; ``distribution_figure`` plots a
feature by label and dataset; ``load_model`` finds the champion (MLflow registry, else a bundle folder, else the
shipped bundle); ``mistakes`` and ``page_errors`` list the model's worst lines and pages with the features that
drove each decision.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from chromecut.datasets import DATASETS
from chromecut.evaluate.scores import page_scores
from chromecut.labels import Label
from chromecut.model.bundle import Bundle
from chromecut.predict import strongest_contributions
from chromecut.settings import DataSettings, FeatureSettings
from chromecut.train.frame import build_frame, featurize_parts, load_table, to_text_mode

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Lines per dataset kept by :func:`feature_table` (enough for distributions, quick to featurize).
SAMPLE_LINES_DEFAULT = 20_000
#: Contributions listed per mistake.
EXPLAIN_TOP_DEFAULT = 3
#: Characters of a line's text shown in the tables.
TEXT_PREVIEW_CHARS = 160
#: Histogram bins of :func:`distribution_figure`.
HISTOGRAM_BINS = 40
LABEL_NAMES = {int(Label.CONTENT): "content", int(Label.CHROME): "chrome"}
SEED_DEFAULT = 20261123


def line_frame(processed_dir: str | os.PathLike[str], root: Path | None = None,
               split: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines of every labelled page of a prepared table (only ``split`` when given), and its pages."""
    settings = DataSettings(processed_dir=str(processed_dir))
    lines, pages = load_table(settings, root or Path.cwd())
    frame = build_frame(lines, pages, list(DATASETS), settings)
    if split is not None:
        frame = frame[frame["split"] == split].reset_index(drop=True)
    return frame, pages


def feature_table(frame: pd.DataFrame, mode: str = "html", sample_lines: int = SAMPLE_LINES_DEFAULT,
                  seed: int = SEED_DEFAULT) -> pd.DataFrame:
    """Features of the labelled lines of (a per-dataset sample of whole pages of) ``frame``, computed by the
    training featurizer, with ``label`` (content/chrome), ``dataset`` and ``text`` columns beside them."""
    rng = np.random.default_rng(seed)
    docs = frame.drop_duplicates("doc")[["doc", "dataset"]].sample(frac=1.0, random_state=seed)
    lines_per_doc = frame.groupby("doc").size()
    docs["lines"] = docs["doc"].map(lines_per_doc)
    keep = docs[docs.groupby("dataset")["lines"].cumsum() <= sample_lines]["doc"]
    part = frame[frame["doc"].isin(set(keep))].reset_index(drop=True)
    settings = FeatureSettings(mode=mode)
    if mode == "text":
        part = to_text_mode(part, settings, rng, augment=False)
    _, features = featurize_parts({"train": part}, settings)
    table = features["train"].reset_index(drop=True)
    table["label"] = part["label"].map(LABEL_NAMES).to_numpy()
    table["dataset"] = part["dataset"].to_numpy()
    table["text"] = part["text"].str.slice(0, TEXT_PREVIEW_CHARS).to_numpy()
    return table[table["label"].notna()].reset_index(drop=True)


def separation(table: pd.DataFrame) -> pd.Series:
    """How well each numeric feature alone separates content from chrome: |AUC - 0.5| * 2 (1 = perfectly)."""
    from sklearn.metrics import roc_auc_score

    y = (table["label"] == "content").to_numpy()
    scores = {}
    for column in table.columns.drop(["label", "dataset", "text"]):
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)
        known = ~np.isnan(values)
        if known.sum() and len(np.unique(y[known])) == 2 and len(np.unique(values[known])) > 1:
            scores[column] = abs(roc_auc_score(y[known], values[known]) - 0.5) * 2
    return pd.Series(scores, dtype=np.float64).sort_values(ascending=False)


def distribution_figure(table: pd.DataFrame, feature: str, log: bool = False) -> Figure:
    """One histogram panel per dataset: ``feature`` for content and chrome lines (density)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = sorted(table["dataset"].unique())
    columns = min(len(datasets), 5)
    rows = -(-len(datasets) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.4 * rows), squeeze=False)
    values = pd.to_numeric(table[feature], errors="coerce").astype(np.float64)
    if log:
        values = values.clip(lower=0).transform(np.log1p)
    known = values.dropna()
    edges = np.histogram_bin_edges(known, bins=HISTOGRAM_BINS) if len(known) else HISTOGRAM_BINS
    for ax, dataset in zip(axes.flat, datasets, strict=False):
        for label, colour in (("content", "tab:green"), ("chrome", "tab:red")):
            chosen = values[(table["dataset"] == dataset) & (table["label"] == label)].dropna()
            if len(chosen):
                ax.hist(chosen, bins=edges, density=True, alpha=0.5, color=colour, label=label)
        ax.set_title(dataset, fontsize=9)
    for ax in list(axes.flat)[len(datasets):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    figure.suptitle(f"{'log1p ' if log else ''}{feature} by label and dataset")
    figure.tight_layout()
    return figure


def load_model(uri: str | None = None, fallback: str | os.PathLike[str] | None = None) -> tuple[Bundle, str]:
    """The model to analyse and where it came from: ``uri`` (a bundle folder or MLflow model URI) when it
    loads as a single bundle (an ensemble has no contributions to analyse: name one of its members), else
    ``fallback`` (a bundle folder) when it exists, else the shipped html bundle."""
    from chromecut.predict import Cleaner

    candidates: list[str] = [c for c in (uri, str(fallback) if fallback else None) if c]
    for candidate in candidates:
        try:
            model = Cleaner.load(candidate).bundle
        except Exception:  # the next candidate is tried; the shipped bundle is always there
            continue
        if isinstance(model, Bundle):
            return model, candidate
    shipped = Cleaner.load("html").bundle
    assert isinstance(shipped, Bundle), "the shipped HTML model is one bundle"
    return shipped, "html (shipped)"


def _described(contributions: Any, names: list[str], top: int) -> list[str]:
    """Each row's ``top`` strongest contributions as ``name +0.12; ...``."""
    contributions = np.asarray(contributions, dtype=np.float64)
    return ["; ".join(f"{name} {value:+.2f}" for name, value in row)
            for row in strongest_contributions(contributions, names, top)]


def model_input(bundle: Bundle, frame: pd.DataFrame) -> pd.DataFrame:
    """The lines as the bundle reads them: as prepared for html, markup dropped (unaugmented) for text."""
    if bundle.mode != "text":
        return frame
    return to_text_mode(frame, FeatureSettings(mode="text"), np.random.default_rng(SEED_DEFAULT), augment=False)


def mistakes(bundle: Bundle, frame: pd.DataFrame, n: int = 30, top: int = EXPLAIN_TOP_DEFAULT) -> pd.DataFrame:
    """The ``n`` labelled lines the model got most confidently wrong (longer lines first among equals), each with
    the ``top`` feature contributions that drove its decision (``decision_because``) and, under a context pass,
    those of the line pass (``line_pass_because``: what in the line itself the first pass saw).

    Contributions (LightGBM's SHAP values) are computed for the listed lines only: they cost far more than a
    prediction.
    """
    frame = model_input(bundle, frame)
    features = bundle.featurizer.transform(frame)
    final = bundle.classifier.final_features(features, frame)
    probabilities = bundle.predict_proba(frame, features)
    labels = frame["label"].to_numpy()
    y = (labels == Label.CONTENT).astype(np.float64)
    wrong = ((probabilities >= bundle.threshold) != (y == 1)) & (labels != Label.UNKNOWN)
    loss = np.where(wrong, np.abs(y - probabilities) * np.log1p(frame["text"].str.len().to_numpy()), -1.0)
    rows = np.argsort(-loss, kind="stable")[: min(n, int(wrong.sum()))]
    decision_booster = bundle.classifier.context_booster_ or bundle.classifier.booster_
    decision = _described(decision_booster.predict(final.iloc[rows].to_numpy(dtype=np.float32), pred_contrib=True),
                          bundle.final_feature_names, top)
    line_pass = decision
    if bundle.classifier.has_context:
        line_pass = _described(bundle.classifier.booster_.predict(features.iloc[rows].to_numpy(dtype=np.float32),
                                                      pred_contrib=True), bundle.feature_names, top)
    return pd.DataFrame({
        "doc": frame["doc"].to_numpy()[rows], "line": frame["line"].to_numpy()[rows],
        "text": frame["text"].str.slice(0, TEXT_PREVIEW_CHARS).to_numpy()[rows],
        "gold": np.where(y[rows] == 1, "content", "chrome"), "p_content": probabilities[rows].round(3),
        "decision_because": decision, "line_pass_because": line_pass,
    })


def page_errors(bundle: Bundle, frame: pd.DataFrame, pages: pd.DataFrame) -> pd.DataFrame:
    """Page-level precision, recall and F1 of every page in ``frame``, worst first."""
    frame = model_input(bundle, frame)
    scores = page_scores(frame, bundle.predict_proba(frame), bundle.threshold, pages, bundle.smoothing,
                         bundle.fallback_chars)
    worst_first: pd.DataFrame = scores.sort_values("f1").reset_index(drop=True)
    return worst_first
