"""What looks past the line. The first pass's neighbour, prose and container families are computed by the Rust
core (``core/src/features/text.rs``, ``container.rs``) with the offsets, windows and bases of this module; the
second, context pass that reads the first pass's probabilities (jusText's pass that looks at neighbours) is
computed here, at training and inference alike, from the page structure and the probabilities alone.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features.batch import (
    Array,
    LineBatch,
    factorize_strings,
    feature_table,
    page_reduce,
    safe_ratio,
    string_list,
)

#: Neighbour offsets whose base features each line sees.
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
#: Half-widths (lines) of the centred windows of the smoothed context features: near and wide context.
CONTEXT_HALF_WINDOWS = (2, 6)
#: The base features whose neighbours' values (and context means) each line also sees, per mode.
NEIGHBOUR_BASE_TEXT = ("log_chars", "stop_density", "ends_sentence", "punct_ratio", "kw_related", "pat_list_marker")
NEIGHBOUR_BASE_HTML = ("link_density", "heading", "attr_content", "container_text_share")
#: Text mode only: the section features whose neighbours tell a widget's lines from the prose around them.
NEIGHBOUR_BASE_SECTIONS = ("sec_heading", "run_lines", "meta_line")
#: A line counts as prose (for the distance-to-prose features) with this many words and a sentence ending.
PROSE_MIN_WORDS = 12


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
    before_share = safe_ratio(cumulative - cumulative[batch.page_start][batch.page],
                              page_reduce(batch, prose_chars, "sum"))
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
    columns["p_page_mean"] = page_reduce(batch, p, "mean")
    columns["p_page_max"] = page_reduce(batch, p, "max")
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
    return feature_table(columns, frame.index)
