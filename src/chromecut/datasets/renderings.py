"""Renderer dumps of the labelled pages, labelled by the gold alignment: ``renderings.parquet`` and its report.

Each page ``prepare`` labels is dumped by the selected renderers (:mod:`chromecut.datasets.renderers`). A dump is
split into lines exactly as text mode splits its input (:func:`chromecut.segment.html.split_text_lines`) and its
lines are labelled the way ``prepare`` labels chromecut's own lines (:func:`chromecut.labels.label_lines`), never
by hand. Blank lines stay lines, as text mode labels every input line, with label ``UNKNOWN`` (nothing to learn
from). Markdown dumps are aligned without their link targets (``[text](url)`` is aligned as ``text``: the URL's
tokens are in no gold and would push a paragraph with links below the coverage threshold); the table keeps the
lines as the renderer wrote them.

A glued renderer's dump (:attr:`chromecut.datasets.renderers.Renderer.glued`) can be split at its glue points
before it is labelled (:func:`split_at_glue`, ``render_page(split_glued=True)``): a line that runs a menu, a
breadcrumb, the headline and the article together holds content and chrome, and the alignment can only give it
one label; its pieces get their own. ``prepare`` does that for training pages only (``split_glued``), so that
validation and test keep the dumps as users feed them.

A dump fails on its own: a renderer that raises, is too slow, or meets a page over its size guard skips that page
for that renderer (an ``error`` of kind ``render``); so does a dump holding too little of the gold to be labelled
(kind ``gold``), as ``prepare`` does for the page itself. Each (page, renderer) pair has a row in
``rendering_pages.parquet``, with its counts, oracle scores, seconds and error; :func:`renderer_report` sums them
per renderer.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chromecut.datasets import Gold, GoldKind
from chromecut.datasets.renderers import RENDER_TIMEOUT_SECONDS_DEFAULT, RENDERERS, RenderError, render
from chromecut.evaluate.metrics import PRF, prf, shingles, snippet_score, tokenize
from chromecut.labels import MIN_COVERAGE_DEFAULT, Label, LineLabels, label_figures, label_lines, oracle_text
from chromecut.segment.html import split_text_lines

RENDERINGS_FILE = "renderings.parquet"
RENDERING_PAGES_FILE = "rendering_pages.parquet"
#: Error kinds of a dump: the renderer failed (raised, too slow, page too large) ...
RENDER_FAILED = "render"
#: ... or the dump holds too little of the gold to be labelled.
GOLD_UNREACHABLE = "gold"
#: A Markdown link or image target, ``](url)`` or ``](url "title")`` (spaces and one level of parentheses
#: inside, as renderers copy ``href`` verbatim): the alignment sees only the link's text.
MARKDOWN_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*\))*\)")
#: A glue point of a glued dump: a lower-case letter, a digit or a closing mark followed at once by a capital
#: ("HomeNewsSport", "...the last pier.Next story"), in Latin, Greek and Cyrillic script.
GLUE = re.compile(r"(?<=[a-zß-öø-ÿά-ώа-яё0-9.!?:;)\"”’])(?=[A-ZÀ-ÖØ-ÞΆ-ΩА-ЯЁ])")
#: Columns of ``renderings.parquet``, one row per line of a dump.
RENDERING_COLUMNS = (
    "dataset", "page_id", "domain", "split", "license", "permissive", "renderer", "line", "text", "label",
    "align_score",
)
_RENDERING_DTYPES = {
    "dataset": "category", "domain": "string", "split": "category", "license": "category", "renderer": "category",
    "line": "int32", "text": "string", "label": "int8", "align_score": "float32",
}
_PAGE_COUNTS = ("lines", "content_lines", "chrome_lines", "unknown_lines")
#: Columns of ``rendering_pages.parquet`` after the page's dataset, id and split.
_PAGE_COLUMNS = (
    "renderer", *_PAGE_COUNTS, "gold_reachable", "gold_coverage", "oracle_precision", "oracle_recall", "oracle_f1",
    "oracle_aligned_f1", "glue_splits", "seconds", "error_kind", "error",
)


@dataclass(slots=True)
class Rendering:
    """One renderer's labelled dump of one page: its lines and their labels, and its page row."""

    page: dict[str, Any]
    lines: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


def alignment_view(line: str, markdown: bool) -> str:
    """The text of a line the alignment sees: a Markdown line without its link and image targets."""
    return MARKDOWN_TARGET.sub("]", line) if markdown and "](" in line else line


def split_at_glue(text: str) -> tuple[str, int]:
    """``text`` with a line break at each glue point (:data:`GLUE`), and how many were put in."""
    return GLUE.subn("\n", text)


