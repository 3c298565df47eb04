"""Segmented pages -> the line frame, the table every feature family reads.

A line frame has one row per non-blank line, pages one after another, with columns ``doc`` (page key), ``line``
(the line's index in its page) and ``text``, in HTML mode the markup statistics of
:class:`chromecut.segment.html.Line` (``tag``, ``heading``, ``list_item``, ``depth``, ``link_chars``,
``link_count``, ``attr_words``, ``landmarks``) and ``title`` (the page's ``<title>``), and optionally
``domain`` and ``source`` (:func:`source_pages`). Blank lines are left out: they are chrome by definition (see
:mod:`chromecut.predict`), which also makes every feature blind to whether a tool wrote blank lines between blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.segment.html import MARKUP_FIELDS, Segmentation

#: The markup statistics of a line (:class:`chromecut.segment.html.Line`), one column each in HTML mode.
MARKUP_COLUMNS = MARKUP_FIELDS
#: The columns of a line frame with markup (``line_frame(...)``), in order.
LINE_FRAME_COLUMNS = ("doc", "line", "text", *MARKUP_COLUMNS, "title", "summary")
#: The columns of a line frame without markup (``line_frame(..., markup=False)``).
TEXT_FRAME_COLUMNS = ("doc", "line", "text")
#: Optional column naming the page a document was rendered from (see :func:`source_pages`).
SOURCE_COLUMN = "source"
#: A lone surrogate code point (see :func:`line_frame`).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


#: Columns of whole numbers (and flags) in a line frame, read straight into arrays of their type when every
#: value is one (the inference of a list costs more than a small page's features).
_INTEGER_COLUMNS: dict[str, type[np.generic]] = {
    "line": np.int64, "heading": np.int64, "list_item": np.bool_, "depth": np.int64, "link_chars": np.int64,
    "link_count": np.int64, "landmarks": np.int64,
}


def _typed(values: list[Any], dtype: type[np.generic]) -> npt.NDArray[Any] | list[Any]:
    """``values`` as an array of ``dtype`` when there are some and they are all exactly of its Python type, else
    the list itself (for pandas to infer, as it always did)."""
    kind = bool if dtype is np.bool_ else int
    if values and all(type(value) is kind for value in values):
        try:
            return np.array(values, dtype=dtype)
        except OverflowError:  # past int64: pandas decides, as before
            pass
    return values


def line_frame(
    segmentations: Iterable[tuple[Any, Segmentation]], *, domain: str | None = None, markup: bool = True
) -> pd.DataFrame:
    """The line frame of segmented pages, blank lines left out (``line`` keeps each line's own index);
    ``markup=False`` leaves out the markup columns, the title and the summary (all a text-mode featurizer reads
    is ``doc``, ``line`` and ``text``)."""
    names = LINE_FRAME_COLUMNS if markup else TEXT_FRAME_COLUMNS
    columns: dict[str, list[Any]] = {c: [] for c in names}
    getters = [(columns[name], attrgetter(name)) for name in MARKUP_COLUMNS] if markup else []
    for doc, seg in segmentations:
        kept = [line for line in seg.lines if line.text.strip()]
        columns["doc"].extend([doc] * len(kept))
        columns["line"].extend([line.index for line in kept])
        columns["text"].extend([line.text for line in kept])
        if markup:
            for column, getter in getters:
                column.extend(map(getter, kept))
            columns["title"].extend([seg.title] * len(kept))
            columns["summary"].extend([seg.summary] * len(kept))
    data: dict[str, Any] = dict(columns)
    for name, dtype in _INTEGER_COLUMNS.items():
        if name in data:
            data[name] = _typed(columns[name], dtype)
    try:
        frame = pd.DataFrame(data)
    except UnicodeEncodeError:
        # A lone surrogate (text from a broken decoder) cannot be stored in pandas' Arrow-backed strings: the
        # features see U+FFFD instead (the labelled lines keep their own text).
        frame = pd.DataFrame({name: [_without_surrogates(v) for v in values] for name, values in columns.items()})
    if domain is not None:
        frame["domain"] = domain
    return frame


def source_pages(frame: pd.DataFrame) -> npt.NDArray[Any]:
    """The page each line was rendered from: the optional ``source`` column (several documents of a frame, such
    as two renderers' dumps of one page, share their source), else the document itself. Repetition counts
    sources, so one page's several dumps never make its lines look repeated across pages."""
    column = SOURCE_COLUMN if SOURCE_COLUMN in frame else "doc"
    return frame[column].to_numpy()
