"""The prepared table: every page of every dataset segmented and labelled, split by site, with a report.

``prepare`` writes two Parquet tables under ``out_dir``: ``lines.parquet`` (one row per line: dataset, page
id, domain, split, license, line index, text, markup statistics, label, alignment score) and
``pages.parquet`` (one row per page: counts, oracle scores, gold coverage, and the error that stopped a page,
if any). With renderers selected it also writes every labelled page's whole-page text dumps,
``renderings.parquet`` (one row per dump line, with its renderer) and ``rendering_pages.parquet`` (one row per
page and renderer), see :mod:`chromecut.datasets.renderings`. ``report`` aggregates them per dataset and per
renderer. One broken page never stops the run: it is recorded with its reason and the others go on; so is one
failed dump.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chromecut.datasets import DATASETS, DatasetInfo, GoldKind, Page, iter_pages, register_own
from chromecut.datasets.own import LICENSE_UNSTATED
from chromecut.datasets.renderers import RENDER_TIMEOUT_SECONDS_DEFAULT, available_renderers
from chromecut.datasets.renderings import (
    RENDERING_PAGES_FILE,
    RENDERINGS_FILE,
    Rendering,
    RenderingsWriter,
    render_page,
    renderer_report,
)
from chromecut.evaluate.metrics import shingle_prf, snippet_score
from chromecut.io.streams import chunked
from chromecut.labels import MIN_COVERAGE_DEFAULT, label_figures, label_lines, oracle_text
from chromecut.segment.encoding import decode_text
from chromecut.segment.html import MARKUP_FIELDS, Line, segment_html

LINES_FILE = "lines.parquet"
NOT_LOADED = "not loaded: "
PAGES_FILE = "pages.parquet"
REPORT_FILE = "report.json"
SPLIT_SEED_DEFAULT = 20261123
#: Share of sites in the validation and test splits; the rest train.
VAL_FRACTION_DEFAULT = 0.1
TEST_FRACTION_DEFAULT = 0.1
#: A page is labelled only if at least this share of its gold's shingles occurs in its lines at all.
MIN_REACHABLE_GOLD_DEFAULT = 0.5
#: Pages handed to a worker process at a time.
CHUNK_PAGES = 16
_HASH_SCALE = float(2**64)


@dataclass(frozen=True, slots=True)
class PrepareSettings:
    """What ``prepare`` reads and writes, and how it labels and splits.

    ``renderers`` names the renderers whose dumps of each labelled page are labelled too (``None``: every
    available default one, see :func:`chromecut.datasets.renderers.available_renderers`; empty: none, and no
    renderings tables); ``render_timeout`` is each dump's time guard. ``split_glued`` splits the glued renderers'
    dumps of training pages at their glue points before labelling them
    (:func:`chromecut.datasets.renderings.split_at_glue`); validation and test pages keep their dumps as they are.
    """

    out_dir: Path
    root: Path | None = None
    datasets: tuple[str, ...] = tuple(DATASETS)
    seed: int = SPLIT_SEED_DEFAULT
    val_fraction: float = VAL_FRACTION_DEFAULT
    test_fraction: float = TEST_FRACTION_DEFAULT
    min_coverage: float = MIN_COVERAGE_DEFAULT
    max_pages: int | None = None
    n_jobs: int = 1
    renderers: tuple[str, ...] | None = None
    render_timeout: float | None = RENDER_TIMEOUT_SECONDS_DEFAULT
    split_glued: bool = False
    #: Folders of your own labelled pages (:mod:`chromecut.datasets.own`), prepared after ``datasets``.
    own: tuple[Path, ...] = ()

    def selected_renderers(self) -> tuple[str, ...]:
        """The renderers this run dumps pages with."""
        return available_renderers() if self.renderers is None else self.renderers

    def split(self, domain: str, given: str | None = None) -> str:
        """The split of a page of ``domain``: the one its dataset ``given`` it, else its site's
        (:func:`split_of`)."""
        return given or split_of(domain, self.seed, self.val_fraction, self.test_fraction)

    def splits_glued(self, domain: str, given: str | None = None) -> bool:
        """Whether the glued dumps of a page of ``domain`` (and the split its dataset ``given`` it) are split:
        ``split_glued`` and a training page."""
        return self.split_glued and self.split(domain, given) == "train"


def split_of(domain: str, seed: int = SPLIT_SEED_DEFAULT, val: float = VAL_FRACTION_DEFAULT,
             test: float = TEST_FRACTION_DEFAULT) -> str:
    """The split of a site: a deterministic hash of the seed and the domain, so a site is in one split only."""
    digest = hashlib.blake2b(f"{seed}:{domain}".encode(), digest_size=8).digest()
    u = int.from_bytes(digest, "big") / _HASH_SCALE
    if u < test:
        return "test"
    if u < test + val:
        return "val"
    return "train"


@dataclass(slots=True)
class PageResult:
    """One processed page: its line rows, its page row, and its renderers' labelled dumps."""

    page: dict[str, Any]
    lines: list[Line] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    renderings: list[Rendering] = field(default_factory=list)


