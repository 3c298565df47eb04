"""Leave-one-dataset-out evaluation, with the peers scored on the same pages.

For each held-out dataset: train on every other dataset (their train splits, early stopping on their
validation splits), then score every labelled page of the held-out dataset. HTML mode reports page-level
shingle F1 (snippet score on snippet gold) next to trafilatura, resiliparse, readability, boilerpy3 and
jusText run on the same pages; text mode reports page F1 and line F1 next to jusText's classifier run on the
same lines. With renderer dumps in the prepared table, text mode learns from the other datasets' dumps of its
training renderers and is scored on the held-out dataset's dumps of every renderer, the held-out renderers
included, per renderer, next to an HTML-mode model of the same fold on the same pages.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import f1_score

from chromecut.datasets import DATASETS, PAGE_TYPE, iter_pages
from chromecut.evaluate.errors import errors_by_kind
from chromecut.evaluate.markdown import BY_PAGE_TYPE, CHROMECUT
from chromecut.evaluate.scores import line_pr_auc as pr_auc
from chromecut.evaluate.scores import page_scores
from chromecut.labels import Label
from chromecut.model.bundle import Bundle
from chromecut.model.decision import frame_kept
from chromecut.settings import FOLD_MAX_PAGES_DEFAULT, TrainSettings
from chromecut.train.core import project_root
from chromecut.train.definition import split_weights
from chromecut.train.fit import fit_bundle
from chromecut.train.frame import (
    RENDERER_SEPARATOR,
    build_frame,
    featurize_parts,
    load_renderings,
    load_table,
    register_own_datasets,
    rendered_parts,
    site_view,
    split_frames,
    to_text_mode,
)
from chromecut.train.threshold import page_f1_curves

#: HTML mode: each fold's held-out pages are also scored at these thresholds (``page_f1_by_threshold``), to show how
#: much of a held-out dataset's figure is the threshold its fold's validation sites chose.
CURVE_THRESHOLDS = tuple(round(0.1 * k, 1) for k in range(1, 10))
#: The columns of a fold's held-out lines that ``--predictions`` writes, where the frame has them.
PREDICTION_COLUMNS = ("dataset", "doc", "renderer", "line", "text", "label")


def _fold_model(train_frame: pd.DataFrame, settings: TrainSettings, rng: np.random.Generator,
                renderings: pd.DataFrame | None = None) -> Bundle:
    """Fit a bundle on a fold's training datasets (their train split; their val split for early stopping)."""
    # Every page of the fold's datasets trains, their test sites included; their validation sites stop early.
    fold = train_frame.assign(split=train_frame["split"].replace({"test": "train"}))
    parts = split_frames(fold, settings.features, rng, renderings)
    del parts["test"]
    featurizer, feats = featurize_parts(parts, settings.features)
    bundle, _ = fit_bundle(featurizer, parts, feats, settings.model, settings.seed,
                           weights=split_weights(parts, settings.data))
    return bundle


