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


#: A "Top stories" block whose cards are links written over several lines, as markdownify writes
#: ``<a href><h3>...</h3><p>...</p></a>``, then the article.
CARDS = [
    "## Top stories",
    "[### Flood barriers fail the first test of the winter",
    "The new barriers let water through on the first night of the storm.](/news/flood-barriers)",
    "[### Farmers ask for help",
    "![A flooded field](/img/field.jpg)",
    "A wet spring left fields under water for weeks.](/news/farmers)",
    "# River delta sinks faster than expected",
    "Scientists found that the river delta is sinking faster than expected, a [study](https://doi.org/10/x) says.",
]
BLOCK_NAMES = ("md_block_link_share", "md_block_link_lines")


def test_cards_written_over_lines_are_link_text_with_block_links() -> None:
    frame = dump_frame({"page": CARDS})
    on = Featurizer("text", markdown_features=True, markdown_block_links=True).fit(frame).transform(frame)
    assert on["md_block_link_share"].tolist() == [0, 1, 1, 1, 0, 1, 0, 0]  # the image line holds no text
    assert on["md_block_link_lines"].tolist() == [0, 2, 2, 3, 3, 3, 0, 0]
    # Line by line the cards' lines hold no link: the family without block links cannot tell them from prose.
    assert on["md_link_share"][1:3].tolist() == [0, 0] and on["md_link_share"][5] == 0
    off = Featurizer("text", markdown_features=True).fit(frame).transform(frame)
    pd.testing.assert_frame_equal(off, on[off.columns])


def test_block_links_are_a_parameter_of_the_bundle_and_need_the_markdown_family() -> None:
    assert Featurizer("text").get_params()["markdown_block_links"] is False
    assert set(BLOCK_NAMES) <= set(Featurizer("text", markdown_features=True, markdown_block_links=True).output_names())
    for featurizer in (Featurizer("text", markdown_features=True), Featurizer("text", markdown_block_links=True),
                       Featurizer("html", markdown_features=True, markdown_block_links=True)):
        assert not set(BLOCK_NAMES) & set(featurizer.output_names())
