"""What the features of any frame must satisfy, whatever their values: one row per line and one column per
name, nothing infinite, and each page alone featurised as in the batch (as inference featurises page by page)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chromecut.features import Featurizer, native

#: A page alone and in its batch may differ by this much (float64 on both sides).
TOLERANCE = 1e-9
#: The feature that reads the other pages of the batch: the share of the site's other pages holding the line.
BATCH_FEATURES = ("repeat_site",)


def assert_sound(fitted: Featurizer, frame: pd.DataFrame, leave_one_out: bool = False) -> None:
    values = native.features(fitted, frame, leave_one_out, dtype=np.float64)
    names = fitted.feature_names_
    assert values.shape == (len(frame), len(names))
    assert not np.isinf(values).any(), [n for n, bad in zip(names, np.isinf(values).any(0), strict=True) if bad]
    page_local = np.array([j for j, name in enumerate(names) if "domain" not in frame or name not in BATCH_FEATURES])
    for _, rows in frame.groupby("doc", sort=False):
        alone = native.features(fitted, rows.reset_index(drop=True), leave_one_out, dtype=np.float64)
        batch = values[rows.index.to_numpy()]
        np.testing.assert_allclose(alone[:, page_local], batch[:, page_local], rtol=0, atol=TOLERANCE,
                                   equal_nan=True)
