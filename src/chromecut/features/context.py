"""What looks past the line. The first pass's neighbour, prose and container families are computed by the Rust
core (``core/src/features/text.rs``, ``container.rs``) with the offsets, windows and bases of this module; so
are the features of the second, context pass that reads the first pass's probabilities (jusText's pass that looks
at neighbours), from the page structure and the probabilities alone, at training and inference alike.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut import _core
from chromecut.features.batch import Array, LineBatch, factorize_strings, string_list

#: Neighbour offsets whose base features each line sees.
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
#: Half-widths (lines) of the centred windows of the smoothed context features: near and wide context.
CONTEXT_HALF_WINDOWS = (2, 6)
#: The base features whose neighbours' values (and context means) each line also sees, per mode.
NEIGHBOUR_BASE_TEXT = ("log_chars", "stop_density", "ends_sentence", "punct_ratio", "kw_related", "pat_list_marker")
NEIGHBOUR_BASE_HTML = ("link_density", "heading", "attr_content", "container_text_share")
#: Text mode only: the section features whose neighbours tell a widget's lines from the prose around them.
NEIGHBOUR_BASE_SECTIONS = ("sec_heading", "run_lines", "meta_line")
#: Text mode's Markdown link features: a line between two link lines is likely in the same menu or list.
NEIGHBOUR_BASE_MARKDOWN = ("md_link_share",)
#: A line counts as prose (for the distance-to-prose features) with this many words and a sentence ending.
PROSE_MIN_WORDS = 12


#: Probability above which a line counts as likely content for the context pass's distance features.
CONTEXT_LIKELY_CONTENT = 0.5


def context_features(frame: pd.DataFrame, probability: Array, mode: str) -> pd.DataFrame:
    """Features of the second, context pass: each line's first-pass content probability, its neighbours'
    (±1, ±2, window means), the page's mean and maximum, the line's rank on the page, the distance to the
    nearest likely-content line, and (HTML) the mean probability of the line's container (its page's lines with
    its class/id words and depth). Computed by the Rust core (``core/src/pipeline.rs``, ``context_table``): the
    code inference runs in its one call per batch, so training and inference share it."""
    batch = LineBatch.from_frame(frame, with_text=False)  # page structure only: the text was read already
    attr: npt.NDArray[np.int64] | None = None
    depth: npt.NDArray[np.int64] | None = None
    if mode == "html":
        words, _ = factorize_strings(string_list(frame["attr_words"]))
        depth_codes, _ = pd.factorize(frame["depth"], use_na_sentinel=False)
        attr, depth = np.asarray(words, dtype=np.int64), np.asarray(depth_codes, dtype=np.int64)
    names, values = _core.context_features(
        np.asarray(batch.page_size, dtype=np.int64), np.asarray(probability, dtype=np.float64),
        offsets=list(NEIGHBOUR_OFFSETS), half_windows=list(CONTEXT_HALF_WINDOWS), likely=CONTEXT_LIKELY_CONTENT,
        attr=attr, depth=depth,
    )
    return pd.DataFrame(values.astype(np.float32), index=frame.index, columns=names, copy=False)