def _peer_scores(
    dataset: str, page_ids: set[str], root: Path | None, n_jobs: int,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The peers' rows (:func:`chromecut.evaluate.peer_scores.evaluate_peers`) on the held-out pages, and the
    pages' types where their dataset names them (``page_id`` to type)."""
    from chromecut.evaluate.peer_scores import evaluate_peers

    pages = [p for p in iter_pages(dataset, root) if p.page_id in page_ids]
    types = {p.page_id: p.extra[PAGE_TYPE] for p in pages if PAGE_TYPE in p.extra}
    return evaluate_peers(pages, n_jobs=n_jobs), types


def by_page_type(scores: pd.DataFrame, peer_rows: pd.DataFrame, types: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per page type (most pages first): its pages and the mean page F1 of chromecut (``scores``, one row per
    held-out page, ``doc`` as ``dataset/page_id``) and of each peer (``peer_rows``) on them. Pages without a type
    are left out; empty when none has one."""
    if not types:
        return {}
    ours = scores.assign(page_id=scores["doc"].str.split("/", n=1).str[1])
    ours = ours.assign(page_type=ours["page_id"].map(types)).dropna(subset=["page_type"])
    theirs = peer_rows.assign(page_type=peer_rows["page_id"].map(types)).dropna(subset=["page_type"])
    table: dict[str, dict[str, Any]] = {}
    for page_type, group in sorted(ours.groupby("page_type"), key=lambda item: (-len(item[1]), item[0])):
        entry: dict[str, Any] = {"pages": len(group), CHROMECUT: float(group["f1"].mean())}
        mine = theirs[theirs["page_id"].isin(set(group["page_id"]))]
        entry.update({str(peer): float(rows["f1"].mean()) for peer, rows in mine.groupby("peer")})
        table[str(page_type)] = entry
    return table


def justext_predictions(frame: pd.DataFrame, languages: dict[str, str | None]) -> tuple[npt.NDArray[np.bool_], float]:
    """jusText's paragraph classifier on the same plain-text lines, per page, with each page's language (its
    stoplist; language-independent mode where jusText has none): its verdict on every line, and the seconds."""
    from chromecut.evaluate.peers import justext_lines

    started = time.perf_counter()
    predicted: list[bool] = []
    for doc, page in frame.groupby("doc", sort=False):
        page_key = str(doc).split(RENDERER_SEPARATOR, 1)[0]
        predicted.extend(justext_lines(page["text"].tolist(), languages.get(page_key)))
    return np.asarray(predicted, dtype=bool), time.perf_counter() - started


def line_f1(labels: npt.NDArray[Any], predicted: npt.NDArray[np.bool_], rows: npt.NDArray[np.bool_] | None = None
            ) -> float:
    """F1 of the content class over the labelled lines (of ``rows``, when given)."""
    known = labels != Label.UNKNOWN
    if rows is not None:
        known &= rows
    return float(f1_score(labels[known], predicted[known], zero_division=0))


def line_pr_auc(labels: npt.NDArray[Any], probs: npt.NDArray[np.float64]) -> dict[str, float]:
    """:func:`~chromecut.evaluate.scores.line_pr_auc` over the labelled lines."""
    known = labels != Label.UNKNOWN
    return pr_auc(labels[known].astype(np.int8), probs[known])


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
    train_datasets: Sequence[str] | None = None, held_out_max_pages: int | None = None,
    done: dict[str, Any] | None = None, on_fold: Callable[[dict[str, Any]], None] | None = None,
    predictions_dir: Path | None = None,
) -> dict[str, Any]:
    """Run the leave-one-dataset-out evaluation in the settings' mode; returns per-dataset figures.

    Each fold trains on every dataset but the held-out one, or on ``train_datasets`` but the held-out one, and
    scores every page of the held-out one, or ``held_out_max_pages`` of them drawn with the settings' seed (the
    same pages whatever the fold trained on). A fold draws from its own generator (the seed and the held-out
    dataset's name), so its figures do not depend on which folds ran before it. Folds already in ``done`` (the
    ``datasets`` of an earlier report with the same settings) are kept, asked for or not, and not run again;
    ``on_fold`` gets the report so far after each fold (a long run checkpoints itself and can be resumed).
    With ``predictions_dir``, each fold also writes its held-out lines there (:func:`save_predictions`).
    """
    if settings.model.ensemble_with:
        raise ValueError(
            "model.ensemble_with: a fold trains one bundle without its held-out dataset, and the named bundles "
            "may have learnt from it; evaluate each member's settings instead")
    root = root or project_root()
    register_own_datasets(settings.data, root)
    names = datasets or list(DATASETS)
    pool = set(DATASETS if train_datasets is None else train_datasets)
    lines, pages = load_table(settings.data, root)
    frame = build_frame(lines, pages, list(DATASETS), replace(settings.data, max_pages_per_dataset=None))
    del lines
    text_mode = settings.features.mode == "text"
    results: dict[str, Any] = dict(done or {})  # an earlier run's folds stay, whichever folds this run asks for
    for held_out in names:
        if held_out in results:
            continue
        started = time.perf_counter()
        rng = fold_rng(settings.seed, held_out)
        test = frame[frame["dataset"] == held_out]
        if held_out_max_pages is not None:
            docs = np.array(sorted(test["doc"].unique()), dtype=object)
            drawn = np.random.default_rng(settings.seed).permutation(len(docs))[:held_out_max_pages]
            test = test[test["doc"].isin(set(docs[drawn]))]
        if test.empty:
            continue
        if not pool - {held_out}:  # the pool has no dataset to train on besides the held-out one
            continue
        others = frame[(frame["dataset"] != held_out) & frame["dataset"].isin(pool)]
        if fold_max_pages is not None:
            keep = others.drop_duplicates("doc").groupby("dataset", sort=False).head(fold_max_pages)["doc"]
            others = others[others["doc"].isin(set(keep))]
        renderings = None
        if text_mode:  # only this fold's pages' dumps: the whole table of every renderer would not fit in memory
            wanted = pages_by_dataset(others, test)
            renderings = load_renderings(settings.data, root, sorted(wanted), wanted)
        fold_renderings = None if renderings is None else renderings[renderings["dataset"] != held_out]
        bundle = _fold_model(others, settings, rng, fold_renderings)
        del fold_renderings
        fit_seconds = time.perf_counter() - started
        html_test = test
        if text_mode and renderings is not None and len(renderings):
            held_renderings = renderings[renderings["dataset"] == held_out]
            test = rendered_parts(test.assign(split="test"), held_renderings, settings.features, rng)["test"]
        elif text_mode:
            test = to_text_mode(test, settings.features, rng, augment=False)
        if test.empty:
            continue
        probs = bundle.predict_proba(site_view(test, 0.0))  # as Cleaner cleans a page: without its site
        scores = page_scores(test, probs, bundle.threshold, pages, bundle.smoothing, bundle.fallback_chars)
        kept = frame_kept(test, probs, bundle.threshold, bundle.smoothing, bundle.fallback_chars)
        if predictions_dir is not None:
            save_predictions(predictions_dir, held_out, test, probs, bundle.threshold, bundle.smoothing,
                             bundle.fallback_chars)
        labels = test["label"].to_numpy()
        entry: dict[str, Any] = {
            "pages": len(scores),
            # The fold's threshold and its lines' PR-AUC beside the F1s: a figure that moves between seeds or
            # settings moves by the ranking, or by the threshold the fold's validation sites chose.
            CHROMECUT: {"page_f1": float(scores["f1"].mean()),
                        "line_f1": line_f1(labels, kept),
                        "threshold": float(bundle.threshold), **line_pr_auc(labels, probs)},
            "fold_seconds": round(fit_seconds, 1),
            "fold_train_pages": int(others["doc"].nunique()),
        }
        if settings.features.mode == "html":
            # Where the held-out dataset's mistakes are, by line kind (the errors-by-kind table).
            entry["errors_by_kind"] = errors_by_kind(test, probs, bundle.threshold, smoothing=bundle.smoothing,
                                                     fallback_chars=bundle.fallback_chars)
            curves = page_f1_curves(test, probs, np.array(CURVE_THRESHOLDS), pages, bundle.fallback_chars)
            entry[CHROMECUT]["page_f1_by_threshold"] = {
                f"{t:.1f}": float(curves[t].mean()) for t in CURVE_THRESHOLDS}
        if peers and settings.features.mode == "html":
            page_ids = {doc.split("/", 1)[1] for doc in test["doc"].unique()}
            peer_rows, types = _peer_scores(held_out, page_ids,
                                            Path(settings.data.root) if settings.data.root else None, n_jobs)
            for peer, group in peer_rows.groupby("peer"):
                entry[str(peer)] = {"page_f1": float(group["f1"].mean()), "failures": int(group["error"].notna().sum())}
            if types:  # the held-out dataset names its pages' types: where the tools win and lose
                entry[BY_PAGE_TYPE] = by_page_type(scores, peer_rows, types)
        justext = None
        if peers and text_mode:
            justext, seconds = justext_predictions(test, page_languages(pages, held_out))
            entry["justext"] = {"line_f1": line_f1(labels, justext), "seconds": round(seconds, 1)}
        if text_mode and "renderer" in test:
            # HTML mode as it ships: its decision is the threshold's (smoothing is text mode's, docs/training.md).
            html_settings = replace(settings, features=replace(settings.features, mode="html"),
                                    model=replace(settings.model, smoothing=0.0))
            html_bundle = _fold_model(others, html_settings, rng)
            html_scores = page_scores(html_test, html_bundle.predict_proba(html_test), html_bundle.threshold, pages,
                                      html_bundle.smoothing, html_bundle.fallback_chars)
            entry["html"] = {"page_f1": float(html_scores["f1"].mean())}
            entry["renderers"] = renderer_figures(test, kept, scores, html_scores, justext)
        results[held_out] = entry
        print(json.dumps({held_out: {k: v for k, v in entry.items() if k != "errors_by_kind"}}), flush=True)
        if on_fold is not None:
            on_fold(_report(settings, fold_max_pages, results, pool, train_datasets, held_out_max_pages))
    return _report(settings, fold_max_pages, results, pool, train_datasets, held_out_max_pages)


def save_predictions(folder: Path, held_out: str, test: pd.DataFrame, probs: npt.NDArray[np.float64],
                     threshold: float, smoothing: float = 0.0, fallback_chars: int = 0) -> Path:
    """Write a fold's held-out lines to ``folder/<held_out>.parquet``: page (``doc``), line, text, gold label,
    the fold model's ``p_content``, ``threshold``, ``smoothing`` and ``fallback_chars`` (and, in text mode, each dump's
    ``renderer``), in page and line order: what error analysis and decision rules other than the threshold read,
    without training again."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = [c for c in PREDICTION_COLUMNS if c in test]
    out = test[columns].reset_index(drop=True).assign(p_content=np.asarray(probs, dtype=np.float64),
                                                      threshold=float(threshold), smoothing=float(smoothing),
                                                      fallback_chars=int(fallback_chars))
    path = folder / f"{held_out}.parquet"
    out.to_parquet(path, index=False)
    return path


