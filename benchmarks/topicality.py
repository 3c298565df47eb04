"""A prototype of the context pass: how much a line shares the topic of its page's prose.

The article's paragraphs name the same people, places and things; a "Related" list's headlines, a second article
appended under the first, a cookie note or a promo name others. No feature so far compares a line's words with
the rest of its page. Per page, the long lines (:data:`LONG_LINE_UNITS` word units or more) vote: a unit (a
lower-cased word of :data:`MIN_WORD_CHARS` letters or more, or a pair of adjacent CJK characters) is a topic unit
of the page when another long line holds it too, unless :data:`COMMON_SHARE` of the long lines or more (and at
least :data:`COMMON_MIN_LINES`) hold it (the page's function words). Per line (missing on a line without units,
or a page with fewer than :data:`MIN_LONG_LINES` long lines): the share of its units that are topic units of the
page (its own line not voting), the mean ``log(1 + n)`` of the other long lines holding each unit, the same share
over the lines within :data:`WINDOW` lines either side (a list of other headlines is low as a run), and per page
the count of long lines. Added to the context pass's features in both modes; the bundle it saves cannot be served
(the Rust pipeline does not compute the columns): an experiment, not a model to ship.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/topicality.py experiment=ship_text model.num_threads=2 \\
        ship_to=null tracking.enabled=false output_dir=outputs/topic-text

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from prototype_run import add_context_columns, page_bounds, train_and_print

TOPIC_NAMES = ("topic_share", "topic_depth", "topic_window_share", "topic_page_long_lines")
#: A word unit has at least this many letters (shorter ones are mostly function words in the scripts with spaces).
MIN_WORD_CHARS = 4
#: A long line holds at least this many units; a page needs this many long lines for its topic.
LONG_LINE_UNITS = 8
MIN_LONG_LINES = 3
#: A unit held by at least this share of the page's long lines (and at least :data:`COMMON_MIN_LINES` of them) is
#: one of its function words, not its topic.
COMMON_SHARE = 0.3
COMMON_MIN_LINES = 6
#: Lines either side of a line in its window (the line itself excluded).
WINDOW = 2
_WORD = re.compile(r"[^\W\d_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")


def units(text: str) -> tuple[set[str], int]:
    """A line's units (lower-cased words of :data:`MIN_WORD_CHARS` letters or more, pairs of adjacent CJK
    characters) and its length in units (every word, and a CJK run's characters halved)."""
    found: set[str] = set()
    runs = _CJK.findall(text)
    for run in runs:
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    words = _WORD.findall(_CJK.sub(" ", text))
    found.update(word.lower() for word in words if len(word) >= MIN_WORD_CHARS)
    return found, len(words) + sum(len(run) for run in runs) // 2


def page_columns(texts: list[str]) -> np.ndarray:
    """:data:`TOPIC_NAMES` of one page's lines."""
    out = np.full((len(texts), len(TOPIC_NAMES)), np.nan, dtype=np.float32)
    parsed = [units(t) for t in texts]
    line_units = [found for found, _ in parsed]
    long = [count >= LONG_LINE_UNITS for _, count in parsed]
    n_long = sum(long)
    out[:, 3] = n_long
    if n_long < MIN_LONG_LINES:
        return out
    held = Counter(u for found, is_long in zip(line_units, long, strict=True) if is_long for u in found)
    common = max(COMMON_MIN_LINES, COMMON_SHARE * n_long)
    hits = np.zeros(len(texts))
    sizes = np.zeros(len(texts))
    for i, (found, is_long) in enumerate(zip(line_units, long, strict=True)):
        if not found:
            continue
        own = 1 if is_long else 0
        others = [held[u] - own for u in found if held[u] < common]
        topical = [n for n in others if n > 0]
        hits[i], sizes[i] = len(topical), len(found)
        out[i, 0] = len(topical) / len(found)
        out[i, 1] = sum(math.log1p(n) for n in topical) / len(found)
    for i in range(len(texts)):
        lo, hi = max(0, i - WINDOW), min(len(texts), i + WINDOW + 1)
        size = sizes[lo:hi].sum() - sizes[i]
        if size > 0:
            out[i, 2] = (hits[lo:hi].sum() - hits[i]) / size
    return out


def topic_columns(frame: pd.DataFrame, probability: Any = None) -> pd.DataFrame:
    """:data:`TOPIC_NAMES` of every line of a line frame (``probability`` unread)."""
    texts = frame["text"].astype(str).tolist()
    parts = [page_columns(texts[start:end]) for start, end in page_bounds(frame)]
    values = np.concatenate(parts) if parts else np.zeros((0, len(TOPIC_NAMES)), dtype=np.float32)
    return pd.DataFrame(values, index=frame.index, columns=list(TOPIC_NAMES))


def main(argv: list[str]) -> None:
    add_context_columns(topic_columns)
    train_and_print(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
