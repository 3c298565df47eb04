"""Lines -> feature table. One function per feature family; the same code serves training and inference.

Input is a line frame, one row per non-blank line, pages one after another, with columns ``doc`` (page key)
and ``text``, in HTML mode the markup statistics of :class:`chromecut.segment.html.Line` (``tag``, ``heading``,
``list_item``, ``depth``, ``link_chars``, ``link_count``, ``attr_words``, ``landmarks``), and optionally
``title`` (the page's ``<title>``) and ``domain``. Blank lines are not featurised: they are chrome by
definition (see :mod:`chromecut.predict`), which also makes every feature blind to whether a tool wrote blank
lines between blocks.

The work is vectorised over the whole batch: the lines are joined into one string whose code points become
a NumPy array, character classes come from lookup tables, per-line counts from ``np.add.reduceat``, page-level
statistics from page offsets, and pattern families from one regex scan of the joined text whose match
positions map back to lines. No family loops over lines in Python.

:class:`Featurizer` follows the scikit-learn estimator contract: ``__init__`` stores parameters, ``fit``
learns the corpus line-frequency table (``line_frequency_``) and the feature order (``feature_names_``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import stopwordsiso

from chromecut.features.keywords import (
    ATTR_FAMILIES,
    BULLET_CHARS,
    COPYRIGHT_SYMBOLS,
    DIGIT_PATTERNS,
    KEYWORDS,
    LIST_INDENT_CHARS,
    LIST_NUMBER_END_CHARS,
    PATTERNS,
    SEPARATOR_CHARS,
)
from chromecut.segment.html import BLOCK_TAGS, MARKUP_FIELDS, Landmark, Segmentation

#: Bumped whenever a feature's definition changes; a bundle built with another version is refused.
FEATURIZER_VERSION = "3"
Mode = Literal["html", "text"]
MODES: tuple[Mode, ...] = ("html", "text")
Array = npt.NDArray[np.float64]

#: Keyword families describe widget headings and short chrome lines; in longer prose they are noise.
KEYWORD_MAX_CHARS_DEFAULT = 120
#: Languages whose stopwords count towards stopword density (the datasets' languages and their neighbours).
STOPWORD_LANGUAGES_DEFAULT = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "hr", "cs", "sv", "ru", "zh")
#: Neighbour offsets whose base features each line sees.
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
#: Half-widths (lines) of the centred windows of the smoothed context features: near and wide context.
CONTEXT_HALF_WINDOWS = (2, 6)
#: A line counts as prose (for the distance-to-prose features) with this many words and a sentence ending.
PROSE_MIN_WORDS = 12
#: The corpus line-frequency table keeps lines at most this long and seen on at least this many pages.
REPEAT_MAX_CHARS_DEFAULT = 100
REPEAT_MIN_PAGES_DEFAULT = 2
REPEAT_TABLE_SIZE_DEFAULT = 50_000
#: Tag vocabulary for the categorical ``tag`` feature.
TAG_VOCABULARY: tuple[str, ...] = tuple(sorted(BLOCK_TAGS))
_TAG_CODES = {tag: float(i) for i, tag in enumerate(TAG_VOCABULARY)}
MARKUP_COLUMNS = MARKUP_FIELDS
LINE_FRAME_COLUMNS = ("doc", "line", "text", *MARKUP_COLUMNS, "title")
#: The columns of a line frame without markup (``line_frame(..., markup=False)``).
TEXT_FRAME_COLUMNS = ("doc", "line", "text")

# Character classes (bit flags in one lookup table over all code points).
_SPACE, _ALPHA, _DIGIT, _UPPER, _PUNCT, _CJK, _SENT_END, _COMMA = (1 << i for i in range(8))
_SENTENCE_END_CHARS = ".!?。！？…"
_CLOSING_CHARS = "\"'”’»)]）」"
_COMMA_CHARS = ",，、;；"
_MAX_CODEPOINT = 0x110000


@cache
def _char_table() -> npt.NDArray[np.uint8]:
    """Class flags of every code point, built once per process from ``unicodedata`` and ``str.isspace``."""
    table = np.zeros(_MAX_CODEPOINT, dtype=np.uint8)
    for cp in range(_MAX_CODEPOINT):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        flags = 0
        if ch.isspace():
            flags |= _SPACE
        elif cat[0] == "L":
            flags |= _ALPHA
            if cat == "Lu":
                flags |= _UPPER
            if 0x3040 <= cp <= 0x30FF or 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0xAC00 <= cp <= 0xD7AF:
                flags |= _CJK
        elif cat == "Nd":
            flags |= _DIGIT
        elif cat[0] in "PS":
            flags |= _PUNCT
        table[cp] = flags
    for ch in _SENTENCE_END_CHARS:
        table[ord(ch)] |= _SENT_END
    for ch in _COMMA_CHARS:
        table[ord(ch)] |= _COMMA
    return table


@cache
def _stopwords(languages: tuple[str, ...]) -> tuple[frozenset[str], npt.NDArray[np.bool_]]:
    """Stopword set (from the ``stopwordsiso`` package's lists) and a table of single-character CJK stopwords."""
    words = frozenset(w.casefold() for w in stopwordsiso.stopwords(list(languages)))
    cjk = np.zeros(_MAX_CODEPOINT, dtype=np.bool_)
    for w in words:
        if len(w) == 1 and _char_table()[ord(w)] & _CJK:
            cjk[ord(w)] = True
    return words, cjk




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
                   _char_table()[codepoints], codepoints)

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
        return np.arange(self.n) - self.page_start[self.page]


