"""The decision threshold of a run, chosen for pages of sites the model never saw.

A threshold tuned on the validation sites of the training datasets does not carry over to other sources: on a
site the model never saw, chrome lines score in the middle of the range. The ``lodo`` policy therefore fits one
fold model per training dataset with that dataset left out (on the run's training frame, through the same
:func:`~chromecut.train.frame.split_frames` and :func:`~chromecut.train.fit.fit_bundle` as the run), predicts
the left-out dataset's train and validation pages once (never its test split, which keeps the final score
honest), scores every page at every threshold of a grid, and keeps the threshold of the best mean over the
left-out datasets of their mean page F1 (each dataset weighing the same, so the largest one does not decide).

The same out-of-dataset predictions give a reliability table (the share of content lines per probability bin
against the bin's mean probability): whether ``p_content`` means what it says on an unseen site. With
``model.calibration=lodo`` they also fit the bundle's :class:`~chromecut.model.calibration.Calibration`
(:func:`held_out_calibration`), whatever policy chooses the threshold, and measure it on each held-out dataset
with the map fitted on the others.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.datasets import GoldKind
from chromecut.evaluate.metrics import SHINGLE_DEFAULT, prf, shingles, tokenize
from chromecut.labels import Label
from chromecut.model.calibration import CALIBRATIONS, Calibration, expected_calibration_error, fit_calibration
from chromecut.model.decision import dominant_lines, fallback_cuts
from chromecut.model.estimator import OOF_POLICY, BoosterFit, fit_booster
from chromecut.settings import TrainSettings

log = logging.getLogger(__name__)

#: The threshold policies of :attr:`chromecut.settings.ModelSettings.threshold_policy`.
THRESHOLD_POLICIES = ("lodo", "val", "val_pages", OOF_POLICY, "fixed")
#: The ``lodo`` policy needs at least this many training datasets (one to leave out, one to learn from).
MIN_LODO_DATASETS = 2
#: Probability bins of the reliability table.
RELIABILITY_BINS_DEFAULT = 10
#: Column of the curve table with the mean over held-out datasets, and the reliability table's name for all
#: held-out lines together.
MEAN_COLUMN = "mean"
POOLED = "pooled"
#: The split name the held-out dataset's pages take in a fold's parts (so :func:`split_frames` treats them as
#: pages to predict: never augmented, never fitted on).
_HELD_OUT_SPLIT = "test"


@dataclass(frozen=True)
class HeldOut:
    """One fold's held-out dataset: its line frame (in the run's mode) and the fold model's probabilities."""

    dataset: str
    frame: pd.DataFrame
    p: npt.NDArray[np.float64]


@dataclass(frozen=True)
class ThresholdChoice:
    """The threshold a run ships with, how it was chosen, and what the ``lodo`` policy measured.

    Attributes
    ----------
    policy : str
        The policy that chose :attr:`threshold` (``val`` when ``lodo`` had too few datasets).
    threshold : float
    val_threshold : float
        What the ``val`` policy chooses (the classifier's own tuning on the validation sites).
    curves : DataFrame
        ``lodo``: mean page F1 per threshold (rows) and held-out dataset (columns), plus :data:`MEAN_COLUMN`;
        else empty.
    reliability : DataFrame
        ``lodo``: :func:`reliability_table` of the held-out predictions; else empty.
    calibration : Calibration
        ``model.calibration=lodo``: fitted on the held-out predictions (:func:`held_out_calibration`); else the
        identity.
    calibrated_reliability : DataFrame
        The reliability table of the held-out predictions after :attr:`calibration` (empty without one).
    metrics : dict
        ``val_threshold``, and for ``lodo`` ``lodo_threshold``, ``lodo_page_f1`` (the mean at the chosen
        threshold), ``lodo_page_f1_at_val_threshold`` (the same mean at the ``val`` policy's threshold),
        ``lodo_page_f1.<dataset>``, ``lodo_best_threshold.<dataset>`` and ``lodo_seconds``; with a calibration
        those of :func:`held_out_calibration`.
    """

    policy: str
    threshold: float
    val_threshold: float
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    metrics: dict[str, float] = field(default_factory=dict)
    calibration: Calibration = field(default_factory=Calibration)
    calibrated_reliability: pd.DataFrame = field(default_factory=pd.DataFrame)


