"""The training frame: the prepared table's selected pages as a line frame, split by site, in the run's mode.

Text mode drops the markup and augments the training split the way other tools' dumps differ from our own
segmentation: list markers stripped on some pages, and pre-cleaned copies of others (most chrome already gone).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from chromecut.datasets import DATASETS, GoldKind
from chromecut.datasets.prepare import LINES_FILE, PAGES_FILE, PrepareSettings, prepare
from chromecut.features import MARKUP_COLUMNS, Featurizer
from chromecut.features.keywords import PATTERNS
from chromecut.labels import Label
from chromecut.settings import DataSettings, FeatureSettings, resolve_path

_LIST_MARKER = PATTERNS["list_marker"]
#: Page-key suffix of augmented copies (they are transformed, never fitted on as pages of their own).
AUGMENTED_SUFFIX = "#precleaned"
#: The splits of a run, by site.
SPLITS = ("train", "val", "test")


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


def split_frames(frame: pd.DataFrame, settings: FeatureSettings, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Train / val / test line frames in the run's mode (text mode: markup dropped, training augmented)."""
    parts = {split: frame[frame["split"] == split] for split in SPLITS}
    if settings.mode == "text":
        parts = {split: to_text_mode(part, settings, rng, augment=split == "train") for split, part in parts.items()}
    return parts


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
