"""The shared views of a batch of lines that every feature family reads, and the helpers they share.

The work is vectorised over the whole batch: the lines are joined into one string whose code points become
a NumPy array, character classes come from one lookup table, per-line counts from ``np.add.reduceat``, and
page-level statistics from page offsets. No family loops over lines in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import unicode_tables

#: One value per line (a feature column before it becomes float32 in the table).
Array = npt.NDArray[np.float64]
#: How :func:`page_reduce` sums up a page.
PageReduction = Literal["sum", "max", "mean", "median"]

#: Character classes: bit flags, so that one lookup table over all code points holds them all.
SPACE, ALPHA, DIGIT, UPPER, PUNCT, CJK, SENT_END, COMMA = (1 << i for i in range(8))
_SENTENCE_END_CHARS = ".!?。！？…"
_COMMA_CHARS = ",，、;；"
#: One past the last Unicode code point: the size of the per-code-point tables.
MAX_CODEPOINT = unicode_tables.MAX_CODEPOINT


#: The CJK blocks of the ``CJK`` class (letters only): kana, CJK ideographs, compatibility ideographs, Hangul.
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x9FFF), (0xF900, 0xFAFF), (0xAC00, 0xD7AF))


@cache
def char_table() -> npt.NDArray[np.uint8]:
    """Class flags of every code point, built once per process from ``unicodedata``'s general categories and
    ``str.isspace`` (read from :mod:`chromecut.features.unicode_tables`): a space is only ``SPACE``; a letter
    ``ALPHA`` (and ``UPPER`` for ``Lu``, ``CJK`` in :data:`_CJK_RANGES`); a decimal digit ``DIGIT``; punctuation and
    symbols ``PUNCT``; then the sentence-end and comma characters."""
    tables = unicode_tables.tables()
    names = [str(name) for name in tables["category_names"]]
    category = tables["category"]
    space = np.zeros(MAX_CODEPOINT, dtype=np.bool_)
    spans = tables["isspace_spans"].reshape(-1, 2)
    for start, end in spans:
        space[start:end] = True

    def member(wanted: Callable[[str], bool]) -> npt.NDArray[np.bool_]:
        return np.isin(category, [i for i, name in enumerate(names) if wanted(name)]) & ~space

    codes = np.arange(MAX_CODEPOINT)
    cjk = np.zeros(MAX_CODEPOINT, dtype=np.bool_)
    for low, high in _CJK_RANGES:
        cjk |= (codes >= low) & (codes <= high)
    letter = member(lambda name: name[0] == "L")
    table = np.zeros(MAX_CODEPOINT, dtype=np.uint8)
    table[space] |= SPACE
    table[letter] |= ALPHA
    table[member(lambda name: name == "Lu")] |= UPPER
    table[letter & cjk] |= CJK
    table[member(lambda name: name == "Nd")] |= DIGIT
    table[member(lambda name: name[0] in "PS")] |= PUNCT
    for ch in _SENTENCE_END_CHARS:
        table[ord(ch)] |= SENT_END
    for ch in _COMMA_CHARS:
        table[ord(ch)] |= COMMA
    return table


def numeric_column(frame: pd.DataFrame, name: str) -> Array:
    """A column as floats, anything that is not a number NaN (``pd.to_numeric(errors="coerce")``); numeric
    columns convert directly (the pandas call costs more than the features of a small page)."""
    column = frame[name]
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)


def string_list(column: pd.Series) -> list[str]:
    """A column's values as strings, missing values empty (``fillna("").astype(str)``)."""
    return [value if isinstance(value, str) else "" if pd.isna(value) else str(value) for value in column.tolist()]


