"""Leave-one-dataset-out evaluation, with the peers scored on the same pages.

For each held-out dataset: train on every other dataset (their train splits, early stopping on their
validation splits), then score every labelled page of the held-out dataset. HTML mode reports page-level
shingle F1 (snippet score on snippet gold) next to trafilatura, resiliparse, readability, boilerpy3 and
jusText run on the same pages; text mode reports line F1 next to jusText's classifier run on the same lines.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from chromecut.datasets import DATASETS, iter_pages
from chromecut.evaluate.errors import errors_by_kind
from chromecut.evaluate.scores import page_scores
from chromecut.labels import Label
from chromecut.model.bundle import Bundle
from chromecut.settings import FOLD_MAX_PAGES_DEFAULT, TrainSettings
from chromecut.train.core import project_root
from chromecut.train.fit import fit_bundle
from chromecut.train.frame import build_frame, featurize_parts, load_table, split_frames, to_text_mode


def _fold_model(train_frame: pd.DataFrame, settings: TrainSettings, rng: np.random.Generator) -> Bundle:
    """Fit a bundle on a fold's training datasets (their train split; their val split for early stopping)."""
    # Every page of the fold's datasets trains, their test sites included; their validation sites stop early.
    fold = train_frame.assign(split=train_frame["split"].replace({"test": "train"}))
    parts = split_frames(fold, settings.features, rng)
    del parts["test"]
    featurizer, feats = featurize_parts(parts, settings.features)
    bundle, _ = fit_bundle(featurizer, parts, feats, settings.model, settings.seed)
    return bundle


def _peer_scores(dataset: str, page_ids: set[str], root: Path | None, n_jobs: int) -> pd.DataFrame:
    from chromecut.evaluate.peer_scores import evaluate_peers

    pages = [p for p in iter_pages(dataset, root) if p.page_id in page_ids]
    return evaluate_peers(pages, n_jobs=n_jobs)


def justext_line_f1(frame: pd.DataFrame, languages: dict[str, str | None]) -> tuple[float, float]:
    """jusText's paragraph classifier on the same plain-text lines, per page, with each page's language (its
    stoplist; language-independent mode where jusText has none): (line F1, seconds)."""
    from chromecut.evaluate.peers import justext_lines

    started = time.perf_counter()
    predicted: list[bool] = []
    for doc, page in frame.groupby("doc", sort=False):
        predicted.extend(justext_lines(page["text"].tolist(), languages.get(str(doc))))
    seconds = time.perf_counter() - started
    labels = frame["label"].to_numpy()
    mask = labels != Label.UNKNOWN
    return float(f1_score(labels[mask], np.asarray(predicted)[mask], zero_division=0)), seconds


def page_languages(pages: pd.DataFrame, dataset: str) -> dict[str, str | None]:
    """Language of each page of a dataset (the page's own, else the dataset's), keyed like line frames."""
    rows = pages[pages["dataset"] == dataset]
    fallback = DATASETS[dataset].language
    return {
        f"{dataset}/{page_id}": (language if isinstance(language, str) and language else fallback)
        for page_id, language in zip(rows["page_id"], rows["language"], strict=True)
    }


def leave_one_dataset_out(
    settings: TrainSettings, datasets: list[str] | None = None, *, peers: bool = True, n_jobs: int = 1,
    root: Path | None = None, fold_max_pages: int | None = FOLD_MAX_PAGES_DEFAULT,
) -> dict[str, Any]:
    """Run the leave-one-dataset-out evaluation in the settings' mode; returns per-dataset figures."""
    root = root or project_root()
    names = datasets or list(DATASETS)
    lines, pages = load_table(settings.data, root)
    frame = build_frame(lines, pages, list(DATASETS), replace(settings.data, max_pages_per_dataset=None))
    del lines
    rng = np.random.default_rng(settings.seed)
    results: dict[str, Any] = {}
    for held_out in names:
        started = time.perf_counter()
        test = frame[frame["dataset"] == held_out]
        if test.empty:
            continue
        others = frame[frame["dataset"] != held_out]
        if fold_max_pages is not None:
            keep = others.drop_duplicates("doc").groupby("dataset", sort=False).head(fold_max_pages)["doc"]
            others = others[others["doc"].isin(set(keep))]
        bundle = _fold_model(others, settings, rng)
        fit_seconds = time.perf_counter() - started
        if settings.features.mode == "text":
            test = to_text_mode(test, settings.features, rng, augment=False)
        probs = bundle.predict_proba(test)
        scores = page_scores(test, probs, bundle.threshold, pages)
        mask = test["label"].to_numpy() != Label.UNKNOWN
        line_f1 = float(f1_score(test["label"].to_numpy()[mask], probs[mask] >= bundle.threshold, zero_division=0))
        entry: dict[str, Any] = {
            "pages": len(scores),
            "chromecut": {"page_f1": float(scores["f1"].mean()), "line_f1": line_f1},
            "fold_seconds": round(fit_seconds, 1),
            "fold_train_pages": int(others["doc"].nunique()),
        }
        if settings.features.mode == "html":
            # Where the held-out dataset's mistakes are, by line kind (the errors-by-kind table).
            entry["errors_by_kind"] = errors_by_kind(test, probs, bundle.threshold)
        if peers and settings.features.mode == "html":
            page_ids = {doc.split("/", 1)[1] for doc in test["doc"].unique()}
            peer_rows = _peer_scores(held_out, page_ids, Path(settings.data.root) if settings.data.root else None,
                                     n_jobs)
            for peer, group in peer_rows.groupby("peer"):
                entry[str(peer)] = {"page_f1": float(group["f1"].mean()), "failures": int(group["error"].notna().sum())}
        if peers and settings.features.mode == "text":
            f1, seconds = justext_line_f1(test, page_languages(pages, held_out))
            entry["justext"] = {"line_f1": f1, "seconds": round(seconds, 1)}
        results[held_out] = entry
        print(json.dumps({held_out: {k: v for k, v in entry.items() if k != "errors_by_kind"}}), flush=True)
    return {"mode": settings.features.mode, "fold_max_pages": fold_max_pages, "datasets": results}


HTML_PEERS = ("trafilatura", "resiliparse", "readability", "boilerpy3", "justext")


def markdown_table(report: dict[str, Any]) -> str:
    """The leave-one-dataset-out report as a Markdown table (best score of each row in bold)."""
    html = report["mode"] == "html"
    columns = ["chromecut", *HTML_PEERS] if html else ["chromecut", "justext"]
    metric = "page_f1" if html else "line_f1"
    head = "| held-out dataset | pages | " + " | ".join(columns) + " |"
    rows = [head, "|---|---:|" + "---:|" * len(columns)]
    for name, entry in report["datasets"].items():
        values = [entry.get(c, {}).get(metric) for c in columns]
        best = max((v for v in values if v is not None), default=None)
        cells = [
            "-" if v is None else (f"**{v:.3f}**" if v == best else f"{v:.3f}") for v in values
        ]
        rows.append(f"| {name} | {entry['pages']} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
