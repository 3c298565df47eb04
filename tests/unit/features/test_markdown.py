"""Text mode's Markdown link features (``core/src/features/markdown.rs``) on a small hand-written Markdown dump,
as html2text or markdownify write a news page."""

from __future__ import annotations

import pandas as pd
import pytest

from chromecut.features import Featurizer
from chromecut.features.context import NEIGHBOUR_BASE_MARKDOWN
from feature_inputs import dump_frame

DUMP = [
    "[Skip to content](#main)",
    "* [Home](/) * [News](/news) * [Sport](/sport) * [Weather](/weather)",
    "# River delta sinks faster than expected",
    "![Farmers on the delta](https://example.com/img/delta.jpg)",
    "Scientists found that the river delta is sinking faster than expected, a [study](https://doi.org/10/x) says.",
    "The council will meet on Monday (the second time this month) to discuss [3] options.",
    "## Related",
    "* [Flood barriers fail the first test of the winter](/news/flood-barriers)",
    "* [Farmers ask for help after a wet spring](/news/farmers)",
]
NAMES = ("md_link_share", "md_links", "md_syntax_share")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    frame = dump_frame({"page": DUMP})
    return Featurizer("text", markdown_features=True).fit(frame).transform(frame)


def test_menu_and_related_links_are_link_text_and_prose_is_not(table: pd.DataFrame) -> None:
    share, links = table["md_link_share"], table["md_links"]
    assert share[0] == 1.0 and links[0] == 1  # the skip link
    assert share[1] > 0.8 and links[1] == 4  # the menu: four links and their bullets
    assert share[7] > 0.9 and share[8] > 0.9  # the "Related" headlines
    assert 0 < share[4] < 0.1 and links[4] == 1  # prose with one link in it
    assert share[5] == 0 and links[5] == 0 and table["md_syntax_share"][5] == 0  # brackets that are no link
    assert share[2] == 0 and share[6] == 0  # headings


def test_an_image_is_syntax_not_link_text(table: pd.DataFrame) -> None:
    assert table["md_syntax_share"][3] == 1.0
    assert table["md_link_share"][3] == 0 and table["md_links"][3] == 0


def test_the_family_and_its_neighbours_are_text_mode_only_and_off_by_default() -> None:
    names = Featurizer("text", markdown_features=True).output_names()
    assert set(NAMES) <= set(names)
    assert {f"{base}_p1" for base in NEIGHBOUR_BASE_MARKDOWN} <= set(names)
    for featurizer in (Featurizer("text"), Featurizer("html", markdown_features=True)):
        assert not any(name.startswith("md_") for name in featurizer.output_names())