def factorize_strings(values: list[str]) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Codes and uniques of ``values`` in order of first appearance (``pd.factorize`` of the plain list, which
    skips the cost of an Arrow-backed column)."""
    codes, uniques = pd.factorize(np.array(values, dtype=object))
    return np.asarray(codes, dtype=np.int64), [str(value) for value in uniques]


@dataclass
class LineBatch:
    """Shared views of a batch of lines that every feature family reads."""

    texts: list[str]
    joined: str
    n: int
    page: npt.NDArray[np.int64]  # page number of each line (0..pages-1, contiguous)
    page_start: npt.NDArray[np.int64]  # first line of each page
    page_size: npt.NDArray[np.int64]
    char_start: npt.NDArray[np.int64]  # offset of each line in ``joined``
    length: npt.NDArray[np.int64]
    flags: npt.NDArray[np.uint8]  # class flags of every code point of ``joined``
    codepoints: npt.NDArray[np.uint32]
    counts: dict[int, Array] = field(default_factory=dict)  # per-line counts by class flag (see count())

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, with_text: bool = True) -> LineBatch:
        """Views of a line frame; ``with_text=False`` builds only the page structure (no character arrays),
        for families that never read the text."""
        texts = string_list(frame["text"]) if with_text else []
        joined = "\n".join(texts)
        codepoints = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        length = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) if with_text else np.zeros(
            len(frame), dtype=np.int64
        )
        char_start = np.zeros(len(frame), dtype=np.int64)
        if len(texts) > 1:
            char_start[1:] = np.cumsum(length[:-1] + 1)
        codes, _ = pd.factorize(frame["doc"], sort=False)
        codes = np.asarray(codes, dtype=np.int64)
        if len(codes) and np.any(np.diff(codes) < 0):
            raise ValueError("lines of a page must be contiguous in the frame")
        page_size = np.bincount(codes, minlength=int(codes.max()) + 1 if len(codes) else 0).astype(np.int64)
        page_start = np.concatenate([[0], np.cumsum(page_size)[:-1]]).astype(np.int64) if len(page_size) else page_size
        return cls(texts, joined, len(frame), codes, page_start, page_size, char_start, length,
                   char_table()[codepoints], codepoints)

    def per_line(self, values: npt.NDArray[np.bool_]) -> Array:
        """How many code points of each line ``values`` marks (one flag per code point of ``joined``)."""
        if self.n == 0:
            return np.zeros(0)
        if values.size == 0:
            return np.zeros(self.n)
        # An empty last line starts past the end: clipped, it sums one separator, and empty lines count 0.
        sums = np.add.reduceat(values, np.minimum(self.char_start, values.size - 1), dtype=np.int64)
        return np.where(self.length > 0, sums, 0).astype(np.float64)

    def count(self, flag: int) -> Array:
        """Code points of each line with the class ``flag`` (computed once per batch and class)."""
        counts = self.counts.get(flag)
        if counts is None:
            counts = self.counts[flag] = self.per_line((self.flags & flag) > 0)
        return counts

    def line_of(self, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Line index of offsets into ``joined``."""
        return np.searchsorted(self.char_start, positions, side="right") - 1

    def index_in_page(self) -> npt.NDArray[np.int64]:
        """Index of each line within its page (0 for a page's first line)."""
        return np.arange(self.n) - self.page_start[self.page]


def safe_ratio(num: Array, den: Array) -> Array:
    """Safe division: 0 where the denominator is 0 (link density of an empty line is 0); NaN stays NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return np.where(np.isnan(num) | np.isnan(den), np.nan, out)


def page_reduce(batch: LineBatch, values: Array, how: PageReduction) -> Array:
    """Per-page max / sum / mean / median of a line feature, broadcast back to the lines."""
    if batch.n == 0:
        return np.zeros(0)
    if how == "sum":
        per_page = np.add.reduceat(values, batch.page_start)
    elif how == "max":
        per_page = np.maximum.reduceat(values, batch.page_start)
    elif how == "mean":
        per_page = np.add.reduceat(values, batch.page_start) / batch.page_size
    elif how == "median":
        order = np.lexsort((values, batch.page))
        sorted_values = values[order]
        lo = batch.page_start + (batch.page_size - 1) // 2
        hi = batch.page_start + batch.page_size // 2
        per_page = (sorted_values[lo] + sorted_values[hi]) / 2.0
    else:
        raise ValueError(how)
    return np.asarray(per_page, dtype=np.float64)[batch.page]


def feature_table(columns: dict[str, Array], index: pd.Index) -> pd.DataFrame:
    """One float32 block (a column-per-array frame costs a block per feature, and pandas time per page)."""
    if not columns:
        return pd.DataFrame(index=index)
    values = np.empty((len(index), len(columns)), dtype=np.float32)
    for i, column in enumerate(columns.values()):
        values[:, i] = column
    return pd.DataFrame(values, index=index, columns=list(columns), copy=False)
