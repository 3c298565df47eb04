"""Scores of a run: line-level precision, recall and F1, and page-level F1 of the kept text against the gold."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from chromecut.datasets import GoldKind
from chromecut.evaluate.metrics import shingle_prf, snippet_score
from chromecut.model.decision import frame_kept
from chromecut.model.ensemble import Model


def line_metrics(y: npt.NDArray[np.int8], p: npt.NDArray[np.float64], threshold: float) -> dict[str, float]:
    """Line-level precision, recall, F1 (content is positive) and PR-AUC."""
    if len(y) == 0:
        return {}
    pred = (p >= threshold).astype(np.int8)
    precision, recall, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    return {"line_precision": float(precision), "line_recall": float(recall), "line_f1": float(f1),
            **line_pr_auc(y, p)}


def line_pr_auc(y: npt.NDArray[np.int8], p: npt.NDArray[np.float64]) -> dict[str, float]:
    """``{"line_pr_auc": ...}``: the content class's PR-AUC (the ranking, whatever the threshold); empty without
    both classes."""
    if len(np.unique(y)) < 2:
        return {}
    return {"line_pr_auc": float(average_precision_score(y, p))}


def page_scores(frame: pd.DataFrame, p: npt.NDArray[np.float64], threshold: float, pages: pd.DataFrame,
                smoothing: float = 0.0, fallback_chars: int = 0) -> pd.DataFrame:
    """Page-level scores: kept lines (the decision at ``threshold``, ``smoothing`` and ``fallback_chars``) vs the
    gold (shingle F1 for full text, snippet score for snippet gold)."""
    return kept_page_scores(frame, frame_kept(frame, p, threshold, smoothing, fallback_chars), pages)


def kept_page_scores(frame: pd.DataFrame, kept_lines: npt.NDArray[np.bool_], pages: pd.DataFrame) -> pd.DataFrame:
    """:func:`page_scores` of the lines a decision rule kept (``kept_lines``, one per line of ``frame``)."""
    keep = pd.DataFrame({"doc": frame["doc"].to_numpy(), "text": frame["text"].to_numpy(), "keep": kept_lines})
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


def score_bundle(bundle: Model, part: pd.DataFrame, pages: pd.DataFrame) -> float:
    """Mean page-level F1 of a bundle or an ensemble on a line frame (how a challenger and the champion are
    compared)."""
    if part.empty:
        return float("nan")
    probs = bundle.predict_proba(part)
    scores = page_scores(part, probs, bundle.threshold, pages, bundle.smoothing, bundle.fallback_chars)
    return float(scores["f1"].mean())
