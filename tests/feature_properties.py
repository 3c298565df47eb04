"""What the features of any frame must satisfy, whatever their values: one row per line and one column per
name, nothing infinite, and each page alone featurised as in the batch (as inference featurises page by page)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chromecut.features import CONTEXT_HALF_WINDOWS, Featurizer, native

#: A page alone and in its batch may differ by this much (float64 on both sides).
TOLERANCE = 1e-9
#: The feature that reads the other pages of the batch: the share of the site's other pages holding the line.
BATCH_FEATURES = ("repeat_site",)
#: A known defect (core/README.md, "Pattern counts at a page's end"): in a batch, a pattern's match may run from
#: a page's last lines on into the next page, so the pattern counts of a page's last lines, and the features
#: that read them (runs and metadata lines, neighbours and context windows), may differ from the page's alone.
PAGE_END_FEATURES = ("pat_", "kw_copyright", "meta_line", "run_")
#: How far from a page's end that reaches: a match over one line break, and the widest context window.
PAGE_END_LINES = max(CONTEXT_HALF_WINDOWS) + 2


def assert_sound(fitted: Featurizer, frame: pd.DataFrame, leave_one_out: bool = False) -> None:
    values = native.features(fitted, frame, leave_one_out, dtype=np.float64)
    names = fitted.feature_names_
    assert values.shape == (len(frame), len(names))
    assert not np.isinf(values).any(), [n for n, bad in zip(names, np.isinf(values).any(0), strict=True) if bad]
    page_local = np.array([j for j, name in enumerate(names) if "domain" not in frame or name not in BATCH_FEATURES])
    at_end = np.array([names[j].startswith(PAGE_END_FEATURES) for j in page_local], dtype=bool)
    inner, edge = page_local[~at_end], page_local[at_end]
    for _, rows in frame.groupby("doc", sort=False):
        alone = native.features(fitted, rows.reset_index(drop=True), leave_one_out, dtype=np.float64)
        batch = values[rows.index.to_numpy()]
        # Every page-local feature of every line but those of the known defect on the page's last lines.
        body = max(len(rows) - PAGE_END_LINES, 0)
        np.testing.assert_allclose(alone[:, inner], batch[:, inner], rtol=0, atol=TOLERANCE, equal_nan=True)
        np.testing.assert_allclose(alone[:body, edge], batch[:body, edge], rtol=0, atol=TOLERANCE, equal_nan=True)