def process_page(
    page: Page,
    min_coverage: float = MIN_COVERAGE_DEFAULT,
    min_reachable: float = MIN_REACHABLE_GOLD_DEFAULT,
    renderers: Sequence[str] = (),
    render_timeout: float | None = RENDER_TIMEOUT_SECONDS_DEFAULT,
    split_glued: bool = False,
) -> PageResult:
    """Segment and label one page, and label its ``renderers``' dumps (the glued ones split at glue points when
    ``split_glued``, see :func:`chromecut.datasets.renderings.render_page`); never raises (a failure is the page
    row's ``error``, a failed dump its rendering's).

    A page whose gold text is mostly absent from its own HTML (content rendered by script, a capture of an
    error page) cannot be labelled: it fails with that reason instead of teaching that its lines are chrome.
    Only pages labelled here are dumped.
    """
    row: dict[str, Any] = {
        "dataset": page.dataset,
        "page_id": page.page_id,
        "domain": page.domain,
        "url": page.url,
        "language": page.language,
        "html_bytes": len(page.html),
        "gold_kind": str(page.gold.kind),
        "split": page.split,
        "lines": 0,
        "content_lines": 0,
        "chrome_lines": 0,
        "unknown_lines": 0,
        "gold_coverage": np.nan,
        "gold_reachable": np.nan,
        "oracle_precision": np.nan,
        "oracle_recall": np.nan,
        "oracle_f1": np.nan,
        "title": None,
        "summary": None,
        "gold_text": page.gold.text,
        "with_snippets": list(page.gold.with_snippets),
        "without_snippets": list(page.gold.without_snippets),
        "error": None,
    }
    try:
        if page.gold.kind is not GoldKind.SNIPPETS and not (page.gold.text or "").strip():
            raise ValueError("empty gold text")
        seg = segment_html(page.html, encoding_hint=page.encoding_hint)
        if not seg.lines:
            raise ValueError("no text lines in the page")
        texts = seg.texts
        if page.gold.kind is not GoldKind.SNIPPETS:
            reachable = shingle_prf("\n".join(texts), page.gold.text or "").recall
            row["gold_reachable"] = reachable
            if reachable < min_reachable:
                raise ValueError(
                    f"gold text not in the page's HTML (only {reachable:.0%} of its shingles; rendered by script?)"
                )
        result = label_lines(texts, page.gold, min_coverage=min_coverage)
        kept = oracle_text(texts, result.labels)
        if page.gold.kind is GoldKind.SNIPPETS:
            score = snippet_score(kept, page.gold.with_snippets, page.gold.without_snippets)
        else:
            score = shingle_prf(kept, page.gold.text or "")
        row.update(label_figures(result.labels, result.gold_coverage, score))
        row.update(
            title=seg.title,
            summary=seg.summary,
            language=page.language or _primary_language(seg.language),
        )
        labelled = PageResult(row, seg.lines, result.labels.tolist(), result.scores.tolist())
    except Exception as exc:  # one broken page never stops the batch; its reason is kept
        row["error"] = f"{type(exc).__name__}: {exc}"
        return PageResult(row)
    if renderers:
        html = decode_text(page.html, page.encoding_hint)
        labelled.renderings = render_page(html, page.gold, renderers, min_reachable=min_reachable,
                                          min_coverage=min_coverage, timeout=render_timeout,
                                          split_glued=split_glued)
    return labelled


def _primary_language(tag: str | None) -> str | None:
    """``en`` from ``en-US`` / ``EN_gb``; ``None`` for an empty tag."""
    primary = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    return primary or None


def _process_one(page: Page, settings: PrepareSettings, renderers: Sequence[str]) -> PageResult:
    return process_page(page, settings.min_coverage, renderers=renderers, render_timeout=settings.render_timeout,
                        split_glued=settings.splits_glued(page.domain, page.split))


