"""Hard-wrapped text dumps: found at their width, read by their blocks; other input read as it is."""

from __future__ import annotations

import textwrap

import pytest

from chromecut.segment.html import segment_html, segment_text
from chromecut.segment.reflow import text_blocks

from synthetic import CHROME, PROSE, synthetic_page

#: A paragraph of the three prose sentences, long enough to wrap at every width below.
PARAGRAPH = " ".join(PROSE)


def wrapped_dump(width: int, paragraphs: int = 4) -> list[str]:
    """A breadcrumb, a headline, paragraphs wrapped at ``width`` with blank lines between them, a related list."""
    lines = ["Home > News", "Council approves the budget", ""]
    for _ in range(paragraphs):
        lines += [*textwrap.wrap(PARAGRAPH, width), ""]
    return [*lines, "Related", "- Another headline number 1", "- Another headline number 2"]


@pytest.mark.parametrize("width", [60, 72, 80, 100])
def test_a_wrapped_dump_is_read_by_paragraph_and_every_line_has_its_block(width: int) -> None:
    lines = wrapped_dump(width)
    blocks = text_blocks(segment_text("\n".join(lines)))
    assert blocks is not None and width - 3 <= blocks.width <= width
    owners = blocks.owners()
    assert len(owners) == len(lines) and owners == sorted(owners)
    texts = [line.text for line in blocks.scored.lines]
    assert texts.count(PARAGRAPH) == 4
    assert texts[:3] == ["Home > News", "Council approves the budget", ""]
    assert texts[-3:] == ["Related", "- Another headline number 1", "- Another headline number 2"]
    for block, text in enumerate(texts):  # each block's text is its own lines, joined
        own = [line.strip() for line, owner in zip(lines, owners, strict=True) if owner == block]
        assert text == " ".join(own).strip() or (not text and not any(own))


def test_a_dump_of_one_block_per_line_is_read_as_it_is() -> None:
    lines = [*CHROME[:4], "Council approves the budget", *(PARAGRAPH for _ in range(4)), *CHROME[4:]]
    assert text_blocks(segment_text("\n".join(lines))) is None


def test_short_lines_of_one_length_are_not_taken_for_a_wrapped_paragraph() -> None:
    headlines = [f"Another headline number {i:02d} from the front page today" for i in range(30)]
    assert text_blocks(segment_text("\n".join(headlines))) is None


def test_html_pages_are_never_reflowed() -> None:
    page = synthetic_page(1).replace(PROSE[0], "\n".join(textwrap.wrap(PARAGRAPH * 3, 60)))
    assert text_blocks(segment_html(page)) is None


def test_lone_surrogates_are_looked_past_and_kept_in_the_blocks() -> None:
    lines = wrapped_dump(72)
    lines[3] = "\ud800" + lines[3][1:]  # a broken decoder's str: the first paragraph's first character
    blocks = text_blocks(segment_text("\n".join(lines)))
    assert blocks is not None
    assert [line.text for line in blocks.scored.lines][3] == "\ud800" + PARAGRAPH[1:]


def test_a_lynx_layout_is_read_by_paragraph_and_by_list_item() -> None:
    """``lynx -dump``: paragraphs indented by three spaces, list items bulleted and their further lines indented."""
    lines = ["   Home News Sport", ""]
    for _ in range(3):
        lines += [*textwrap.wrap(PARAGRAPH, 76, initial_indent="   ", subsequent_indent="   "), ""]
    item = textwrap.wrap(PARAGRAPH, 76, initial_indent="     * ", subsequent_indent="       ")
    lines += [*item, "     * Another headline number 1"]
    blocks = text_blocks(segment_text("\n".join(lines)))
    assert blocks is not None
    texts = [line.text for line in blocks.scored.lines]
    assert texts.count("   " + PARAGRAPH) == 3
    assert texts[-2:] == ["     * " + PARAGRAPH, "     * Another headline number 1"]