def _ratio(num: Array, den: Array) -> Array:
    """Safe division: 0 where the denominator is 0 (link density of an empty line is 0); NaN stays NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return np.where(np.isnan(num) | np.isnan(den), np.nan, out)


def _page_reduce(batch: LineBatch, values: Array, how: str) -> Array:
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


# ----------------------------------------------------------------------------------------------------------
# Feature families
# ----------------------------------------------------------------------------------------------------------


def length_features(batch: LineBatch) -> dict[str, Array]:
    """Characters, words and mean word length."""
    chars = batch.length.astype(np.float64)
    space = (batch.flags & _SPACE) > 0
    word_start = ~space & np.concatenate([[True], space[:-1]]) if batch.flags.size else space
    words = batch.per_line(word_start)
    nonspace = batch.per_line(~space)
    return {"chars": chars, "log_chars": np.log1p(chars), "words": words, "mean_word_len": _ratio(nonspace, words)}


def link_features(batch: LineBatch, frame: pd.DataFrame, words: Array) -> dict[str, Array]:
    """Link density (linked share of non-whitespace characters), link count and links per word (``words`` from
    :func:`length_features`)."""
    nonspace = batch.per_line((batch.flags & _SPACE) == 0)
    link_chars = numeric_column(frame, "link_chars")
    link_count = numeric_column(frame, "link_count")
    return {
        "link_density": np.minimum(_ratio(link_chars, nonspace), 1.0),
        "link_count": link_count,
        "links_per_word": _ratio(link_count, words),
    }


def position_features(batch: LineBatch, chars: Array) -> dict[str, Array]:
    """Where the line sits: relative index, distance from both ends, share of text before it, and signed
    distance to the page's longest line (prose clusters around it)."""
    index = batch.index_in_page().astype(np.float64)
    count = batch.page_size[batch.page].astype(np.float64)
    total = _page_reduce(batch, chars, "sum")
    cumulative = np.cumsum(chars)
    before = cumulative - chars - (cumulative - chars)[batch.page_start][batch.page]
    longest = np.zeros(len(batch.page_size), dtype=np.float64)
    if batch.n:
        order = np.lexsort((-chars, batch.page))  # per page, longest first
        longest = (order[batch.page_start] - batch.page_start).astype(np.float64)
    return {
        "rel_index": _ratio(index, count - 1),
        "log_from_start": np.log1p(index),
        "log_from_end": np.log1p(count - 1 - index),
        "text_before_share": _ratio(before, total),
        "to_longest": (index - longest[batch.page]) / count if batch.n else index,
        "log_page_lines": np.log1p(count),
    }


def keyword_features(
    batch: LineBatch, tokens: list[str], token_line: npt.NDArray[np.int64],
    max_chars: int = KEYWORD_MAX_CHARS_DEFAULT,
) -> dict[str, Array]:
    """One flag per keyword family, on lines short enough to be a widget heading or a chrome line.

    Phrases match whole word tokens in a row (so "share" is not found in "shareholder"); CJK phrases match
    as substrings on lines that hold CJK characters; copyright symbols by their own pattern.
    """
    flags = np.zeros((len(KEYWORDS.names), batch.n))
    short_line = batch.length <= max_chars
    token_lines = token_line.tolist()
    single, multi = KEYWORDS.single, KEYWORDS.multi
    # Only the tokens that start a phrase of some family are looked at (a set test per token, in C).
    opens_phrase = np.fromiter(map(KEYWORDS.first_words.__contains__, tokens), dtype=np.bool_, count=len(tokens))
    opens_phrase &= short_line[token_line]  # long lines get no keyword flags (cleared below): not worth a look
    for position in np.flatnonzero(opens_phrase).tolist():
        token = tokens[position]
        families = single.get(token)
        if families is not None:
            flags[families, token_lines[position]] = 1.0
        candidates = multi.get(token)
        if candidates is not None:
            line = token_lines[position]
            for words, family in candidates:
                end = position + len(words)
                if end <= len(tokens) and token_lines[end - 1] == line and tuple(tokens[position:end]) == words:
                    flags[family, line] = 1.0
    if KEYWORDS.cjk is not None and batch.n:
        for row in np.flatnonzero((batch.count(_CJK) > 0) & short_line).tolist():
            for match in KEYWORDS.cjk.finditer(batch.texts[row]):
                flags[int(str(match.lastgroup)[1:]), row] = 1.0
    starts = np.fromiter((m.start() for m in COPYRIGHT_SYMBOLS.finditer(batch.joined)), dtype=np.int64)
    flags[KEYWORDS.family_index("copyright"), batch.line_of(starts)] = 1.0
    flags[:, ~short_line] = 0.0
    return {f"kw_{name}": flags[i] for i, name in enumerate(KEYWORDS.names)}