def _process_chunk(chunk: Sequence[Page], settings: PrepareSettings, renderers: Sequence[str]) -> list[PageResult]:
    return [_process_one(page, settings, renderers) for page in chunk]


def _page_meta(page: dict[str, Any], settings: PrepareSettings) -> dict[str, Any]:
    """The columns every line row of a page repeats: dataset, page id, domain, split, license."""
    info = DATASETS[page["dataset"]]
    return {
        "dataset": page["dataset"],
        "page_id": page["page_id"],
        "domain": page["domain"],
        "split": settings.split(page["domain"], page.get("split")),
        "license": info.license,
        "permissive": info.permissive,
    }


def _line_columns(results: Iterable[PageResult], settings: PrepareSettings) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in LINE_COLUMNS}
    for res in results:
        n = len(res.lines)
        if not n:
            continue
        for key, value in _page_meta(res.page, settings).items():
            cols[key].extend([value] * n)
        cols["line"].extend(line.index for line in res.lines)
        for name in ("text", *MARKUP_FIELDS):
            cols[name].extend(getattr(line, name) for line in res.lines)
        cols["label"].extend(res.labels)
        cols["align_score"].extend(res.scores)
    return cols


LINE_COLUMNS = (
    "dataset", "page_id", "domain", "split", "license", "permissive", "line", "text", "tag", "heading",
    "list_item", "depth", "link_chars", "link_count", "attr_words", "landmarks", "label", "align_score",
)
_LINE_DTYPES = {
    "dataset": "category", "domain": "string", "split": "category", "license": "category", "tag": "category",
    "line": "int32", "heading": "int8", "depth": "int32", "link_chars": "int32", "link_count": "int32",
    "landmarks": "int32", "label": "int8", "align_score": "float32",
}


def prepared_datasets(settings: PrepareSettings) -> tuple[str, ...]:
    """The datasets ``prepare`` reads: ``datasets``, then each of ``own`` (registered here,
    :func:`chromecut.datasets.register_own`) that ``datasets`` does not name already. ``ValueError`` for a folder
    that is no dataset and for a name no dataset has."""
    own = tuple(register_own(folder).name for folder in settings.own)
    unknown = [name for name in settings.datasets if name not in DATASETS]
    if unknown:
        raise ValueError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    return (*settings.datasets, *(name for name in own if name not in settings.datasets))


def iter_all_pages(settings: PrepareSettings, errors: dict[str, list[tuple[str, str]]],
                   datasets: Sequence[str]) -> Iterator[Page]:
    """Pages of each of ``datasets``, at most ``max_pages`` each; loader skips land in ``errors``."""
    for name in datasets:
        skipped: list[tuple[str, str]] = errors.setdefault(name, [])
        for count, page in enumerate(iter_pages(name, settings.root, errors=skipped)):
            if settings.max_pages is not None and count >= settings.max_pages:
                break
            yield page


def _processed(settings: PrepareSettings, pages: Iterable[Page], renderers: Sequence[str]) -> Iterator[PageResult]:
    """Each page processed, in order, by ``settings.n_jobs`` worker processes (this one when 1); a chunk's
    results are let go as soon as they are handed on."""
    if settings.n_jobs <= 1:
        for page in pages:
            yield _process_one(page, settings, renderers)
        return
    with ProcessPoolExecutor(settings.n_jobs) as pool:
        pending = deque(pool.submit(_process_chunk, chunk, settings, renderers)
                        for chunk in chunked(pages, CHUNK_PAGES))
        while pending:
            yield from pending.popleft().result()


