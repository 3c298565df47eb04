"""The pattern family: per-line counts of dates, times, counters, units, separators, list markers and URLs.

Each pattern is found by one scan of the batch's joined text whose match positions map back to lines; the
separators and list markers are found on the code points instead (the same counts, faster).
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from chromecut.features.batch import DIGIT, SPACE, Array, LineBatch
from chromecut.features.keywords import (
    BULLET_CHARS,
    DIGIT_PATTERNS,
    LIST_INDENT_CHARS,
    LIST_NUMBER_END_CHARS,
    PATTERNS,
    SEPARATOR_CHARS,
)


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
    space = (batch.flags & SPACE) > 0
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
    matched = np.isin(shifted[0][0], _BULLET_CODES) & ((shifted[1][1] & SPACE) > 0)
    run = np.zeros(len(first), dtype=np.int64)  # digits in a row from the marker's start, up to one too many
    counting = np.ones(len(first), dtype=np.bool_)
    for offset in range(_LIST_NUMBER_MAX_DIGITS + 1):
        counting &= (shifted[offset][1] & DIGIT) > 0
        run += counting
    for digits in range(1, _LIST_NUMBER_MAX_DIGITS + 1):
        matched |= ((run == digits) & np.isin(shifted[digits][0], _NUMBER_END_CODES)
                    & ((shifted[digits + 1][1] & SPACE) > 0))
    return lines[matched]


#: Patterns counted from the code points rather than by their regex (the same counts: tested).
_CODE_POINT_PATTERNS = {"separator": separator_lines, "list_marker": list_marker_lines}


def pattern_features(batch: LineBatch) -> dict[str, Array]:
    """Counts of dates, times, counters in brackets, units (temperatures, prices), separators, list markers
    and URLs per line. Patterns that need a digit scan only lines that hold one."""
    with_digit = np.flatnonzero(batch.count(DIGIT) > 0) if batch.n else np.zeros(0, dtype=np.int64)
    everything, digit_lines = _Scan(batch), _Scan(batch, with_digit)
    out = {}
    for name, pattern in PATTERNS.items():
        if name in _CODE_POINT_PATTERNS:
            lines = _CODE_POINT_PATTERNS[name](batch)
        else:
            lines = (digit_lines if name in DIGIT_PATTERNS else everything).match_lines(pattern)
        out[f"pat_{name}"] = np.bincount(lines, minlength=batch.n).astype(np.float64)[: batch.n]
    return out
