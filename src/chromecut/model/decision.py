"""From probabilities to kept lines: the one decision rule of inference and of every page score.

A line is kept when its content probability reaches the threshold, and a line that holds at least
:data:`DOMINANT_SHARE` of its page's characters is kept whatever its probability. Such a line *is* the page:
a dump whose menus, article and footer were glued into one or two lines (BeautifulSoup's ``get_text()`` or
lxml's ``text_content()`` of minified HTML) cannot be cleaned line by line, and dropping that line returns
nothing of a page that has content. The line is returned as it is, chrome and all, which costs precision on
that page instead of all of its recall.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

#: A line holding at least this share of its page's characters is kept (see the module's docstring).
DOMINANT_SHARE = 0.5


def kept_lines(
    probabilities: npt.NDArray[np.float64], threshold: float, pages: npt.ArrayLike, chars: npt.ArrayLike,
) -> npt.NDArray[np.bool_]:
    """Whether each line is kept: ``probabilities`` of the lines (pages one after another, as in a line frame),
    each line's page key (``pages``, contiguous runs) and its length in characters."""
    return (np.asarray(probabilities, dtype=np.float64) >= threshold) | dominant_lines(pages, chars)


def dominant_lines(pages: npt.ArrayLike, chars: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The lines kept whatever their probability: at least :data:`DOMINANT_SHARE` of their page's characters."""
    lengths = np.asarray(chars, dtype=np.float64)
    if lengths.size == 0:
        return np.zeros(0, dtype=np.bool_)
    keys = np.asarray(pages)
    codes = np.cumsum(np.r_[True, keys[1:] != keys[:-1]]) - 1
    totals = np.bincount(codes, weights=lengths)
    dominant: npt.NDArray[np.bool_] = (lengths >= DOMINANT_SHARE * totals[codes]) & (lengths > 0)
    return dominant


def frame_kept(frame: pd.DataFrame, probabilities: npt.NDArray[np.float64], threshold: float) -> npt.NDArray[np.bool_]:
    """:func:`kept_lines` of a line frame's lines (``doc`` and ``text`` columns)."""
    return kept_lines(probabilities, threshold, frame["doc"].to_numpy(),
                      frame["text"].astype(str).str.len().to_numpy())
