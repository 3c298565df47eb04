"""The context pass's features (computed by the Rust core for training and inference alike): what each one
means, on hand-made probabilities."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from chromecut.features import context_features

#: The ``html_frame`` fixture: pages -> their line frame.
HtmlFrame = Callable[..., pd.DataFrame]


def test_each_context_feature_means_what_it_says(html_frame: HtmlFrame) -> None:
    nested = "<div class='menu'><p>One</p><p>Two</p></div><div class='story'><p>Three</p><p>Four</p><p>Five</p></div>"
    frame = html_frame(nested, "<p>Alone</p>")
    p = np.array([0.1, 0.3, 0.9, 0.6, 0.2, 0.4])
    table = context_features(frame, p, "html")
    assert table.dtypes.unique().tolist() == [np.float32]
    first = table.iloc[:5]
    np.testing.assert_allclose(first["p"], p[:5], rtol=1e-6)
    np.testing.assert_allclose(first["p_p1"].iloc[1:], p[:4], rtol=1e-6)
    assert np.isnan(first["p_p1"].iloc[0]) and np.isnan(table["p_n1"].iloc[4])  # past the page's ends
    np.testing.assert_allclose(first["p_page_mean"], p[:5].mean(), rtol=1e-6)
    np.testing.assert_allclose(first["p_page_max"], 0.9, rtol=1e-6)
    np.testing.assert_allclose(first["p_rank"], [1 / 5, 3 / 5, 5 / 5, 4 / 5, 2 / 5], rtol=1e-6)
    story = (0.9 + 0.6 + 0.2) / 3
    np.testing.assert_allclose(first["p_container"], [0.2, 0.2, story, story, story], rtol=1e-6)
    # Likely content (p >= 0.5) on lines 2 and 3: distances log1p(lines) before and after, NaN where none.
    assert np.isnan(first["likely_before"].iloc[0]) and np.isnan(first["likely_after"].iloc[4])
    np.testing.assert_allclose(first["likely_after"].iloc[0], np.log1p(2), rtol=1e-6)
    np.testing.assert_allclose(first["likely_before_share"], [0, 0, 0, 0.5, 1], rtol=1e-6)
    alone = table.iloc[5]
    assert alone["p_rank"] == 1 and np.isnan(alone["p_p1"]) and alone["p_container"] == np.float32(0.4)


def test_text_mode_has_no_container_and_an_empty_frame_has_no_rows(html_frame: HtmlFrame) -> None:
    frame = html_frame("<p>a</p><p>b</p>")[["doc", "line", "text"]]
    table = context_features(frame, np.array([0.2, 0.7]), "text")
    assert "p_container" not in table and len(table) == 2
    assert context_features(frame.iloc[:0], np.zeros(0), "text").shape == (0, table.shape[1])