def threshold_grid(points: int) -> npt.NDArray[np.float64]:
    """``points`` thresholds evenly spaced from 0 to 1, both edges included (0 keeps every line, 1 only the
    lines the model is certain of)."""
    if points < 2:
        raise ValueError(f"threshold_grid_points must be at least 2, got {points}")
    return np.linspace(0.0, 1.0, points)


# -- page F1 at every threshold ------------------------------------------------------------------------------


def _page_f1s(tokens: list[list[str]], p: npt.NDArray[np.float64], thresholds: npt.NDArray[np.float64],
              gold: pd.Series, dominant: npt.NDArray[np.bool_], lengths: npt.NDArray[np.float64],
              fallback_chars: int = 0) -> npt.NDArray[np.float64]:
    """One page's F1 at every threshold, scored as :func:`~chromecut.evaluate.scores.page_scores` scores it
    (``dominant``: the lines kept at every threshold, :func:`chromecut.model.decision.dominant_lines`; with
    ``fallback_chars``, a threshold at which the lines (of ``lengths`` characters) would keep fewer characters is
    the decision's fallback share of it, :func:`chromecut.model.decision.fallback_cuts`).

    The kept lines only change when a threshold passes a line's probability, so each distinct kept set is scored
    once. A page's tokens are its lines' tokens in order (tokenising "\\n"-joined lines gives exactly that, since
    no token, entity or normalisation crosses a newline), so every line is tokenised once for all thresholds.
    """
    cuts = thresholds
    if fallback_chars > 0:  # the characters kept at each threshold are only needed for the fallback
        kept_chars = ((p[None, :] >= thresholds[:, None]) * lengths[None, :]).sum(axis=1)
        cuts = fallback_cuts(thresholds, kept_chars, fallback_chars)
    keeps = (p[None, :] >= cuts[:, None]) | dominant[None, :]
    _, first, which = np.unique(keeps.sum(axis=1), return_index=True, return_inverse=True)
    score = (_SnippetScore if gold["gold_kind"] == str(GoldKind.SNIPPETS) else _ShingleScore)(tokens, gold)
    # The same number of kept lines is the same kept set: each is the lines at or above a cut (and the dominant
    # ones), so the kept sets are nested, the fallback's cuts included.
    f1s = np.array([score(keeps[row]) for row in first], dtype=np.float64)
    return f1s[which.ravel()]


class _SnippetScore:
    """:func:`~chromecut.evaluate.metrics.snippet_score` of a page's kept lines, snippets tokenised once."""

    def __init__(self, tokens: list[list[str]], gold: pd.Series) -> None:
        self.tokens = tokens
        self.must = [" ".join(tokenize(s)) for s in gold["with_snippets"]]
        self.must_not = [" ".join(tokenize(s)) for s in gold["without_snippets"]]

    def __call__(self, keep: npt.NDArray[np.bool_]) -> float:
        text = " ".join(token for line, kept in zip(self.tokens, keep, strict=True) if kept for token in line)
        recall = sum(s in text for s in self.must) / len(self.must) if self.must else 1.0
        precision = sum(s not in text for s in self.must_not) / len(self.must_not) if self.must_not else 1.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