def fold_rng(seed: int, held_out: str) -> np.random.Generator:
    """The generator of the fold that holds ``held_out`` out: the run's seed and the dataset's name."""
    return np.random.default_rng([seed, zlib.crc32(held_out.encode("utf-8"))])


def pages_by_dataset(*frames: pd.DataFrame) -> dict[str, set[str]]:
    """The page ids of line frames, by dataset."""
    pages: dict[str, set[str]] = {}
    for frame in frames:
        pairs = frame[["dataset", "page_id"]].drop_duplicates()
        for name, group in pairs.groupby("dataset", sort=False):
            pages.setdefault(str(name), set()).update(group["page_id"].astype(str))
    return pages


def _report(settings: TrainSettings, fold_max_pages: int | None, results: dict[str, Any], pool: set[str],
            train_datasets: Sequence[str] | None, held_out_max_pages: int | None) -> dict[str, Any]:
    report: dict[str, Any] = {"mode": settings.features.mode, "fold_max_pages": fold_max_pages,
                              "datasets": dict(results)}
    if train_datasets is not None:
        report["train_datasets"] = sorted(pool)
    if held_out_max_pages is not None:
        report["held_out_max_pages"] = held_out_max_pages
    if settings.features.mode == "text":
        # Which dumps the fold's text models learnt from: chromecut's own lines only, or every renderer's but the
        # held-out ones.
        report["learn_from_renderings"] = settings.features.learn_from_renderings
        report["held_out_renderers"] = list(settings.features.held_out_renderers)
    return report


