"""Line frames: the columns and types pandas gives the lists of a page's non-blank lines."""

from __future__ import annotations

import pandas as pd
import pytest

from chromecut.features import LINE_FRAME_COLUMNS, MARKUP_COLUMNS, line_frame
from chromecut.segment.html import Segmentation, segment_html, segment_text


def _reference_line_frame(pages: list[tuple[int, Segmentation]]) -> pd.DataFrame:
    """The line frame by its definition: a row per non-blank line, every column a list pandas reads as it will."""
    rows = [{"doc": doc, "line": line.index, "text": line.text,
             **{name: getattr(line, name) for name in MARKUP_COLUMNS}, "title": seg.title, "summary": seg.summary}
            for doc, seg in pages for line in seg.lines if line.text.strip()]
    return pd.DataFrame({name: [row[name] for row in rows] for name in LINE_FRAME_COLUMNS})


@pytest.mark.parametrize("kind", ["html", "text", "both"])
def test_line_frames_have_the_columns_and_types_pandas_gives_their_lists(
    kind: str, news_prose: str, news_page: str
) -> None:
    html = [(0, segment_html(news_page)), (1, segment_html("<p>One</p><p>  </p><ul><li>Two</li></ul>"))]
    text = [(2, segment_text("Home\n\n" + news_prose + "\n- item"))]
    pages = {"html": html, "text": text, "both": html + text}[kind]
    pd.testing.assert_frame_equal(line_frame(pages), _reference_line_frame(pages))