def prepare(settings: PrepareSettings) -> dict[str, Any]:
    """Build ``lines.parquet``, ``pages.parquet`` and ``report.json`` under ``settings.out_dir``, and the
    renderings tables when renderers are selected (stale ones are removed when none are).

    Returns the report (see :func:`report`), with the wall time ``prepare`` took.
    """
    start = time.perf_counter()
    datasets = prepared_datasets(settings)
    out = Path(settings.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    renderers = settings.selected_renderers()
    for name in (RENDERINGS_FILE, RENDERING_PAGES_FILE):
        (out / name).unlink(missing_ok=True)
    loader_errors: dict[str, list[tuple[str, str]]] = {}
    pages = iter_all_pages(settings, loader_errors, datasets)
    results: list[PageResult] = []
    with RenderingsWriter(out if renderers else None) as writer:
        for res in _processed(settings, pages, renderers):
            if res.renderings:
                writer.add(res.renderings, _page_meta(res.page, settings))
                res.renderings = []
            results.append(res)
    page_rows = [res.page for res in results]
    for name, skipped in loader_errors.items():
        for page_id, reason in skipped:
            page_rows.append({"dataset": name, "page_id": page_id, "error": f"{NOT_LOADED}{reason}", "lines": 0})
    lines = pd.DataFrame(_line_columns(results, settings)).astype(_LINE_DTYPES)
    pages_frame = pd.DataFrame(page_rows)
    given = pages_frame.get("split", pd.Series([None] * len(pages_frame)))
    pages_frame["split"] = [
        settings.split(d, g if isinstance(g, str) else None) if isinstance(d, str) else None
        for d, g in zip(pages_frame.get("domain", pd.Series([None] * len(pages_frame))), given, strict=True)
    ]
    lines.to_parquet(out / LINES_FILE, index=False)
    pages_frame.to_parquet(out / PAGES_FILE, index=False)
    summary = report(out)
    summary["prepare_seconds"] = round(time.perf_counter() - start, 1)
    summary["settings"] = {k: str(v) for k, v in asdict(settings).items()}
    summary["settings"]["renderers"] = ",".join(renderers) or "none"
    (out / REPORT_FILE).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def _mean(series: pd.Series) -> float | None:
    value = series.mean()
    return None if pd.isna(value) else round(float(value), 4)


def _unregistered_info(out_dir: Path, name: str, pages: pd.DataFrame) -> DatasetInfo:
    """A dataset of your own that this process has not registered, as its rows in the table give it: the licence
    its lines carry, snippet gold when every page has snippets."""
    lines = pd.read_parquet(out_dir / LINES_FILE, columns=["license", "permissive"],
                            filters=[("dataset", "==", name)])
    license_ = str(lines["license"].iloc[0]) if len(lines) else LICENSE_UNSTATED
    kinds = pages["gold_kind"].dropna()
    snippets = bool(len(kinds)) and bool((kinds == str(GoldKind.SNIPPETS)).all())
    return DatasetInfo(name, license_, True, GoldKind.SNIPPETS if snippets else GoldKind.TEXT, len(pages))


def report(out_dir: Path) -> dict[str, Any]:
    """Per dataset: pages, lines, content / chrome / unknown lines, oracle scores, and failed pages; per renderer
    (when the table has dumps): see :func:`chromecut.datasets.renderings.renderer_report`."""
    pages = pd.read_parquet(Path(out_dir) / PAGES_FILE)
    per_dataset: dict[str, Any] = {}
    for name, group in pages.groupby("dataset", sort=True):
        ok = group[group["error"].isna()]
        info = DATASETS.get(str(name)) or _unregistered_info(Path(out_dir), str(name), group)
        not_loaded = group["error"].fillna("").str.startswith(NOT_LOADED)
        entry: dict[str, Any] = {
            "license": info.license,
            "permissive": info.permissive,
            "gold": str(info.gold_kind),
            "pages": int((~not_loaded).sum()),
            "pages_labelled": len(ok),
            "pages_failed": int(len(group) - len(ok)),
            "lines": int(ok["lines"].sum()),
            "content_lines": int(ok["content_lines"].sum()),
            "chrome_lines": int(ok["chrome_lines"].sum()),
            "unknown_lines": int(ok["unknown_lines"].sum()),
            "oracle_precision": _mean(ok["oracle_precision"]),
            "oracle_recall": _mean(ok["oracle_recall"]),
            "oracle_f1": _mean(ok["oracle_f1"]),
            "oracle_metric": "snippet" if info.gold_kind is GoldKind.SNIPPETS else "shingle4",
            "mean_gold_coverage": _mean(ok["gold_coverage"]),
            "splits": {str(k): int(v) for k, v in ok["split"].value_counts().sort_index().items()},
            "failed": [
                {"page_id": str(r.page_id), "reason": str(r.error)}
                for r in group[group["error"].notna()].itertuples()
            ],
        }
        per_dataset[str(name)] = entry
    summary: dict[str, Any] = {"datasets": per_dataset}
    rendering_pages = Path(out_dir) / RENDERING_PAGES_FILE
    if rendering_pages.exists():
        summary["renderers"] = renderer_report(pd.read_parquet(rendering_pages))
    return summary