def renderer_figures(test: pd.DataFrame, kept: npt.NDArray[np.bool_], scores: pd.DataFrame,
                     html_scores: pd.DataFrame, justext: npt.NDArray[np.bool_] | None) -> dict[str, Any]:
    """Per renderer of a held-out dataset's dumps: text mode's page F1 and line F1 (``kept``: its decisions on
    ``test``'s lines), jusText's line F1 on the same lines (from its verdicts on ``test``'s lines, when given), and
    HTML mode's page F1 on the same pages."""
    renderer_of_doc = test.drop_duplicates("doc").set_index("doc")["renderer"]
    page_renderer = scores["doc"].map(renderer_of_doc)
    html_f1 = html_scores.set_index("doc")["f1"]
    labels = test["label"].to_numpy()
    figures: dict[str, Any] = {}
    for renderer, page_rows in scores.groupby(page_renderer, sort=True):
        rows = (test["renderer"] == renderer).to_numpy()
        pages_html = page_rows["doc"].str.split(RENDERER_SEPARATOR).str[0].map(html_f1)
        figure: dict[str, Any] = {
            "pages": len(page_rows),
            "page_f1": float(page_rows["f1"].mean()),
            "line_f1": line_f1(labels, kept, rows),
            "html_page_f1": float(pages_html.mean()) if pages_html.notna().any() else None,
        }
        if justext is not None:
            figure["justext_line_f1"] = line_f1(labels, justext, rows)
        figures[str(renderer)] = figure
    return figures


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