class _Scan:
    """Some lines of a batch joined into one string, to find a pattern's matches and map them back to lines."""

    def __init__(self, batch: LineBatch, rows: npt.NDArray[np.int64] | None = None) -> None:
        if rows is None:  # every line: the batch's own joined text
            self.rows, self.text, self.offsets = np.arange(batch.n), batch.joined, batch.char_start
        else:
            self.rows = rows
            self.text = "\n".join([batch.texts[i] for i in rows.tolist()])
            self.offsets = np.zeros(len(rows), dtype=np.int64)
            if len(rows) > 1:
                self.offsets[1:] = np.cumsum(batch.length[rows][:-1] + 1)

    def match_lines(self, pattern: re.Pattern[str]) -> npt.NDArray[np.int64]:
        """The line of every match of ``pattern`` in the joined lines."""
        starts = np.fromiter((m.start() for m in pattern.finditer(self.text)), dtype=np.int64)
        return self.rows[np.searchsorted(self.offsets, starts, side="right") - 1]


def _code_set(chars: str) -> npt.NDArray[np.uint32]:
    return np.array([ord(c) for c in chars], dtype=np.uint32)


#: The separators and list markers of :data:`chromecut.features.keywords.PATTERN_SOURCES`, found on the code points.
_SEPARATOR_CHAR = re.compile(f"[{re.escape(SEPARATOR_CHARS)}]")
_BULLET_CODES = _code_set(BULLET_CHARS)
_NUMBER_END_CODES = _code_set(LIST_NUMBER_END_CHARS)
_LINE_INDENT_CODES = _code_set(LIST_INDENT_CHARS)
#: Characters of a separator match: whitespace, the separator, whitespace.
_SEPARATOR_MATCH_CHARS = 3
#: The longest number of a numbered list marker (``\d{1,3}``).
_LIST_NUMBER_MAX_DIGITS = 3


def separator_lines(batch: LineBatch) -> npt.NDArray[np.int64]:
    """The line of every match of the ``separator`` pattern (``\\s[|»›>/·•]\\s``, leftmost first and not
    overlapping, as ``re.finditer``): a separator with whitespace on both sides. The separators are found by
    a scan for the characters alone (few, and found fast), their sides on the code points' classes."""
    size = len(batch.joined)
    middle = np.fromiter((m.start() for m in _SEPARATOR_CHAR.finditer(batch.joined, 1, max(size - 1, 1))),
                         dtype=np.int64)
    space = (batch.flags & _SPACE) > 0
    middle = middle[space[middle - 1] & space[middle + 1]] if len(middle) else middle
    kept: list[int] = []
    for position in middle.tolist():  # two matches overlap when their separators are two apart
        if not kept or position >= kept[-1] + _SEPARATOR_MATCH_CHARS:
            kept.append(position)
    return batch.line_of(np.asarray(kept, dtype=np.int64) - 1)


def list_marker_lines(batch: LineBatch) -> npt.NDArray[np.int64]:
    """The lines that the ``list_marker`` pattern matches (``(?m)^[ \\t]*(?:[-*•·–—]\\s|\\d{1,3}[.)]\\s)``, at
    most once a line): after the line's indent, a bullet, or one to three digits and a dot or bracket, then
    whitespace (the separator after the line counts, as the regex ``\\s``). Works on one position per line."""
    codes, flags, size = batch.codepoints, batch.flags, batch.codepoints.size
    lines = np.flatnonzero(batch.length > 0)  # an empty line starts with its separator: never a marker
    if not len(lines):
        return lines
    first = batch.char_start[lines]
    while True:  # past the indent (a line of spaces ends at its separator, which never starts a marker)
        indented = np.flatnonzero(first < size)
        indented = indented[np.isin(codes[first[indented]], _LINE_INDENT_CODES)]
        if not len(indented):
            break
        first[indented] += 1

    def at(offset: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint8]]:
        """Code point and class flags ``offset`` after each marker start (0 and no class past the end)."""
        positions = first + offset
        inside = positions < size
        clipped = np.minimum(positions, size - 1)
        return np.where(inside, codes[clipped], np.uint32(0)), np.where(inside, flags[clipped], np.uint8(0))

    shifted = [at(offset) for offset in range(_LIST_NUMBER_MAX_DIGITS + 2)]
    matched = np.isin(shifted[0][0], _BULLET_CODES) & ((shifted[1][1] & _SPACE) > 0)
    run = np.zeros(len(first), dtype=np.int64)  # digits in a row from the marker's start, up to one too many
    counting = np.ones(len(first), dtype=np.bool_)
    for offset in range(_LIST_NUMBER_MAX_DIGITS + 1):
        counting &= (shifted[offset][1] & _DIGIT) > 0
        run += counting
    for digits in range(1, _LIST_NUMBER_MAX_DIGITS + 1):
        matched |= ((run == digits) & np.isin(shifted[digits][0], _NUMBER_END_CODES)
                    & ((shifted[digits + 1][1] & _SPACE) > 0))
    return lines[matched]


#: Patterns counted from the code points rather than by their regex (the same counts: tested).
_CODE_POINT_PATTERNS = {"separator": separator_lines, "list_marker": list_marker_lines}


