"""From probabilities to kept lines: the one decision rule of inference and of every page score.

A line is kept when its content probability reaches the threshold, and a line that holds at least
:data:`DOMINANT_SHARE` of its page's characters is kept whatever its probability. Such a line *is* the page:
a dump whose menus, article and footer were glued into one or two lines (BeautifulSoup's ``get_text()`` or
lxml's ``text_content()`` of minified HTML) cannot be cleaned line by line, and dropping that line returns
nothing of a page that has content. The line is returned as it is, chrome and all, which costs precision on
that page instead of all of its recall.

A bundle may also smooth the decision (its ``smoothing``, a switch cost; 0 is off): of the lines the threshold
keeps, a page keeps those on the best path of a two-state chain over its lines (content, chrome), where a line on
the content side scores its margin over the threshold (``logit(p) - logit(threshold)``, times the square root of
its length over :data:`SMOOTHING_REFERENCE_CHARS`: a long line speaks louder) and every change of side costs the
switch cost. A short run of lines just above the threshold between chrome (a widget heading, a caption, a promo)
then goes, while a run of confident lines stays. Smoothing only drops lines: it never keeps a line the threshold
drops, and a dominant line stays.

A bundle may also lower the threshold on a page it would return almost empty (its ``fallback_chars``; 0 is off):
when the lines at or above the threshold hold fewer than that many characters, the page is decided at
:data:`FALLBACK_THRESHOLD_SHARE` of the threshold (and smoothed at that threshold). On a page unlike any the model
learnt from (another script, another kind of site) every line may score below the threshold, content included;
the page's most probable lines are then still its best guess, and an empty answer scores nothing
(docs/training.md, "Smoothing the decision").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

#: A line holding at least this share of its page's characters is kept (see the module's docstring).
DOMINANT_SHARE = 0.5
#: Smoothing: a line of this many characters weighs its margin over the threshold once (see the module's docstring).
SMOOTHING_REFERENCE_CHARS = 40.0
#: Smoothing: probabilities are clipped this far from 0 and 1 before their logit is taken.
SMOOTHING_PROBABILITY_CLIP = 1e-4
#: The fallback: a page that would keep fewer than the bundle's ``fallback_chars`` characters is decided at this
#: share of the threshold (see the module's docstring).
FALLBACK_THRESHOLD_SHARE = 0.5


def kept_lines(
    probabilities: npt.NDArray[np.float64], threshold: float, pages: npt.ArrayLike, chars: npt.ArrayLike,
    smoothing: float = 0.0, fallback_chars: int = 0,
) -> npt.NDArray[np.bool_]:
    """Whether each line is kept: ``probabilities`` of the lines (pages one after another, as in a line frame),
    each line's page key (``pages``, contiguous runs) and its length in characters; ``smoothing`` the switch cost
    (0: the threshold alone) and ``fallback_chars`` the fallback's floor (0: none; see the module's docstring)."""
    p = np.asarray(probabilities, dtype=np.float64)
    cut = page_thresholds(p, threshold, pages, chars, fallback_chars)
    kept = p >= cut
    if smoothing > 0 and p.size:
        kept &= smoothed_content(p, cut, pages, chars, smoothing)
    return kept | dominant_lines(pages, chars)


def page_thresholds(probabilities: npt.NDArray[np.float64], threshold: float, pages: npt.ArrayLike,
                    chars: npt.ArrayLike, fallback_chars: int = 0) -> npt.NDArray[np.float64]:
    """The threshold each line is decided at: ``threshold``, or :data:`FALLBACK_THRESHOLD_SHARE` of it on a page
    whose lines at or above it hold fewer than ``fallback_chars`` characters (see the module's docstring)."""
    p = np.asarray(probabilities, dtype=np.float64)
    cut = np.full(p.size, float(threshold))
    if fallback_chars <= 0 or p.size == 0:
        return cut
    codes = _page_codes(pages)
    above = np.bincount(codes, weights=np.where(p >= threshold, np.asarray(chars, dtype=np.float64), 0.0))
    return fallback_cuts(cut, above[codes], fallback_chars)


def fallback_cuts(thresholds: npt.NDArray[np.float64], kept_chars: npt.ArrayLike,
                  fallback_chars: int) -> npt.NDArray[np.float64]:
    """The fallback's rule: each of ``thresholds``, or :data:`FALLBACK_THRESHOLD_SHARE` of it where the page's
    lines at or above it hold fewer than ``fallback_chars`` characters (``kept_chars``, the same shape; 0: off)."""
    if fallback_chars <= 0:
        return thresholds
    return np.where(np.asarray(kept_chars) < fallback_chars, thresholds * FALLBACK_THRESHOLD_SHARE, thresholds)


def _page_codes(pages: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Each line's page number (0, 1, ...) from its page key (contiguous runs)."""
    keys = np.asarray(pages)
    codes: npt.NDArray[np.intp] = np.cumsum(np.r_[True, keys[1:] != keys[:-1]]) - 1
    return codes


def smoothed_content(
    probabilities: npt.NDArray[np.float64], threshold: float | npt.NDArray[np.float64], pages: npt.ArrayLike,
    chars: npt.ArrayLike, switch_cost: float,
) -> npt.NDArray[np.bool_]:
    """The lines on the content side of each page's best path (see the module's docstring), pages decided one
    by one (``threshold``: one for every line, or each line's); a path may start on either side at no cost, and
    ties keep the side the path is on."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), SMOOTHING_PROBABILITY_CLIP,
                1 - SMOOTHING_PROBABILITY_CLIP)
    cut = np.clip(np.asarray(threshold, dtype=np.float64), SMOOTHING_PROBABILITY_CLIP, 1 - SMOOTHING_PROBABILITY_CLIP)
    lengths = np.maximum(np.asarray(chars, dtype=np.float64), 1.0)
    scores = (np.log(p / (1 - p)) - np.log(cut / (1 - cut))) * np.sqrt(lengths / SMOOTHING_REFERENCE_CHARS)
    keys = np.asarray(pages)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    content = np.zeros(p.size, dtype=np.bool_)
    for start, end in zip(starts, np.r_[starts[1:], p.size], strict=True):
        content[start:end] = _best_path(scores[start:end].tolist(), switch_cost)
    return content


def _best_path(scores: list[float], switch_cost: float) -> list[bool]:
    """Viterbi over two states: chrome scores 0, content scores the line's score, a change of state costs
    ``switch_cost``; True where the best path is on content."""
    chrome, content = 0.0, scores[0]
    from_content_to_chrome = [False] * len(scores)  # the best way into chrome at i came from content at i - 1
    from_chrome_to_content = [False] * len(scores)
    for i in range(1, len(scores)):
        stay_chrome, switch_to_chrome = chrome, content - switch_cost
        stay_content, switch_to_content = content, chrome - switch_cost
        from_content_to_chrome[i] = switch_to_chrome > stay_chrome
        from_chrome_to_content[i] = switch_to_content > stay_content
        chrome = max(stay_chrome, switch_to_chrome)
        content = max(stay_content, switch_to_content) + scores[i]
    on_content = content > chrome
    path = [False] * len(scores)
    for i in range(len(scores) - 1, -1, -1):
        path[i] = on_content
        on_content = not from_chrome_to_content[i] if on_content else from_content_to_chrome[i]
    return path


def dominant_lines(pages: npt.ArrayLike, chars: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The lines kept whatever their probability: at least :data:`DOMINANT_SHARE` of their page's characters."""
    lengths = np.asarray(chars, dtype=np.float64)
    if lengths.size == 0:
        return np.zeros(0, dtype=np.bool_)
    codes = _page_codes(pages)
    totals = np.bincount(codes, weights=lengths)
    dominant: npt.NDArray[np.bool_] = (lengths >= DOMINANT_SHARE * totals[codes]) & (lengths > 0)
    return dominant


def frame_kept(frame: pd.DataFrame, probabilities: npt.NDArray[np.float64], threshold: float,
               smoothing: float = 0.0, fallback_chars: int = 0) -> npt.NDArray[np.bool_]:
    """:func:`kept_lines` of a line frame's lines (``doc`` and ``text`` columns)."""
    return kept_lines(probabilities, threshold, frame["doc"].to_numpy(),
                      frame["text"].astype(str).str.len().to_numpy(), smoothing, fallback_chars)
