"""A prototype of the context pass: the page's main span of likely content.

The context pass sees each line's first-pass probability, its neighbours', the page's and the container's, and
the distance to the nearest likely-content line. None of them says which run of lines is *the* article: a
comment thread, a second article or a block of teaser summaries after a share bar holds likely-content lines of
its own. This script adds the page's main span to the context pass's features: the contiguous run of lines of
largest weight, a line weighing ``(p - 0.5) * sqrt(tokens + 1)`` (so that short chrome lines between two
stretches of prose cost little and a run of them costs much), and per line whether it is in the span, how many
lines before or after it it lies, the span's share of the page's tokens and the share of the page's positive
weight outside the span. It trains one ``chromecut-train`` run (its Hydra overrides as arguments) and prints
its test and validation figures; the bundle it saves cannot be served (the Rust pipeline does not compute the
columns), so it is an experiment, not a model to ship.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/span_context.py experiment=ship_html model.num_threads=2 \\
        ship_to=null tracking.enabled=false output_dir=outputs/span-html

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import sys

import numpy as np
import numpy.typing as npt
import pandas as pd
from prototype_run import add_context_columns, page_bounds, train_and_print

from chromecut.features.context import CONTEXT_LIKELY_CONTENT

#: The span's columns.
SPAN_NAMES = ("span_in", "span_lines_before", "span_lines_after", "span_token_share", "span_outside_weight")


def _main_span(weights: npt.NDArray[np.float64]) -> tuple[int, int]:
    """Kadane's largest-sum contiguous run ``[start, end]`` (inclusive); the best single line when none is
    positive."""
    best, best_start, best_end = -np.inf, 0, 0
    run, run_start = 0.0, 0
    for i, w in enumerate(weights.tolist()):
        if run <= 0.0:
            run, run_start = w, i
        else:
            run += w
        if run > best:
            best, best_start, best_end = run, run_start, i
    return best_start, best_end


def span_columns(frame: pd.DataFrame, probability: npt.NDArray[np.float64]) -> pd.DataFrame:
    """The span's columns of every line of ``frame`` (pages contiguous, as the context pass reads them)."""
    tokens = frame["text"].astype(str).str.split().str.len().to_numpy(dtype=np.float64)
    weights = (np.asarray(probability, dtype=np.float64) - CONTEXT_LIKELY_CONTENT) * np.sqrt(tokens + 1.0)
    out = np.zeros((len(frame), len(SPAN_NAMES)), dtype=np.float32)
    for start, end in page_bounds(frame):
        size = end - start
        w, t = weights[start:end], tokens[start:end]
        first, last = _main_span(w)
        index = np.arange(size)
        out[start:end, 0] = (index >= first) & (index <= last)
        out[start:end, 1] = np.log1p(np.maximum(first - index, 0))
        out[start:end, 2] = np.log1p(np.maximum(index - last, 0))
        out[start:end, 3] = t[first:last + 1].sum() / max(t.sum(), 1.0)
        positive = np.maximum(w, 0.0)
        out[start:end, 4] = 1.0 - positive[first:last + 1].sum() / positive.sum() if positive.sum() > 0 else 0.0
    return pd.DataFrame(out, index=frame.index, columns=list(SPAN_NAMES))


def main(overrides: list[str]) -> None:
    add_context_columns(span_columns)
    train_and_print(overrides)


if __name__ == "__main__":
    main(sys.argv[1:])