def pattern_features(batch: LineBatch) -> dict[str, Array]:
    """Counts of dates, times, counters in brackets, units (temperatures, prices), separators, list markers
    and URLs per line. Patterns that need a digit scan only lines that hold one."""
    with_digit = np.flatnonzero(batch.count(_DIGIT) > 0) if batch.n else np.zeros(0, dtype=np.int64)
    everything, digit_lines = _Scan(batch), _Scan(batch, with_digit)
    out = {}
    for name, pattern in PATTERNS.items():
        if name in _CODE_POINT_PATTERNS:
            lines = _CODE_POINT_PATTERNS[name](batch)
        else:
            lines = (digit_lines if name in DIGIT_PATTERNS else everything).match_lines(pattern)
        out[f"pat_{name}"] = np.bincount(lines, minlength=batch.n).astype(np.float64)[: batch.n]
    return out


def character_features(batch: LineBatch, chars: Array) -> dict[str, Array]:
    """Punctuation, digit, upper-case and letter ratios; sentence ending, sentence count and commas."""
    alpha = batch.count(_ALPHA)
    flags = batch.flags
    space_next = np.append((flags[1:] & _SPACE) > 0, True) if flags.size else flags.astype(bool)
    sentence_breaks = batch.per_line(((flags & _SENT_END) > 0) & space_next)
    # The last character of a line that is not a closing quote or bracket (a quoted sentence still ends one).
    last = np.maximum(batch.char_start + batch.length - 1, 0)
    closing = np.array([ord(c) for c in _CLOSING_CHARS], dtype=np.uint32)
    last_is_closing = np.isin(batch.codepoints[last], closing) if batch.n else np.zeros(0, dtype=bool)
    last = np.where(last_is_closing & (batch.length > 1), last - 1, last)
    ends = ((flags[last] & _SENT_END) > 0) & (batch.length > 0) if batch.n else np.zeros(0, dtype=bool)
    return {
        "punct_ratio": _ratio(batch.count(_PUNCT), chars),
        "digit_ratio": _ratio(batch.count(_DIGIT), chars),
        "alpha_ratio": _ratio(alpha, chars),
        "upper_ratio": _ratio(batch.count(_UPPER), alpha),
        "cjk_ratio": _ratio(batch.count(_CJK), chars),
        "ends_sentence": ends.astype(np.float64),
        "sentences": sentence_breaks + 1.0,
        "commas": batch.count(_COMMA),
    }


