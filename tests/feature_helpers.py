"""Helpers of the feature tests: hold the Rust engine's features to the Python families'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chromecut.features import Featurizer, native

#: The two engines' features may differ by this much (only log1p differs, by one ulp).
TOLERANCE = 1e-9


def assert_same(fitted: Featurizer, frame: pd.DataFrame, leave_one_out: bool) -> None:
    """Every feature of ``frame`` by the Rust engine equals the Python families' within :data:`TOLERANCE`."""
    python = fitted._columns(frame, leave_one_out)
    rust = native.features(fitted, frame, leave_one_out, dtype=np.float64)
    assert rust.shape == (len(frame), len(fitted.feature_names_))
    for j, name in enumerate(fitted.feature_names_):
        np.testing.assert_allclose(rust[:, j], python[name], rtol=0, atol=TOLERANCE, equal_nan=True, err_msg=name)
