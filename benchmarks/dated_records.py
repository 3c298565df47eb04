"""A prototype of the context pass: where a line stands among the page's short dated lines (text mode).

A comment thread, a forum's posts, a list of other headlines with their dates: each record of such a run starts
or ends with a short line that holds a date or a time ("Diane On Friday, November 2 at 12:16 pm", "by Lisa
on February 8, 2012 at 3:46 pm. Reply #"), and an article holds one or two of them near its top. In a text dump
the records' own lines read as prose; the neighbour features see two lines either side, so nothing tells a
line that thirty dated lines stand above it. Per line of a text-mode frame (short dated: at most
:data:`DATED_MAX_WORDS` words and a ``date`` or ``time`` pattern of :mod:`chromecut.features.keywords`):

- ``dated_above`` / ``dated_below``: log2 of 1 + the short dated lines above / below it on the page;
- ``dated_page``: log2 of 1 + the page's short dated lines;
- ``dated_share_above``: the share of the page's short dated lines that stand above it (missing on a page
  without one).

It trains one ``chromecut-train`` run (its Hydra overrides as arguments) and prints its test and validation
figures; ``--evaluate`` followed by ``chromecut evaluate``'s arguments trains and scores the
leave-one-dataset-out folds with the columns (their models predict on line frames, so the patched context pass
is theirs too). The bundles cannot be served (the Rust pipeline does not compute the columns): an experiment,
not a model to ship.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/dated_records.py experiment=ship_text model.num_threads=2 \\
        ship_to=null tracking.enabled=false output_dir=outputs/dated-text
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/dated_records.py --evaluate --mode text --no-peers \\
        --out outputs/lodo-dated-text.json experiment=ship_text

``--noise`` followed by ``benchmarks/gate_noise.py``'s arguments scores bundles on the test pages through the
line-frame path (``Cleaner(fused=False)``, whose context pass is the patched Python one; a bundle trained without
the columns reads only its own):

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/dated_records.py --noise --mode text --renderers --beyond 100 \\
        outputs/BASE outputs/dated-text

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
from prototype_run import add_context_columns, load_unfused, page_bounds, train_and_print

from chromecut.features.keywords import PATTERNS

DATED_NAMES = ("dated_above", "dated_below", "dated_page", "dated_share_above")
#: A dated line of a record is short: at most this many words.
DATED_MAX_WORDS = 15


def is_short_dated(text: str) -> bool:
    """Whether a line is a short dated line (see the module's docstring)."""
    return len(text.split()) <= DATED_MAX_WORDS and bool(PATTERNS["date"].search(text) or PATTERNS["time"].search(text))


def dated_columns(frame: pd.DataFrame, probability: Any = None) -> pd.DataFrame:
    """:data:`DATED_NAMES` of every line of a line frame (``probability`` unread)."""
    texts = frame["text"].astype(str).tolist()
    dated = np.fromiter((is_short_dated(t) for t in texts), dtype=bool, count=len(texts))
    out = np.zeros((len(texts), len(DATED_NAMES)), dtype=np.float32)
    for start, end in page_bounds(frame):
        page = dated[start:end].astype(np.float64)
        above = np.cumsum(page) - page  # dated lines strictly above each line
        total = float(page.sum())
        below = total - above - page
        out[start:end, 0] = np.log2(1.0 + above)
        out[start:end, 1] = np.log2(1.0 + below)
        out[start:end, 2] = np.log2(1.0 + total)
        out[start:end, 3] = above / total if total > 0 else np.nan
    return pd.DataFrame(out, index=frame.index, columns=list(DATED_NAMES))


def main(argv: list[str]) -> None:
    add_context_columns(dated_columns, modes=("text",))
    if argv[:1] == ["--evaluate"]:
        from chromecut.cli import main as cli_main

        raise SystemExit(cli_main(["evaluate", *argv[1:]]))
    if argv[:1] == ["--noise"]:  # benchmarks/gate_noise.py, its cleaners on the line-frame path
        import gate_noise

        from chromecut.model.estimator import TwoPassClassifier

        load_unfused()
        final_features = TwoPassClassifier.final_features

        def own_columns(self: TwoPassClassifier, X: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
            table = final_features(self, X, frame)  # a bundle trained without the columns reads none of them
            return table if not self.has_context else table[self.final_feature_names]

        TwoPassClassifier.final_features = own_columns  # type: ignore[method-assign]
        gate_noise.main(argv[1:])
        return
    train_and_print(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