def word_tokens(batch: LineBatch) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Lower-cased word tokens of the batch (letters and digits; CJK text counts by character elsewhere) and
    the line of each token."""
    flags = batch.flags
    word_char = ((flags & (_ALPHA | _DIGIT)) > 0) & ((flags & _CJK) == 0)
    starts = word_char & ~np.concatenate([[False], word_char[:-1]]) if flags.size else word_char
    token_starts = np.flatnonzero(starts)
    joined = batch.joined
    lowered = joined.lower()
    # lower() maps a character to one or more: when the lengths agree, every offset still holds, and the
    # tokens are the lowered text with every other character made a space, split (in C) on the spaces.
    if len(lowered) == len(joined):
        codepoints = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        spaced = np.where(word_char, codepoints, np.uint32(ord(" ")))
        tokens = spaced.tobytes().decode("utf-32-le", "surrogatepass").split()
    else:
        ends = np.flatnonzero(word_char & ~np.append(word_char[1:], False)) + 1
        tokens = [joined[s:e].lower() for s, e in zip(token_starts.tolist(), ends.tolist(), strict=True)]
    return tokens, batch.line_of(token_starts)


def stopword_features(
    batch: LineBatch, tokens: list[str], token_line: npt.NDArray[np.int64],
    languages: tuple[str, ...] = STOPWORD_LANGUAGES_DEFAULT,
) -> dict[str, Array]:
    """Share of tokens that are stopwords (prose is full of them, chrome has few); CJK counts by character."""
    words, cjk_table = _stopwords(languages)
    is_stop = np.fromiter(map(words.__contains__, tokens), dtype=np.bool_, count=len(tokens))
    stops = np.bincount(token_line[is_stop], minlength=batch.n).astype(np.float64)[: batch.n]
    n_tokens = np.bincount(token_line, minlength=batch.n).astype(np.float64)[: batch.n]
    cjk_chars = batch.count(_CJK)
    cjk_stops = batch.per_line(cjk_table[batch.codepoints]) if batch.n else np.zeros(0)
    total = n_tokens + cjk_chars
    stop_total = stops + cjk_stops
    return {"tokens": total, "stopwords": stop_total, "stop_density": _ratio(stop_total, total)}


#: Class/id words whose family memberships are kept in memory (pages and batches repeat the same words).
ATTR_MEMBERSHIP_CACHE_SIZE = 65536


@lru_cache(maxsize=ATTR_MEMBERSHIP_CACHE_SIZE)
def attr_membership(word: str) -> tuple[bool, ...]:
    """Whether a class/id word belongs to each family of :data:`chromecut.features.keywords.ATTR_FAMILIES`, in order."""
    return tuple(pattern.fullmatch(word) is not None for pattern in ATTR_FAMILIES.values())


def _words_and_owners(word_lists: list[str]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """The words of space-separated word lists, in order, and the list each came from: one ``split`` of all
    of them when every list is words joined by single spaces (as segmentation writes them), else list by list."""
    all_words = " ".join(word_lists).split()
    counts = [value.count(" ") + 1 if value else 0 for value in word_lists]
    if sum(counts) != len(all_words) or any(value != value.strip() or "  " in value for value in word_lists):
        per_list = [value.split() for value in word_lists]
        all_words = [word for words in per_list for word in words]
        counts = [len(words) for words in per_list]
    return all_words, np.repeat(np.arange(len(word_lists), dtype=np.int64), counts)


def markup_features(batch: LineBatch, frame: pd.DataFrame) -> dict[str, Array]:
    """Tag, heading level, list item, depth (absolute and relative to the page), landmarks, class/id words."""
    depth = numeric_column(frame, "depth")
    landmarks = np.nan_to_num(numeric_column(frame, "landmarks"), nan=0.0).astype(np.int64)
    out: dict[str, Array] = {
        "tag": np.array([_TAG_CODES.get(tag, np.nan) for tag in frame["tag"].tolist()], dtype=np.float64),
        "heading": numeric_column(frame, "heading"),
        "list_item": numeric_column(frame, "list_item"),
        "depth": depth,
        "depth_rel": depth - _page_reduce(batch, np.nan_to_num(depth), "median"),
    }
    for flag in Landmark:
        if flag.value:
            out[f"in_{str(flag.name).lower()}"] = ((landmarks & flag.value) > 0).astype(np.float64)
    # Many lines share their ancestors' words: classify each distinct word once, then count per line.
    codes, uniques = factorize_strings(string_list(frame["attr_words"]))
    all_words, owner = _words_and_owners(uniques)
    word_codes, distinct = factorize_strings(all_words)
    membership = np.array([attr_membership(w) for w in distinct], dtype=np.float64).reshape(
        len(distinct), len(ATTR_FAMILIES)
    )
    # Most words belong to no family: only the others are summed, per family, into their word lists.
    in_family: npt.NDArray[np.bool_] = np.asarray(np.any(membership, axis=1))
    hits = np.flatnonzero(in_family[word_codes])
    per_unique = np.zeros((len(uniques), len(ATTR_FAMILIES)))
    for i in range(len(ATTR_FAMILIES)):
        per_unique[:, i] = np.bincount(owner[hits], weights=membership[word_codes[hits], i], minlength=len(uniques))
    for i, name in enumerate(ATTR_FAMILIES):
        out[f"attr_{name}"] = per_unique[codes, i] if len(uniques) else np.zeros(batch.n)
    return out


def title_features(
    batch: LineBatch, frame: pd.DataFrame, tokens: list[str], token_line: npt.NDArray[np.int64]
) -> dict[str, Array]:
    """How much of the line is in the page's ``<title>`` and how much of the title the line holds."""
    if "title" not in frame or batch.n == 0:
        return {"line_in_title": np.full(batch.n, np.nan), "title_in_line": np.full(batch.n, np.nan)}
    titles = frame["title"].fillna("").astype(str).to_numpy()
    title_sets = [set(_WORD.findall(titles[start].lower())) for start in batch.page_start.tolist()]
    # Tokens come in line order, so each page's tokens are one slice: one membership map per page.
    bounds = np.searchsorted(batch.page[token_line], np.arange(len(title_sets) + 1)).tolist()
    in_title = np.fromiter(
        chain.from_iterable(map(words.__contains__, tokens[lo:hi])
                            for words, lo, hi in zip(title_sets, bounds[:-1], bounds[1:], strict=True)),
        dtype=np.bool_, count=len(tokens),
    )
    hits = np.bincount(token_line[in_title], minlength=batch.n).astype(np.float64)[: batch.n]
    n_tokens = np.bincount(token_line, minlength=batch.n).astype(np.float64)[: batch.n]
    title_size = np.array([len(s) for s in title_sets], dtype=np.float64)[batch.page]
    return {"line_in_title": _ratio(hits, n_tokens), "title_in_line": np.minimum(_ratio(hits, title_size), 1.0)}


_WORD = re.compile(r"[^\W_]+")


def page_features(batch: LineBatch, chars: Array, stop_density: Array) -> dict[str, Array]:
    """A line's length and stopword density relative to its page."""
    if batch.n == 0:
        return {k: np.zeros(0) for k in ("chars_rel_max", "chars_rel_median", "chars_rank", "stop_density_rel")}
    order = np.lexsort((chars, batch.page))
    rank = np.empty(batch.n, dtype=np.float64)
    rank[order] = np.arange(batch.n) - batch.page_start[batch.page[order]] + 1
    return {
        "chars_rel_max": _ratio(chars, _page_reduce(batch, chars, "max")),
        "chars_rel_median": _ratio(chars, _page_reduce(batch, chars, "median")),
        "chars_rank": rank / batch.page_size[batch.page],
        "stop_density_rel": stop_density - _page_reduce(batch, stop_density, "mean"),
    }


def normalised_lines(batch: LineBatch) -> list[str]:
    """The key under which repeated lines are counted: lower case, digits masked, whitespace folded."""
    if not batch.n:
        return []
    # Digits (category Nd, as the regex \d) masked on the code points; lower() never turns anything into a
    # digit or a newline, so masking first is the same and the keys line up with the lines.
    masked = np.where((batch.flags & _DIGIT) > 0, np.uint32(ord("0")), batch.codepoints)
    text = masked.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass").lower()
    # str.split() and the regex \s agree on whitespace: runs fold to one space, none at either end.
    return [" ".join(line.split()) for line in text.split("\n")]


