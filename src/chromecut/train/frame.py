"""The training frame: the prepared table's selected pages as a line frame, split by site, in the run's mode.

Text mode learns from what scrapers leave: the whole-page dumps of several renderers (``renderings.parquet``,
each dump's lines labelled by the same gold alignment as chromecut's own lines), a few renderers drawn per
page, the held-out renderers kept for the test split only. It drops the markup and augments the training split
the way other tools' dumps differ further: list markers stripped on some pages, and pre-cleaned copies of others
(most chrome already gone). A prepared table without renderings gives chromecut's own lines, markup dropped.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.datasets import DATASETS, GoldKind, register_own
from chromecut.datasets.prepare import LINES_FILE, PAGES_FILE, PrepareSettings, prepare
from chromecut.features import MARKUP_COLUMNS, Featurizer
from chromecut.features.frame import SOURCE_COLUMN
from chromecut.features.keywords import PATTERNS
from chromecut.labels import Label
from chromecut.settings import DataSettings, FeatureSettings, resolve_path

_LIST_MARKER = PATTERNS["list_marker"]
#: Page-key suffix of augmented copies (they are transformed, never fitted on as pages of their own).
AUGMENTED_SUFFIX = "#precleaned"
#: CRC-32 values are below this: a page's CRC over it is its uniform draw (:func:`site_view`).
_CRC_RANGE = float(2**32)
#: Salt of :attr:`~chromecut.settings.FeatureSettings.stopword_dropout`'s page draw (independent of the site's).
_STOPWORD_DROPOUT_SALT = "stopword-dropout:"
#: The draw of an ``always`` renderer's dump (random draws are in [0, 1), so it ranks first).
_ALWAYS_DRAWN = -1.0
#: The splits of a run, by site.
SPLITS = ("train", "val", "test")
#: The prepared table of renderer dumps (written by ``chromecut data prepare`` beside the line table).
RENDERINGS_FILE = "renderings.parquet"
#: Separates a page's key from its renderer in a text-mode page key (``dataset/page#renderer``); scoring
#: finds the gold by the part before it.
RENDERER_SEPARATOR = "#"


def register_own_datasets(settings: DataSettings, root: Path) -> list[str]:
    """Make each folder of ``own_datasets`` (relative to ``root``) a dataset of this process
    (:func:`chromecut.datasets.register_own`); their names."""
    return [register_own(resolve_path(folder, root)).name for folder in settings.own_datasets]


def selected_datasets(settings: DataSettings) -> list[str]:
    """Datasets a run trains on: the listed ones (all when empty), permissive only unless research is on."""
    unknown = [name for name in settings.datasets if name not in DATASETS]
    if unknown:
        raise ValueError(f"data.datasets names unknown dataset(s) {', '.join(unknown)}; known: "
                         f"{', '.join(DATASETS)} (a folder of your own pages: data.own_datasets)")
    names = list(settings.datasets) or list(DATASETS)
    if settings.permissive_only and not settings.include_research:
        names = [n for n in names if DATASETS[n].permissive]
    return [n for n in names if n not in settings.exclude_datasets]


def prepare_settings(settings: DataSettings, root: Path) -> PrepareSettings:
    """How ``prepare`` builds the table ``settings`` read (``data.processed_dir``; paths relative to ``root``)."""
    return PrepareSettings(
        out_dir=resolve_path(settings.processed_dir, root),
        root=Path(settings.root) if settings.root else None,
        min_coverage=settings.min_gold_coverage,
        max_pages=settings.max_pages_per_dataset,
        n_jobs=settings.prepare_jobs,
        renderers=settings.renderers,
        split_glued=settings.split_glued,
        own=tuple(resolve_path(folder, root) for folder in settings.own_datasets),
    )


def load_table(
    settings: DataSettings, root: Path, read_lines: Callable[[Path, list[str]], pd.DataFrame] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The prepared line and page tables (prepared first when missing); ``read_lines(path, datasets)`` reads
    the line table's rows of the selected datasets instead of pandas (the Dask engine reads it on its cluster)."""
    folder = resolve_path(settings.processed_dir, root)
    if not (folder / LINES_FILE).exists():
        prepare(prepare_settings(settings, root))
    lines = pd.read_parquet(folder / LINES_FILE) if read_lines is None else read_lines(
        folder / LINES_FILE, selected_datasets(settings))
    return lines, pd.read_parquet(folder / PAGES_FILE)