def label_dump(text: str, gold: Gold, *, markdown: bool = False,
               min_coverage: float = MIN_COVERAGE_DEFAULT) -> tuple[list[str], LineLabels]:
    """A dump's lines (as text mode splits them) and their labels; blank lines are ``UNKNOWN``.

    Parameters
    ----------
    text:
        The renderer's output.
    gold:
        The page's gold, in any form :func:`chromecut.labels.label_lines` takes.
    markdown:
        Align the lines without their Markdown link targets (:func:`alignment_view`).
    min_coverage:
        The share of a line's tokens the gold must explain for the line to be content.
    """
    lines = split_text_lines(text)
    view = [alignment_view(line, markdown) for line in lines]
    result = label_lines(view, gold, min_coverage=min_coverage)
    blank = np.fromiter((not line.strip() for line in lines), dtype=bool, count=len(lines))
    labels = result.labels.copy()
    labels[blank] = Label.UNKNOWN
    return lines, LineLabels(labels, result.scores, result.gold_coverage)


class _GoldScore:
    """:func:`chromecut.evaluate.metrics.shingle_prf` against one page's gold, its shingles counted once for all
    the page's dumps; an extraction comes as the tokens of its lines (the tokens of ``"\n".join(lines)``, as
    no token spans a line end)."""

    def __init__(self, gold: Gold) -> None:
        self.gold = gold
        self.reference: Counter[tuple[str, ...]] = Counter()
        if gold.kind is not GoldKind.SNIPPETS:
            self.reference = shingles(tokenize(gold.text or ""))
        self.total = sum(self.reference.values())

    def tokens(self, tokens: Sequence[str]) -> PRF:
        predicted = shingles(tokens)
        return prf(sum((predicted & self.reference).values()), sum(predicted.values()), self.total)

    def oracle(self, lines: Sequence[str], labels: np.ndarray[Any, Any]) -> PRF:
        """The score of an extractor that keeps exactly the content-labelled lines, by the page's gold kind."""
        if self.gold.kind is GoldKind.SNIPPETS:
            return snippet_score(oracle_text(lines, labels), self.gold.with_snippets, self.gold.without_snippets)
        kept = [token for line, label in zip(lines, labels, strict=True) if label == Label.CONTENT
                for token in tokenize(line)]
        return self.tokens(kept)


def render_page(
    html: str,
    gold: Gold,
    renderers: Iterable[str],
    *,
    min_reachable: float,
    min_coverage: float = MIN_COVERAGE_DEFAULT,
    timeout: float | None = RENDER_TIMEOUT_SECONDS_DEFAULT,
    split_glued: bool = False,
) -> list[Rendering]:
    """Every selected renderer's labelled dump of one page; never raises (a failure is the dump's ``error``).

    Parameters
    ----------
    html:
        The decoded page.
    gold:
        Its gold.
    renderers:
        Names in :data:`chromecut.datasets.renderers.RENDERERS`.
    min_reachable:
        Full-text gold: a dump holding less than this share of the gold's shingles is not labelled (its content
        lines would be taught as chrome), as ``prepare`` refuses such a page.
    min_coverage, timeout:
        As :func:`label_dump` and :func:`chromecut.datasets.renderers.render` take them.
    split_glued:
        Split the dumps of glued renderers at their glue points (:func:`split_at_glue`) before labelling them;
        the page row counts the breaks put in (``glue_splits``).
    """
    score = _GoldScore(gold)
    return [_render_one(name, html, score, min_reachable, min_coverage, timeout, split_glued) for name in renderers]


def _render_one(name: str, html: str, scorer: _GoldScore, min_reachable: float, min_coverage: float,
                timeout: float | None, split_glued: bool) -> Rendering:
    row: dict[str, Any] = dict.fromkeys(_PAGE_COLUMNS, np.nan)
    row.update(renderer=name, error_kind=None, error=None, glue_splits=0, **dict.fromkeys(_PAGE_COUNTS, 0))
    started = time.perf_counter()
    try:
        text = render(name, html, timeout=timeout)
    except RenderError as exc:
        row.update(error_kind=RENDER_FAILED, error=str(exc), seconds=time.perf_counter() - started)
        return Rendering(row)
    row["seconds"] = time.perf_counter() - started
    if split_glued and RENDERERS[name].glued:
        text, row["glue_splits"] = split_at_glue(text)
    markdown = RENDERERS[name].markdown
    gold = scorer.gold
    try:
        if gold.kind is not GoldKind.SNIPPETS:
            reachable = scorer.tokens(tokenize(alignment_view(text, markdown))).recall
            row["gold_reachable"] = reachable
            if reachable < min_reachable:
                row.update(error_kind=GOLD_UNREACHABLE, error=f"only {reachable:.0%} of the gold in the dump")
                return Rendering(row)
        lines, result = label_dump(text, gold, markdown=markdown, min_coverage=min_coverage)
    except Exception as exc:  # the alignment on a strange dump; the dump is skipped, the run goes on
        row.update(error_kind=GOLD_UNREACHABLE, error=f"labelling failed: {type(exc).__name__}: {exc}")
        return Rendering(row)
    score = scorer.oracle(lines, result.labels)
    aligned = scorer.oracle([alignment_view(line, markdown) for line in lines], result.labels) if markdown else score
    row.update(label_figures(result.labels, result.gold_coverage, score), oracle_aligned_f1=aligned.f1)
    return Rendering(row, lines, result.labels.tolist(), result.scores.tolist())