def repetition_features(
    batch: LineBatch, frame: pd.DataFrame, keys: list[str], line_frequency: dict[str, int], leave_one_out: bool
) -> dict[str, Array]:
    """How often the same line text repeats: on other pages of the same site in the batch, and in the corpus
    the featurizer was fitted on (pages seen, log-scaled)."""
    # A dict lookup per line: pandas' Series.map would turn the whole table into a Series on every call.
    corpus = np.fromiter((line_frequency.get(k, 0) for k in keys), dtype=np.float64, count=len(keys))
    if leave_one_out:
        # A fitted page counts itself once; without this, training rows would never show zero.
        corpus = np.maximum(corpus - 1.0, 0.0)
    site = np.full(batch.n, np.nan)
    if "domain" in frame and batch.n:
        table = pd.DataFrame({"domain": frame["domain"].to_numpy(), "key": keys, "page": batch.page})
        pages_per_site = table.groupby("domain", sort=False)["page"].transform("nunique").to_numpy(np.float64)
        pages_with = table.groupby(["domain", "key"], sort=False)["page"].transform("nunique").to_numpy(np.float64)
        site = np.where(pages_per_site > 1, (pages_with - 1.0) / np.maximum(pages_per_site - 1.0, 1.0), np.nan)
    return {"repeat_corpus": np.log1p(corpus), "repeat_site": site}


def neighbour_features(batch: LineBatch, base: dict[str, Array]) -> dict[str, Array]:
    """Base features of the lines ±1 and ±2 away (NaN past the page's ends) and centred context means."""
    out: dict[str, Array] = {}
    names = list(base)
    if batch.n == 0:
        for offset in NEIGHBOUR_OFFSETS:
            out.update((f"{name}_{'p' if offset < 0 else 'n'}{abs(offset)}", base[name]) for name in names)
        for half in CONTEXT_HALF_WINDOWS:
            out.update((f"{name}_ctx{half}", base[name]) for name in names)
        return out
    # All base features at once: one row each, shifted and summed along the lines.
    values = np.stack([np.asarray(base[name], dtype=np.float64) for name in names])
    index = batch.index_in_page()
    size = batch.page_size[batch.page]
    rows = np.arange(batch.n)
    for offset in NEIGHBOUR_OFFSETS:
        target = index + offset
        valid = (target >= 0) & (target < size)
        shifted = np.where(valid, values[:, np.clip(rows + offset, 0, batch.n - 1)], np.nan)
        out.update((f"{name}_{'p' if offset < 0 else 'n'}{abs(offset)}", shifted[i]) for i, name in enumerate(names))
    first = batch.page_start[batch.page]
    cumulative = np.concatenate([np.zeros((len(names), 1)), np.cumsum(np.nan_to_num(values), axis=1)], axis=1)
    for half in CONTEXT_HALF_WINDOWS:
        lo = np.maximum(index - half, 0) + first
        hi = np.minimum(index + half, size - 1) + first
        means = (cumulative[:, hi + 1] - cumulative[:, lo]) / (hi - lo + 1)
        out.update((f"{name}_ctx{half}", means[i]) for i, name in enumerate(names))
    return out


def prose_features(batch: LineBatch, words: Array, ends_sentence: Array, chars: Array) -> dict[str, Array]:
    """Distance (in lines) to the nearest prose line before and after (NaN when there is none on the page),
    and the share of the page's prose that comes before the line: chrome sits around the prose."""
    if batch.n == 0:
        return {k: np.zeros(0) for k in ("prose_before", "prose_after", "prose_before_share")}
    prose = (words >= PROSE_MIN_WORDS) & (ends_sentence > 0)
    rows = np.arange(batch.n)
    first = batch.page_start[batch.page]
    last = first + batch.page_size[batch.page] - 1
    marked = np.where(prose, rows, -1)
    previous = np.maximum.accumulate(marked)
    previous_prose = np.concatenate([[-1], previous[:-1]])  # strictly before the line
    before = np.where(previous_prose >= first, rows - previous_prose, np.nan)
    marked_next = np.where(prose, rows, batch.n)
    following = np.minimum.accumulate(marked_next[::-1])[::-1]
    next_prose = np.concatenate([following[1:], [batch.n]])
    after = np.where(next_prose <= last, next_prose - rows, np.nan)
    prose_chars = np.where(prose, chars, 0.0)
    cumulative = np.cumsum(prose_chars) - prose_chars
    before_share = _ratio(cumulative - cumulative[batch.page_start][batch.page],
                          _page_reduce(batch, prose_chars, "sum"))
    return {"prose_before": np.log1p(before), "prose_after": np.log1p(after), "prose_before_share": before_share}


#: Below this, a line's (page, class/id words, depth) codes fit in one int64 key.
_ONE_KEY_LIMIT = 2**62


