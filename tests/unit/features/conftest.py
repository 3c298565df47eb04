"""The page the features' tests share: a news article with every kind of chrome around its prose."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from chromecut.features import line_frame
from chromecut.segment.html import segment_html

PROSE = "The council approved the new budget after a long debate that lasted well into the night."
PAGE = f"""<html><head><title>Budget approved after long debate</title></head><body>
<nav class="mainNav"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<h1>Budget approved after long debate</h1><p class="date">12.03.2024 10:30</p>
<article class="story-body"><p>{PROSE}</p><p>{PROSE} It was the third vote this year.</p></article>
<aside class="related"><h3>Related</h3><ul><li><a href="/a">Other headline one</a></li></ul></aside>
<div class="share">Share on Facebook</div><footer>© 2024 Example News. All rights reserved.</footer>
</body></html>"""


@pytest.fixture(scope="session")
def news_prose() -> str:
    """A line of the article's prose (twelve words or more, a sentence ending: prose for the features)."""
    return PROSE


@pytest.fixture(scope="session")
def news_page() -> str:
    """The article's HTML: navigation, a dated headline, the prose, a related list, share links, a footer."""
    return PAGE


@pytest.fixture(scope="session")
def html_frame() -> Callable[..., pd.DataFrame]:
    """The line frame of HTML pages, page ``i`` keyed ``i``."""

    def frame(*pages: str) -> pd.DataFrame:
        return line_frame([(i, segment_html(p)) for i, p in enumerate(pages)])

    return frame