def rendering_frame(renderings: Iterable[Rendering], page: dict[str, Any]) -> pd.DataFrame:
    """The line rows of a page's dumps; ``page`` gives the page's columns (dataset, page_id, domain, split,
    license, permissive)."""
    cols: dict[str, list[Any]] = {name: [] for name in RENDERING_COLUMNS}
    for rendering in renderings:
        n = len(rendering.lines)
        for key in ("dataset", "page_id", "domain", "split", "license", "permissive"):
            cols[key].extend([page[key]] * n)
        cols["renderer"].extend([rendering.page["renderer"]] * n)
        cols["line"].extend(range(n))
        cols["text"].extend(rendering.lines)
        cols["label"].extend(rendering.labels)
        cols["align_score"].extend(rendering.scores)
    return pd.DataFrame(cols).astype(_RENDERING_DTYPES)


class RenderingsWriter:
    """Streams dumps to ``renderings.parquet`` (one row group per page) and their page rows to
    ``rendering_pages.parquet`` under ``out_dir``, so the dumps of every page never sit in memory together.

    Parameters
    ----------
    out_dir:
        Where the two files go; ``None`` writes nothing (no renderer selected).
    """

    def __init__(self, out_dir: Path | None) -> None:
        self.out_dir = out_dir
        self.page_rows: list[dict[str, Any]] = []
        self.rows_written = 0
        self._writer: Any = None
        self._schema: Any = None

    def __enter__(self) -> RenderingsWriter:
        if self.out_dir is not None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            labels = pa.dictionary(pa.int32(), pa.string())
            types = {"line": pa.int32(), "label": pa.int8(), "align_score": pa.float32(), "permissive": pa.bool_()}
            self._schema = pa.schema([
                (name, labels if _RENDERING_DTYPES.get(name) == "category" else types.get(name, pa.string()))
                for name in RENDERING_COLUMNS
            ])
            self._writer = pq.ParquetWriter(self.out_dir / RENDERINGS_FILE, self._schema)
        return self

    def add(self, renderings: Sequence[Rendering], page: dict[str, Any]) -> None:
        """Write one page's dumps; ``page`` gives its columns (see :func:`rendering_frame`)."""
        if self._writer is None:
            return
        import pyarrow as pa

        ids = {"dataset": page["dataset"], "page_id": page["page_id"], "split": page["split"]}
        self.page_rows.extend({**ids, **rendering.page} for rendering in renderings)
        frame = rendering_frame(renderings, page)
        if len(frame):
            self._writer.write_table(pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False))
            self.rows_written += len(frame)

    def __exit__(self, *exc_info: object) -> None:
        if self._writer is None or self.out_dir is None:
            return
        self._writer.close()
        self._writer = None
        pages = pd.DataFrame(self.page_rows, columns=["dataset", "page_id", "split", *_PAGE_COLUMNS])
        pages.to_parquet(self.out_dir / RENDERING_PAGES_FILE, index=False)


def _mean(series: pd.Series) -> float | None:
    value = series.mean()
    return None if pd.isna(value) else round(float(value), 4)


def renderer_report(pages: pd.DataFrame) -> dict[str, Any]:
    """Per renderer: pages rendered and labelled, failures, lines, content share, oracle scores, seconds.

    ``oracle_f1`` keeps exactly the content-labelled lines as the renderer wrote them (the bound a line
    classifier meets on that dump format); ``oracle_aligned_f1`` scores the lines the alignment saw (for Markdown,
    without link targets), which tells how well the alignment itself works on the renderer.
    """
    out: dict[str, Any] = {}
    for name, group in pages.groupby("renderer", sort=False, observed=True):
        ok = group[group["error"].isna()]
        failed = group[group["error_kind"] == RENDER_FAILED]
        unreachable = group[group["error_kind"] == GOLD_UNREACHABLE]
        labelled = int(ok["content_lines"].sum() + ok["chrome_lines"].sum())
        out[str(name)] = {
            "pages": len(group),
            "pages_labelled": len(ok),
            "render_failures": len(failed),
            "gold_unreachable": len(unreachable),
            "lines": int(ok["lines"].sum()),
            "content_lines": int(ok["content_lines"].sum()),
            "chrome_lines": int(ok["chrome_lines"].sum()),
            "unknown_lines": int(ok["unknown_lines"].sum()),
            "content_share": round(int(ok["content_lines"].sum()) / labelled, 4) if labelled else None,
            "oracle_precision": _mean(ok["oracle_precision"]),
            "oracle_recall": _mean(ok["oracle_recall"]),
            "oracle_f1": _mean(ok["oracle_f1"]),
            "oracle_aligned_f1": _mean(ok["oracle_aligned_f1"]),
            "glue_splits": int(ok["glue_splits"].sum()) if "glue_splits" in ok else 0,
            "mean_seconds": _mean(group["seconds"]),
            "failures": failed["error"].astype(str).str.split(":", n=2).str[1].str.strip().value_counts().to_dict()
            if len(failed) else {},
        }
    order = {name: i for i, name in enumerate(RENDERERS)}
    return dict(sorted(out.items(), key=lambda item: order.get(item[0], len(order))))