def load_renderings(settings: DataSettings, root: Path, datasets: list[str],
                    pages: dict[str, set[str]] | None = None) -> pd.DataFrame | None:
    """The selected datasets' renderer dumps, or ``None`` when the prepared table has none; with ``pages``
    (page ids by dataset), only those pages' dumps, filtered as the file is read (a leave-one-dataset-out fold
    reads its own pages, never the whole table)."""
    path = resolve_path(settings.processed_dir, root) / RENDERINGS_FILE
    if not path.exists():
        return None
    filters: list[Any] = [("dataset", "in", datasets)] if datasets else []
    if pages is not None:
        wanted = [(name, sorted(pages.get(name, ()))) for name in datasets]
        filters = [[("dataset", "==", name), ("page_id", "in", ids)] for name, ids in wanted if ids]
    if filters:
        renderings = pd.read_parquet(path, filters=filters)
    else:  # no page asked for: the table's columns, no rows
        import pyarrow.parquet as pq

        renderings = pq.read_schema(path).empty_table().to_pandas()
    for column in ("dataset", "page_id", "renderer"):
        renderings[column] = renderings[column].astype(str)
    return renderings


def build_frame(lines: pd.DataFrame, pages: pd.DataFrame, datasets: list[str], settings: DataSettings) -> pd.DataFrame:
    """The line frame of the selected datasets' labelled pages, with page keys, titles, summaries and gold
    fields."""
    ok = pages[pages["error"].isna() & pages["dataset"].isin(datasets)].copy()
    full_text = ok["gold_kind"] != str(GoldKind.SNIPPETS)
    ok = ok[~full_text | (ok["gold_coverage"].fillna(0.0) >= settings.min_gold_coverage)]
    if settings.max_pages_per_dataset is not None:
        ok = ok.groupby("dataset", sort=False, observed=True).head(settings.max_pages_per_dataset)
    ok["doc"] = ok["dataset"].astype(str) + "/" + ok["page_id"].astype(str)
    frame = lines[lines["dataset"].isin(datasets)].copy()
    frame["doc"] = frame["dataset"].astype(str) + "/" + frame["page_id"].astype(str)
    frame = frame[frame["doc"].isin(set(ok["doc"]))]
    # A table prepared before pages had a summary column gives none: the summary family is then missing.
    frame = frame.merge(ok[["doc", *(c for c in ("title", "summary") if c in ok)]], on="doc", how="left")
    frame["domain"] = frame["domain"].astype(str)
    frame["dataset"] = frame["dataset"].astype(str)
    frame["split"] = frame["split"].astype(str)
    return frame.sort_values(["doc", "line"], kind="stable").reset_index(drop=True)


def to_text_mode(
    frame: pd.DataFrame, settings: FeatureSettings, rng: np.random.Generator, augment: bool
) -> pd.DataFrame:
    """The frame as a text-extraction tool would have written it: no markup; when augmenting, list markers
    stripped on some pages and a pre-cleaned copy (most chrome already removed) of others. Every row keeps the
    page it came from as ``source``, so a copy never counts as another page that repeats its lines."""
    out = frame.drop(columns=[c for c in (*MARKUP_COLUMNS, "title", "summary") if c in frame]).copy()
    if SOURCE_COLUMN not in out:
        out[SOURCE_COLUMN] = out["doc"]
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
        chrome = (pre["label"] == Label.CHROME).to_numpy()
        share = pre["doc"].map(keep_share).to_numpy(dtype=np.float64)
        if settings.augment_chrome_run_lines > 0:
            keep = ~chrome | _kept_chrome_pieces(pre, settings.augment_chrome_run_lines, share, rng)
        else:
            keep = ~chrome | (rng.random(len(pre)) < share)
        pre = pre[keep]
        pre["doc"] = pre["doc"] + AUGMENTED_SUFFIX
        copies.append(pre)
    return pd.concat(copies, ignore_index=True)