def container_codes(batch: LineBatch, frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """A group number per line: lines of the same page with the same ancestor class/id words and depth (the
    line's container) share one."""
    words, _ = factorize_strings(string_list(frame["attr_words"]))
    depth, _ = pd.factorize(frame["depth"], use_na_sentinel=False)
    words, depth = np.asarray(words, dtype=np.int64), np.asarray(depth, dtype=np.int64)
    word_values, depth_values = int(words.max(initial=0)) + 1, int(depth.max(initial=0)) + 1
    if len(batch.page_size) * word_values * depth_values < _ONE_KEY_LIMIT:
        # The three codes as digits of one number: the same groups, in the same (row-sorted) order, found by
        # a one-dimensional sort instead of a sort of rows.
        _, codes = np.unique((batch.page * word_values + words) * depth_values + depth, return_inverse=True)
    else:
        _, codes = np.unique(np.stack([batch.page, words, depth], axis=1), axis=0, return_inverse=True)
    return np.asarray(codes, dtype=np.int64).reshape(-1)


def container_features(batch: LineBatch, frame: pd.DataFrame, columns: dict[str, Array]) -> dict[str, Array]:
    """Statistics of the line's container (lines of the page with the same ancestor class/id path): how many
    lines it holds, its share of the page's text, its link and stopword density, and whether it holds the
    page's longest line. Content lines share a container with the prose; navigation shares one with links."""
    if batch.n == 0:
        names = ("container_lines", "container_text_share", "container_link_density", "container_stop_density",
                 "container_has_longest")
        return {k: np.zeros(0) for k in names}
    codes = container_codes(batch, frame)
    sums = {
        name: np.bincount(codes, weights=np.nan_to_num(values)).astype(np.float64)
        for name, values in (("lines", np.ones(batch.n)), ("chars", columns["chars"]),
                             ("link", np.nan_to_num(columns["link_density"]) * columns["chars"]),
                             ("stop", columns["stopwords"]), ("tokens", columns["tokens"]))
    }
    longest = np.zeros(batch.n, dtype=bool)
    order = np.lexsort((-columns["chars"], batch.page))
    longest[order[batch.page_start]] = True
    has_longest = np.bincount(codes, weights=longest.astype(np.float64)) > 0
    return {
        "container_lines": np.log1p(sums["lines"][codes]),
        "container_text_share": _ratio(sums["chars"][codes], _page_reduce(batch, columns["chars"], "sum")),
        "container_link_density": _ratio(sums["link"][codes], sums["chars"][codes]),
        "container_stop_density": _ratio(sums["stop"][codes], sums["tokens"][codes]),
        "container_has_longest": has_longest[codes].astype(np.float64),
    }


_NEIGHBOUR_BASE_TEXT = ("log_chars", "stop_density", "ends_sentence", "punct_ratio", "kw_related", "pat_list_marker")
_NEIGHBOUR_BASE_HTML = ("link_density", "heading", "attr_content", "container_text_share")


class Featurizer:
    """Line frame -> feature table, in ``html`` mode (all families) or ``text`` mode (no markup).

    Parameters
    ----------
    mode:
        ``"html"`` or ``"text"``.
    keyword_max_chars, stopword_languages, repeat_max_chars, repeat_min_pages, repeat_table_size:
        See the ``*_DEFAULT`` constants of this module.
    """

    def __init__(
        self,
        mode: Mode = "html",
        *,
        keyword_max_chars: int = KEYWORD_MAX_CHARS_DEFAULT,
        stopword_languages: tuple[str, ...] = STOPWORD_LANGUAGES_DEFAULT,
        repeat_max_chars: int = REPEAT_MAX_CHARS_DEFAULT,
        repeat_min_pages: int = REPEAT_MIN_PAGES_DEFAULT,
        repeat_table_size: int = REPEAT_TABLE_SIZE_DEFAULT,
    ) -> None:
        self.mode = mode
        self.keyword_max_chars = keyword_max_chars
        self.stopword_languages = stopword_languages
        self.repeat_max_chars = repeat_max_chars
        self.repeat_min_pages = repeat_min_pages
        self.repeat_table_size = repeat_table_size

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (the sklearn contract), JSON-serialisable."""
        return {
            "mode": self.mode,
            "keyword_max_chars": self.keyword_max_chars,
            "stopword_languages": list(self.stopword_languages),
            "repeat_max_chars": self.repeat_max_chars,
            "repeat_min_pages": self.repeat_min_pages,
            "repeat_table_size": self.repeat_table_size,
        }

    def fit(self, frame: pd.DataFrame) -> Featurizer:
        """Learn the corpus line-frequency table and the feature order from a line frame."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        self._check_columns(frame)
        keys = pd.Series(normalised_lines(LineBatch.from_frame(frame)), dtype=object)
        table = pd.DataFrame({"key": keys, "doc": frame["doc"].to_numpy()})
        table = table[frame["text"].str.len().to_numpy() <= self.repeat_max_chars].drop_duplicates()
        counts = table["key"].value_counts()
        counts = counts[counts >= self.repeat_min_pages].head(self.repeat_table_size)
        self.line_frequency_: dict[str, int] = {str(k): int(v) for k, v in counts.items()}
        self.feature_names_: list[str] = self.output_names()
        return self

    def output_names(self) -> list[str]:
        """The features this featurizer's code produces for its mode, in order (no fitting needed)."""
        empty = pd.DataFrame({column: pd.Series([], dtype=object) for column in LINE_FRAME_COLUMNS})
        return list(self._features(empty, leave_one_out=False, select=False).columns)

    def fit_transform(self, frame: pd.DataFrame, fit_frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """Fit, then transform the same frame with leave-one-out corpus frequencies.

        ``fit_frame`` fits on other rows than those transformed: augmented copies of a page (which must not
        count as more pages that repeat its lines) are transformed, the original pages fitted.
        """
        return self.fit(frame if fit_frame is None else fit_frame)._features(frame, leave_one_out=True)

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The feature table of a line frame, columns in ``feature_names_`` order, float32."""
        if not hasattr(self, "feature_names_"):
            raise RuntimeError("Featurizer is not fitted; call fit() or load a bundle")
        return self._features(frame, leave_one_out=False)

    def _check_columns(self, frame: pd.DataFrame) -> None:
        missing = [c for c in ("doc", "text") if c not in frame]
        if self.mode == "html":
            missing += [c for c in MARKUP_COLUMNS if c not in frame]
        if missing:
            raise ValueError(f"{self.mode} features need the columns {missing} (plain text: use mode='text')")

    def _features(self, frame: pd.DataFrame, leave_one_out: bool, select: bool = True) -> pd.DataFrame:
        self._check_columns(frame)
        batch = LineBatch.from_frame(frame)
        tokens, token_line = word_tokens(batch)
        length = length_features(batch)
        chars = length["chars"]
        stop = stopword_features(batch, tokens, token_line, self.stopword_languages)
        columns: dict[str, Array] = {
            **length,
            **position_features(batch, chars),
            **keyword_features(batch, tokens, token_line, self.keyword_max_chars),
            **character_features(batch, chars),
            **stop,
            **pattern_features(batch),
            **page_features(batch, chars, stop["stop_density"]),
            **repetition_features(batch, frame, normalised_lines(batch), getattr(self, "line_frequency_", {}),
                                  leave_one_out),
        }
        columns.update(prose_features(batch, columns["words"], columns["ends_sentence"], chars))
        if self.mode == "html":
            columns.update(link_features(batch, frame, columns["words"]))
            columns.update(markup_features(batch, frame))
            columns.update(title_features(batch, frame, tokens, token_line))
            columns.update(container_features(batch, frame, columns))
        base = list(_NEIGHBOUR_BASE_TEXT) + (list(_NEIGHBOUR_BASE_HTML) if self.mode == "html" else [])
        columns.update(neighbour_features(batch, {name: columns[name] for name in base}))
        names = getattr(self, "feature_names_", None) if select else None
        if names is not None:
            columns = {name: columns[name] for name in names}
        return _table(columns, frame.index)


def _table(columns: dict[str, Array], index: pd.Index) -> pd.DataFrame:
    """One float32 block (a column-per-array frame costs a block per feature, and pandas time per page)."""
    if not columns:
        return pd.DataFrame(index=index)
    values = np.empty((len(index), len(columns)), dtype=np.float32)
    for i, column in enumerate(columns.values()):
        values[:, i] = column
    return pd.DataFrame(values, index=index, columns=list(columns), copy=False)


def categorical_features(names: Iterable[str]) -> list[str]:
    """The features LightGBM should treat as categories."""
    return [n for n in names if n == "tag"]


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
    ``markup=False`` leaves out the markup columns and the title (all a text-mode featurizer reads is ``doc``,
    ``line`` and ``text``)."""
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


#: Probability above which a line counts as likely content for the context pass's distance features.
CONTEXT_LIKELY_CONTENT = 0.5


def context_features(frame: pd.DataFrame, probability: Array, mode: str) -> pd.DataFrame:
    """Features of the second, context pass: each line's first-pass content probability, its neighbours'
    (±1, ±2, window means), the page's mean and maximum, the line's rank on the page, the distance to the
    nearest likely-content line, and (HTML) the mean probability of the line's container."""
    batch = LineBatch.from_frame(frame, with_text=False)  # page structure only: the text was read already
    p = np.asarray(probability, dtype=np.float64)
    columns: dict[str, Array] = {"p": p}
    columns.update(neighbour_features(batch, {"p": p}))
    columns["p_page_mean"] = _page_reduce(batch, p, "mean")
    columns["p_page_max"] = _page_reduce(batch, p, "max")
    if batch.n:
        order = np.lexsort((p, batch.page))
        rank = np.empty(batch.n)
        rank[order] = np.arange(batch.n) - batch.page_start[batch.page[order]] + 1
        columns["p_rank"] = rank / batch.page_size[batch.page]
    else:
        columns["p_rank"] = np.zeros(0)
    likely = (p >= CONTEXT_LIKELY_CONTENT).astype(np.float64)
    prose = prose_features(batch, likely * PROSE_MIN_WORDS, likely, np.ones(batch.n))
    columns["likely_before"], columns["likely_after"] = prose["prose_before"], prose["prose_after"]
    columns["likely_before_share"] = prose["prose_before_share"]
    if mode == "html" and batch.n:
        codes = container_codes(batch, frame)
        sums = np.bincount(codes, weights=p)
        counts = np.bincount(codes)
        columns["p_container"] = sums[codes] / counts[codes]
    elif mode == "html":
        columns["p_container"] = np.zeros(0)
    return _table(columns, frame.index)
