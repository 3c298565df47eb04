"""The container codes: one int64 key per line gives the same groups as sorting rows."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from chromecut.features import context
from chromecut.features.batch import LineBatch

#: The ``html_frame`` fixture: pages -> their line frame.
HtmlFrame = Callable[..., pd.DataFrame]


def test_container_codes_from_one_key_equal_the_codes_of_rows(
    monkeypatch: pytest.MonkeyPatch, news_page: str, html_frame: HtmlFrame
) -> None:
    nested = "<div><p>One</p><div><p>Two</p></div></div>"
    frame = html_frame(news_page, news_page.replace("story-body", "story"), nested)
    batch = LineBatch.from_frame(frame)
    one_key = context.container_codes(batch, frame)
    monkeypatch.setattr(context, "_ONE_KEY_LIMIT", 0)  # every key too large: rows sorted instead
    assert one_key.tolist() == context.container_codes(batch, frame).tolist()
    assert len(set(one_key.tolist())) > 1