def _kept_chrome_pieces(pre: pd.DataFrame, mean_lines: float, share: npt.NDArray[np.floating[Any]],
                        rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """Which lines of the pages' chrome a pre-cleaned copy keeps, piece by piece: each run of chrome between two
    content lines (lines without a label do not end it) is cut after each line with probability
    ``1 / mean_lines``, and each piece is kept whole with its page's share. What a scraper leaves is whole
    widgets (a "Related" heading with its list, a share bar), not lines drawn one by one."""
    doc = pre["doc"].to_numpy()
    label = pre["label"].to_numpy()
    new_page = np.r_[True, doc[1:] != doc[:-1]]
    after_content = np.r_[True, label[:-1] == Label.CONTENT]
    cut = rng.random(len(pre)) < 1.0 / max(mean_lines, 1.0)
    piece = np.cumsum(new_page | after_content | np.r_[True, cut[:-1]]) - 1
    first = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1]])
    kept: npt.NDArray[np.bool_] = rng.random(len(first)) < share[first]
    pieces: npt.NDArray[np.bool_] = kept[piece]
    return pieces


def original_pages(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the frame's original pages (augmented copies left out)."""
    return frame[~frame["doc"].astype(str).str.endswith(AUGMENTED_SUFFIX)]


def training_renderers(renderings: pd.DataFrame, settings: FeatureSettings) -> list[str]:
    """The renderers a text model learns from: the chosen ones (all in the table when none are), less the
    held-out ones."""
    available = sorted(renderings["renderer"].unique())
    chosen = [r for r in (settings.renderers or available) if r in available]
    return [r for r in chosen if r not in settings.held_out_renderers]


def draw_renderings(rendered: pd.DataFrame, per_page: int, rng: np.random.Generator,
                    always: tuple[str, ...] = ()) -> pd.DataFrame:
    """At most ``per_page`` renderers' dumps of each page: the ``always`` renderers' first, the rest drawn at
    random (every page's draw independent)."""
    pairs = rendered[["doc", "renderer"]].drop_duplicates()
    draws = rng.random(len(pairs))
    pairs = pairs.assign(draw=np.where(pairs["renderer"].isin(always), _ALWAYS_DRAWN, draws))
    pairs["rank"] = pairs.groupby("doc", sort=False)["draw"].rank(method="first")
    kept = pairs[pairs["rank"] <= per_page][["doc", "renderer"]]
    return rendered.merge(kept, on=["doc", "renderer"], how="inner")


def without_blank_lines(dumps: pd.DataFrame) -> pd.DataFrame:
    """The dumps' non-blank lines, each keeping its own ``line`` index: the rows inference featurises
    (:func:`chromecut.features.frame.line_frame` leaves blank lines out), so a line's neighbours, its position
    and its page's size are the same in training as when a user cleans the dump. A blank line has no label to
    learn (``UNKNOWN``) and no token to score."""
    return dumps[dumps["text"].astype(str).str.strip() != ""]


def rendered_parts(frame: pd.DataFrame, renderings: pd.DataFrame, settings: FeatureSettings,
                   rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Text-mode splits from the renderer dumps of the frame's pages (their blank lines left out, as inference
    leaves them out, unless :attr:`~chromecut.settings.FeatureSettings.blank_rows_in_training` keeps them in the
    training and validation pages): training and validation pages with
    :attr:`~chromecut.settings.FeatureSettings.renderings_per_page` dumps of the training renderers, test pages
    with every chosen renderer's dump (held-out ones included). Page keys get the renderer
    (``dataset/page#renderer``); a ``renderer`` column says which, and ``source`` names the page (a page's dumps
    are one page to the repetition features)."""
    meta = frame.drop_duplicates("doc")[["doc", "dataset", "page_id", "domain", "split"]].copy()
    meta["page_id"] = meta["page_id"].astype(str)
    rendered = renderings.drop(columns=[c for c in ("domain", "split") if c in renderings]).merge(
        meta, on=["dataset", "page_id"], how="inner")
    learn = training_renderers(renderings, settings)
    every = [*learn, *(r for r in settings.held_out_renderers if r in set(renderings["renderer"]))]
    parts = {}
    for split in SPLITS:
        part = rendered[rendered["split"] == split]
        if split == "test" or not settings.blank_rows_in_training:
            part = without_blank_lines(part)
        if split == "test":
            part = part[part["renderer"].isin(every)]
        else:
            part = draw_renderings(part[part["renderer"].isin(learn)], settings.renderings_per_page, rng,
                                   always=settings.renderers_always)
        part = part.assign(**{SOURCE_COLUMN: part["doc"], "doc": part["doc"] + RENDERER_SEPARATOR + part["renderer"]})
        part = part.sort_values(["doc", "line"], kind="stable").reset_index(drop=True)
        parts[split] = to_text_mode(part, settings, rng, augment=split == "train")
    return parts


def split_frames(frame: pd.DataFrame, settings: FeatureSettings, rng: np.random.Generator,
                 renderings: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Train / val / test line frames in the run's mode (text mode: the renderer dumps when there are any, else
    chromecut's own lines; markup dropped, training augmented)."""
    if settings.mode == "text" and settings.learn_from_renderings and renderings is not None and len(renderings):
        return rendered_parts(frame, renderings, settings, rng)
    parts = {split: frame[frame["split"] == split] for split in SPLITS}
    if settings.mode == "text":
        parts = {split: to_text_mode(part, settings, rng, augment=split == "train") for split, part in parts.items()}
    return parts


def _featurizer(settings: FeatureSettings, **overrides: Any) -> Featurizer:
    """The run's featurizer; ``overrides`` replace some of its parameters (the stopword dropout's lists)."""
    params: dict[str, Any] = {
        "keyword_max_chars": settings.keyword_max_chars,
        "stopword_languages": tuple(settings.stopword_languages),
        "repeat_min_pages": settings.repeat_min_pages,
        "repeat_table_size": settings.repeat_table_size,
        "section_features": settings.section_features,
        "kind_features": settings.kind_features,
        "markdown_features": settings.markdown_features,
        "cjk_prose_words": settings.cjk_prose_words,
        "keyword_plurals": settings.keyword_plurals,
        "summary_features": settings.summary_features,
        "page_word_features": settings.page_word_features,
        "vocab_features": settings.vocab_features,
        "attr_vocab_features": settings.attr_vocab_features,
    }
    return Featurizer(settings.mode, **{**params, **overrides})  # type: ignore[arg-type]


def site_view(part: pd.DataFrame, known_share: float) -> pd.DataFrame:
    """The part as the featurizer sees it: the site (``domain``) kept for about ``known_share`` of its pages
    (chosen by a hash of the page key, so every run and process picks the same) and unknown for the others, as
    inference leaves it (:mod:`chromecut.predict` cleans pages without naming their site)."""
    if "domain" not in part or known_share >= 1.0:
        return part
    if known_share <= 0.0:
        return part.drop(columns="domain")
    return part.assign(domain=part["domain"].where(page_draws(part) < known_share))


def page_draws(part: pd.DataFrame, salt: str = "") -> npt.NDArray[np.float64]:
    """One draw in [0, 1) per source page (a hash of ``salt`` and the page key, so every run and process draws
    the same), repeated on each of its rows."""
    codes, pages = pd.factorize(part[SOURCE_COLUMN if SOURCE_COLUMN in part else "doc"].astype(str))
    draws = np.fromiter((zlib.crc32((salt + page).encode("utf-8")) / _CRC_RANGE for page in pages),
                        dtype=np.float64, count=len(pages))
    return draws[codes]


def featurize_parts(
    parts: dict[str, pd.DataFrame], settings: FeatureSettings
) -> tuple[Featurizer, dict[str, pd.DataFrame]]:
    """Fit the featurizer on the original training pages and featurise every part (training rows with
    leave-one-out line frequencies; the site known on :attr:`~chromecut.settings.FeatureSettings.site_known_share`
    of the training pages and on no other page, as at inference)."""
    featurizer = _featurizer(settings)
    train = site_view(parts["train"], settings.site_known_share)
    features = {"train": featurizer.fit_transform(train, original_pages(train))}
    if settings.stopword_dropout > 0.0:
        blind = page_draws(train, _STOPWORD_DROPOUT_SALT) < settings.stopword_dropout
        if blind.any():
            # The whole frame again, so the page-level and site families see the same batch as above.
            without = _featurizer(settings, stopword_languages=()).fit_transform(train, original_pages(train))
            kept = features["train"]
            features["train"] = pd.DataFrame(np.where(blind[:, None], without.to_numpy(), kept.to_numpy()),
                                             index=kept.index, columns=kept.columns)
    features.update({split: featurizer.transform(site_view(part, 0.0))
                     for split, part in parts.items() if split != "train"})
    return featurizer, features