class _ShingleScore:
    """:func:`~chromecut.evaluate.metrics.shingle_prf` F1 of a page's kept lines against its gold text, with
    each shingle coded as one integer (its tokens' ids in base ``vocabulary size``), so a kept set's shingle
    multiset and its overlap with the gold's are counted by numpy."""

    def __init__(self, tokens: list[list[str]], gold: pd.Series) -> None:
        self.gold_tokens = tokenize(gold["gold_text"] or "")
        self.tokens = tokens
        vocabulary: dict[str, int] = {}

        def code(words: list[str]) -> list[int]:
            return [vocabulary.setdefault(w, len(vocabulary)) for w in words]

        gold_ids = np.array(code(self.gold_tokens), dtype=np.int64)
        self.ids = np.array([i for line in tokens for i in code(line)], dtype=np.int64)
        self.line_of_token = np.repeat(np.arange(len(tokens)), [len(line) for line in tokens])
        self.base = max(len(vocabulary), 1)
        # Integer codes need base ** n to fit in int64; a page with more distinct words is counted as tuples.
        self.coded = self.base ** SHINGLE_DEFAULT < np.iinfo(np.int64).max
        self.reference = shingles(self.gold_tokens)
        self.actual = sum(self.reference.values())
        self.gold_codes, self.gold_counts = np.unique(self._codes(gold_ids), return_counts=True)

    def _codes(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        if len(ids) < SHINGLE_DEFAULT:
            return np.zeros(0, dtype=np.int64)
        windows = np.lib.stride_tricks.sliding_window_view(ids, SHINGLE_DEFAULT)
        return windows @ (self.base ** np.arange(SHINGLE_DEFAULT - 1, -1, -1, dtype=np.int64))

    def __call__(self, keep: npt.NDArray[np.bool_]) -> float:
        ids = self.ids[keep[self.line_of_token]]
        if not self.coded or len(ids) < SHINGLE_DEFAULT or len(self.gold_tokens) < SHINGLE_DEFAULT:
            # Short texts are one shingle of all their tokens: counted as shingle_prf counts them.
            kept = [token for line, k in zip(self.tokens, keep, strict=True) if k for token in line]
            predicted: Counter[tuple[str, ...]] = shingles(kept)
            return prf(sum((predicted & self.reference).values()), sum(predicted.values()), self.actual).f1
        codes, counts = np.unique(self._codes(ids), return_counts=True)
        _, mine, theirs = np.intersect1d(codes, self.gold_codes, assume_unique=True, return_indices=True)
        overlap = int(np.minimum(counts[mine], self.gold_counts[theirs]).sum())
        return prf(overlap, len(ids) - SHINGLE_DEFAULT + 1, self.actual).f1


def page_f1_curves(frame: pd.DataFrame, p: npt.NDArray[np.float64], thresholds: npt.NDArray[np.float64],
                   pages: pd.DataFrame, fallback_chars: int = 0) -> pd.DataFrame:
    """Page F1 of every page of ``frame`` at every threshold (one prediction, the whole grid), each threshold
    with the decision's fallback at ``fallback_chars`` (0: the threshold alone).

    Returns one row per page with ``doc``, ``dataset`` and one column per threshold; pages whose gold is not in
    ``pages`` are left out, as :func:`~chromecut.evaluate.scores.page_scores` leaves them out.
    """
    gold = pages.assign(doc=pages["dataset"].astype(str) + "/" + pages["page_id"].astype(str)).set_index("doc")
    docs = frame["doc"].astype(str).to_numpy()
    texts = frame["text"].to_numpy()
    rows: list[dict[str, Any]] = []
    f1s: list[npt.NDArray[np.float64]] = []
    order = pd.Series(np.arange(len(frame))).groupby(docs, sort=False)
    for doc, positions in order:
        base = str(doc).split("#", 1)[0]
        if base not in gold.index:
            continue
        at = positions.to_numpy()
        page_gold: pd.Series = gold.loc[base]  # type: ignore[assignment]
        lengths = np.array([len(str(t)) for t in texts[at]], dtype=np.float64)
        dominant = dominant_lines(np.zeros(len(at)), lengths)
        f1s.append(_page_f1s([tokenize(t) for t in texts[at]], p[at], thresholds, page_gold, dominant, lengths,
                             fallback_chars))
        rows.append({"doc": doc, "dataset": str(page_gold["dataset"])})
    table = pd.DataFrame(rows, columns=["doc", "dataset"])
    values = np.vstack(f1s) if f1s else np.zeros((0, len(thresholds)))
    return pd.concat([table, pd.DataFrame(values, columns=list(thresholds))], axis=1)


def dataset_curves(page_curves: pd.DataFrame) -> pd.DataFrame:
    """Mean page F1 per held-out dataset (columns) at every threshold (the index), and their unweighted mean
    (:data:`MEAN_COLUMN`): each dataset weighs the same, whatever its number of pages."""
    per_dataset = page_curves.drop(columns="doc").groupby("dataset", sort=True).mean().T
    per_dataset.index = pd.Index(per_dataset.index.astype(float), name="threshold")
    per_dataset.columns = per_dataset.columns.astype(str)
    per_dataset[MEAN_COLUMN] = per_dataset.mean(axis=1)
    return per_dataset


def best_threshold(curve: pd.Series) -> float:
    """The threshold of the curve's maximum (the lowest of tied thresholds: the most recall for the same F1)."""
    return float(curve.index[int(np.argmax(curve.to_numpy()))])


# -- reliability ---------------------------------------------------------------------------------------------


def reliability_table(y: npt.NDArray[np.int8], p: npt.NDArray[np.float64], groups: npt.NDArray[Any],
                      bins: int = RELIABILITY_BINS_DEFAULT) -> pd.DataFrame:
    """The reliability (calibration) table of labelled lines: per group and for all lines (:data:`POOLED`), per
    probability bin (``bins`` equal bins of [0, 1], the last one closed), the number of lines, their mean
    probability and the fraction of content among them. Empty bins are left out."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    base = pd.DataFrame({"group": np.asarray(groups).astype(str), "bin": which, "p": p, "y": y.astype(np.float64)})
    tables = [base, base.assign(group=POOLED)]
    stats = pd.concat(tables).groupby(["group", "bin"], sort=True).agg(
        lines=("y", "size"), p_mean=("p", "mean"), content_fraction=("y", "mean")).reset_index()
    stats["lower"] = edges[stats["bin"].to_numpy()]
    stats["upper"] = edges[stats["bin"].to_numpy() + 1]
    return stats.rename(columns={"group": "dataset"})[
        ["dataset", "bin", "lower", "upper", "lines", "p_mean", "content_fraction"]]


# -- the fold models -----------------------------------------------------------------------------------------


def validation_threshold(frame: pd.DataFrame, p: npt.NDArray[np.float64], pages: pd.DataFrame,
                         grid_points: int, fallback_chars: int = 0) -> float | None:
    """The threshold of best mean page F1 over the validation sites' pages (``frame``, their probabilities
    ``p``; each page weighs the same, as in ``val_page_f1``): what the ``val_pages`` policy uses, as the line-F1
    threshold the classifier tunes (the ``val`` policy's) often lies on a flat stretch of its curve where page F1
    is not flat; each threshold with the decision's fallback at ``fallback_chars``. ``None`` without a page whose
    gold is known."""
    page_curves = page_f1_curves(frame, p, threshold_grid(grid_points), pages, fallback_chars)
    if page_curves.empty:
        return None
    curve = page_curves.drop(columns=["doc", "dataset"]).mean()
    curve.index = curve.index.astype(float)
    return best_threshold(curve)


def fold_frame(frame: pd.DataFrame, held_out: str, max_pages: int | None) -> pd.DataFrame:
    """The run's frame for one fold: the other datasets' train and validation splits as they are (at most
    ``max_pages`` training pages each), the held-out dataset's train and validation pages as the split to
    predict, and no test page of any dataset."""
    fold = frame[frame["split"] != "test"]
    held = (fold["dataset"] == held_out).to_numpy()
    fold = fold.assign(split=np.where(held, _HELD_OUT_SPLIT, fold["split"].to_numpy()))
    if max_pages is not None:
        training = fold[fold["split"] == "train"].drop_duplicates("doc")
        keep = set(training.groupby("dataset", sort=False).head(max_pages)["doc"])
        fold = fold[(fold["split"] != "train") | fold["doc"].isin(keep)]
    return fold


def held_out_predictions(frame: pd.DataFrame, settings: TrainSettings, root: Path,
                         fit: BoosterFit = fit_booster) -> list[HeldOut]:
    """One fold model per dataset of ``frame`` (the others' training lines, early stopping on their validation
    sites, the run's model settings), and its probabilities for the held-out dataset's train and val pages."""
    from chromecut.train.definition import split_weights
    from chromecut.train.fit import fit_bundle
    from chromecut.train.frame import featurize_parts, load_renderings, split_frames

    datasets = sorted(frame["dataset"].unique())
    renderings = (load_renderings(settings.data, root, datasets) if settings.features.mode == "text" else None)
    model = replace(settings.model, threshold_policy="fixed")  # a fold's own threshold is never used
    out = []
    for index, dataset in enumerate(datasets):
        fold = fold_frame(frame, dataset, settings.model.lodo_max_pages)
        if not (fold["split"] == _HELD_OUT_SPLIT).any() or not (fold["split"] == "train").any():
            continue
        rng = np.random.default_rng([settings.seed, index])
        parts = split_frames(fold, settings.features, rng, renderings)
        held = parts[_HELD_OUT_SPLIT]
        if "renderer" in held:  # renderers the run holds out are never tuned on either
            parts[_HELD_OUT_SPLIT] = held = held[~held["renderer"].isin(settings.features.held_out_renderers)]
        featurizer, features = featurize_parts(parts, settings.features)
        weights = split_weights(parts, settings.data)
        _, probs = fit_bundle(featurizer, parts, features, model, settings.seed, fit, weights)
        out.append(HeldOut(dataset, held.reset_index(drop=True), probs[_HELD_OUT_SPLIT]))
        log.info("lodo fold %s: %d held-out lines", dataset, len(held))
    return out


def lodo_choice(held_out: list[HeldOut], pages: pd.DataFrame, grid_points: int,
                bins: int = RELIABILITY_BINS_DEFAULT, fallback_chars: int = 0
                ) -> tuple[float, pd.DataFrame, pd.DataFrame]:
    """The threshold of best dataset-balanced mean page F1 over the held-out predictions (each threshold with the
    decision's fallback at ``fallback_chars``), the per-dataset curves (:func:`dataset_curves`) and the
    reliability table of the held-out labelled lines."""
    thresholds = threshold_grid(grid_points)
    page_curves = pd.concat(
        [page_f1_curves(h.frame, h.p, thresholds, pages, fallback_chars) for h in held_out], ignore_index=True)
    curves = dataset_curves(page_curves)
    reliability = reliability_table(*_labelled(held_out), bins)
    return best_threshold(curves[MEAN_COLUMN]), curves, reliability


def _labelled(held_out: list[HeldOut]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64], npt.NDArray[Any]]:
    """Labels, probabilities and held-out dataset of every labelled line of the held-out predictions."""
    known = [h.frame["label"].to_numpy() != Label.UNKNOWN for h in held_out]
    y = np.concatenate([h.frame["label"].to_numpy()[k] for h, k in zip(held_out, known, strict=True)])
    p = np.concatenate([h.p[k] for h, k in zip(held_out, known, strict=True)])
    groups = np.concatenate([np.full(int(k.sum()), h.dataset) for h, k in zip(held_out, known, strict=True)])
    return y.astype(np.int8), p, groups


def _balanced(groups: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """A weight per line such that every group's lines weigh the same in total."""
    _, which, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return np.asarray(1.0 / counts[which], dtype=np.float64)


def held_out_calibration(held_out: list[HeldOut], bins: int = RELIABILITY_BINS_DEFAULT,
                         ) -> tuple[Calibration, dict[str, float], pd.DataFrame]:
    """The calibration of ``p_content`` fitted on every held-out dataset's labelled lines (each dataset weighing
    the same), what it does to a dataset it was not fitted on, and the reliability table after it.

    The metrics are ``calibration_slope`` and ``calibration_intercept``; ``held_out_ece.<dataset>``, the
    expected calibration error of the fold model's probabilities on its held-out dataset, and
    ``held_out_ece_calibrated.<dataset>``, the same after the map fitted on the *other* held-out datasets (a
    source the map never saw, as the shipped map meets one); ``held_out_ece`` and ``held_out_ece_calibrated``
    are their means over the datasets.
    """
    y, p, groups = _labelled(held_out)
    calibration = fit_calibration(y, p, _balanced(groups))
    metrics = {"calibration_slope": calibration.slope, "calibration_intercept": calibration.intercept}
    datasets = sorted(set(groups.tolist()))
    before, after = [], []
    for dataset in datasets:
        mine = groups == dataset
        others = fit_calibration(y[~mine], p[~mine], _balanced(groups[~mine]))
        before.append(expected_calibration_error(y[mine], p[mine], bins=bins))
        after.append(expected_calibration_error(y[mine], others(p[mine]), bins=bins))
        metrics[f"held_out_ece.{dataset}"] = before[-1]
        metrics[f"held_out_ece_calibrated.{dataset}"] = after[-1]
    if datasets:
        metrics["held_out_ece"] = float(np.mean(before))
        metrics["held_out_ece_calibrated"] = float(np.mean(after))
    return calibration, metrics, reliability_table(y, calibration(p), groups, bins)


def _grid_point(curves: pd.DataFrame, threshold: float) -> Any:
    """The label of the curves' grid threshold nearest to ``threshold``."""
    return curves.index[int(np.argmin(np.abs(curves.index.to_numpy() - threshold)))]


def curve_metrics(curves: pd.DataFrame, threshold: float) -> dict[str, float]:
    """``lodo_page_f1`` (the mean at ``threshold``), and per held-out dataset its page F1 there and its own
    best threshold."""
    at = _grid_point(curves, threshold)
    metrics = {"lodo_threshold": threshold, "lodo_page_f1": float(curves.loc[at, MEAN_COLUMN])}
    for dataset in curves.columns.drop(MEAN_COLUMN):
        metrics[f"lodo_page_f1.{dataset}"] = float(curves.loc[at, dataset])
        metrics[f"lodo_best_threshold.{dataset}"] = best_threshold(curves[dataset])
    return metrics


def choose_threshold(frame: pd.DataFrame, pages: pd.DataFrame, settings: TrainSettings, root: Path,
                     val_threshold: float, fit: BoosterFit = fit_booster) -> ThresholdChoice:
    """The run's threshold under ``settings.model.threshold_policy``.

    Parameters
    ----------
    frame : DataFrame
        The run's line frame before its split into parts (:func:`~chromecut.train.frame.build_frame`).
    pages : DataFrame
        The prepared page table (the gold of the page scores).
    settings : TrainSettings
    root : Path
        The project root (text mode reads the renderer dumps from the prepared folder).
    val_threshold : float
        The classifier's threshold as tuned on the validation sites (the ``val`` policy's).
    fit : BoosterFit, optional
        The run's booster engine, so fold models fit where the run's model did.
    """
    model = settings.model
    if model.threshold_policy not in THRESHOLD_POLICIES:
        raise ValueError(f"unknown threshold_policy {model.threshold_policy!r}; use one of "
                         f"{', '.join(THRESHOLD_POLICIES)}")
    if model.calibration not in CALIBRATIONS:
        raise ValueError(f"unknown calibration {model.calibration!r}; use one of {', '.join(CALIBRATIONS)}")
    metrics = {"val_threshold": val_threshold}
    own = model.threshold if model.threshold_policy == "fixed" else val_threshold
    policy = "fixed" if model.threshold_policy == "fixed" else "val"
    validation = ThresholdChoice(policy, own, val_threshold, metrics=metrics)
    lodo_threshold = model.threshold_policy == "lodo"
    if not (lodo_threshold or model.calibration == "lodo"):
        return validation
    datasets = frame.loc[frame["split"] != "test", "dataset"].nunique()
    if datasets < MIN_LODO_DATASETS:
        log.warning("threshold_policy=lodo and calibration=lodo need at least %d training datasets, this run has "
                    "%d: the validation threshold, no calibration", MIN_LODO_DATASETS, datasets)
        return validation
    started = time.perf_counter()
    held_out = held_out_predictions(frame, settings, root, fit)
    if not held_out:
        log.warning("lodo: no fold had pages to learn from and pages to predict: the validation threshold, "
                    "no calibration")
        return validation
    best, curves, reliability = lodo_choice(held_out, pages, model.threshold_grid_points,
                                            fallback_chars=model.fallback_chars)
    metrics.update(curve_metrics(curves, best))
    metrics["lodo_page_f1_at_val_threshold"] = float(curves.loc[_grid_point(curves, val_threshold), MEAN_COLUMN])
    calibration, calibrated = Calibration(), pd.DataFrame()
    if model.calibration == "lodo":
        calibration, calibration_metrics, calibrated = held_out_calibration(held_out)
        metrics.update(calibration_metrics)
    metrics["lodo_seconds"] = time.perf_counter() - started
    if lodo_threshold:
        policy, own = "lodo", best
    return ThresholdChoice(policy, own, val_threshold, curves, reliability, metrics, calibration, calibrated)
