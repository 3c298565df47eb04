"""Segmentation of small hand-written pages: one case per construct the segmenter must get right."""

from __future__ import annotations

import pytest

from chromecut.segment.html import (
    LIST_MARKER,
    Landmark,
    block_paths,
    segment_html,
    segment_html_python,
    segment_text,
    split_text_lines,
)


def texts(html: str | bytes) -> list[str]:
    return segment_html(html).texts


def test_paragraphs_and_inline_markup_join_into_one_line() -> None:
    assert texts("<p>Hello <b>bold</b>\n  <em>world</em>!</p><p>Second</p>") == ["Hello bold world!", "Second"]


def test_list_items_get_a_marker_and_nested_lists_their_own_lines() -> None:
    html = "<ul><li>one</li><li>two<ul><li>two.a</li></ul></li></ul><ol><li><p>para in item</p></li></ol>"
    assert texts(html) == ["- one", "- two", "- two.a", "- para in item"]
    lines = segment_html(html).lines
    assert all(line.list_item for line in lines)
    assert LIST_MARKER == "- "


def test_block_paths_number_each_line_s_block_ancestors_in_document_order() -> None:
    html = ("Loose<div id=a><p>One <span>inline</span></p><p>Two<br>Three</p></div>"
            "<div><section><p>Four</p></section></div>")
    segmentation, paths = block_paths(html)
    assert segmentation.texts == segment_html_python(html).texts == ["Loose", "One inline", "Two", "Three", "Four"]
    # div a = 1, its paragraphs 2 and 3; the second div 4, its section 5, the paragraph 6; body's own text: ().
    assert paths == [(), (1, 2), (1, 3), (1, 3), (4, 5, 6)]


def test_table_cells_are_lines() -> None:
    html = "<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>31</td></tr></table>"
    assert texts(html) == ["Name", "Age", "Ann", "31"]
    assert [line.tag for line in segment_html(html).lines] == ["th", "th", "td", "td"]


def test_br_and_hr_split_a_block_into_lines_of_the_same_block() -> None:
    lines = segment_html("<div class='addr'>Main St 1<br>Springfield<hr/>USA</div>").lines
    assert [line.text for line in lines] == ["Main St 1", "Springfield", "USA"]
    assert {line.tag for line in lines} == {"div"}


def test_text_around_a_nested_block_is_two_lines() -> None:
    assert texts("<div>before<div>inner</div>after</div>") == ["before", "inner", "after"]


def test_pre_keeps_line_breaks_and_spacing() -> None:
    assert texts("<pre>def f():\n    return 1\n</pre>") == ["def f():", "    return 1"]


def test_link_statistics_count_characters_and_links() -> None:
    line = segment_html('<p>See <a href="/a">the <b>first</b></a> and <a href="/b">second</a>.</p>').lines[0]
    assert line.text == "See the first and second."
    assert line.link_count == 2
    assert line.link_chars == len("thefirst") + len("second")  # non-whitespace characters


def test_link_wrapping_a_block_counts_for_that_block() -> None:
    line = segment_html('<a href="/x"><div>Whole card is a link</div></a>').lines[0]
    assert line.link_count == 1
    assert line.link_chars == len(line.text.replace(" ", ""))


@pytest.mark.parametrize(
    "hidden",
    [
        "<div hidden>secret</div>",
        "<div style='display: none'>secret</div>",
        "<div style='visibility:hidden'>secret</div>",
        "<div aria-hidden='true'>secret</div>",
        "<script>secret()</script>",
        "<style>.secret{}</style>",
        "<template><p>secret</p></template>",
        "<select><option>secret</option></select>",
    ],
)
def test_hidden_and_non_visible_elements_give_no_lines(hidden: str) -> None:
    assert texts(f"<p>visible</p>{hidden}<p>also visible</p>") == ["visible", "also visible"]


def test_noscript_content_is_kept_and_flagged() -> None:
    line = segment_html("<body><noscript><p>Article for readers without JavaScript</p></noscript></body>").lines[0]
    assert line.text == "Article for readers without JavaScript"
    assert line.landmarks is not None and line.landmarks & Landmark.NOSCRIPT


def test_markup_statistics_describe_the_owning_block() -> None:
    html = (
        "<body><nav class='siteNav' role='navigation'><a href='/'>Home</a></nav>"
        "<main><article id='story'><h2>Title</h2><p>Body text.</p></article></main>"
        "<footer><p>(c) 2026</p></footer><div role='contentinfo'>Imprint</div></body>"
    )
    home, title, body, copyright_line, imprint = segment_html(html).lines
    assert home.landmarks is not None and home.landmarks & Landmark.NAV
    assert home.attr_words is not None and "site" in home.attr_words.split() and "nav" in home.attr_words.split()
    assert title.heading == 2 and title.tag == "h2"
    assert body.heading == 0
    assert body.landmarks == Landmark.MAIN | Landmark.ARTICLE
    assert body.attr_words == "story"
    assert body.depth is not None and home.depth is not None and body.depth > home.depth
    assert copyright_line.landmarks is not None and copyright_line.landmarks & Landmark.FOOTER
    assert imprint.landmarks is not None and imprint.landmarks & Landmark.FOOTER
    assert [line.index for line in segment_html(html).lines] == [0, 1, 2, 3, 4]


def test_head_and_title_are_not_lines_but_title_and_language_are_kept() -> None:
    seg = segment_html("<html lang='de'><head><title> Der  Titel </title></head><body><p>Text</p></body></html>")
    assert seg.texts == ["Text"]
    assert seg.title == "Der Titel"
    assert seg.language == "de"


def test_the_summary_is_the_og_description_else_the_description() -> None:
    both = ("<head><meta name='description' content='The plain  one'>"
            "<meta property='og:description' content=' The &amp; og\none '></head><p>Text</p>")
    assert segment_html(both).summary == "The & og one"
    assert segment_html("<meta name=DESCRIPTION content='Only this'><p>Text</p>").summary == "Only this"
    # An empty one gives way to a later one of the same name; a meta without content names nothing.
    assert segment_html("<meta name=description content=' '><meta name=description content=b><p>x").summary == "b"
    assert segment_html("<meta property=og:description><meta name=keywords content=k><p>x").summary is None
    assert segment_html("<p>x</p><meta name=description content='in the body'>").summary is None


def test_entities_and_non_breaking_spaces_are_decoded_and_folded() -> None:
    assert texts("<p>caf&eacute;&nbsp;&amp;&nbsp; bar</p>") == ["café & bar"]


@pytest.mark.parametrize(
    ("raw", "expected_codec"),
    [
        ("<meta charset='utf-8'><p>Grüße</p>".encode(), "utf-8"),
        ("<meta charset='iso-8859-1'><p>Grüße</p>".encode("latin-1"), "cp1252"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>中文内容</p>'.encode("gb2312"),
         "gb18030"),
        ("\ufeff<p>Grüße</p>".encode("utf-16"), "utf-16"),
        ("<meta charset='windows-1251'><p>Привет мир</p>".encode("cp1251"), "cp1251"),
    ],
)
def test_encodings_are_detected(raw: bytes, expected_codec: str) -> None:
    seg = segment_html(raw)
    assert seg.encoding == expected_codec
    assert "\ufffd" not in seg.texts[0]


def test_a_lying_charset_declaration_loses_to_valid_utf8() -> None:
    seg = segment_html("<meta charset='iso-8859-1'><p>Grüße aus Köln</p>".encode())
    assert seg.texts == ["Grüße aus Köln"]


def test_undeclared_legacy_bytes_fall_back_to_detection_without_raising() -> None:
    seg = segment_html("<p>Ceci est une phrase française assez longue, élève, été, déjà.</p>".encode("cp1252"))
    assert seg.texts[0].startswith("Ceci est une phrase fran")


def test_nul_bytes_and_broken_markup_do_not_raise() -> None:
    assert texts(b"<p>a\x00b<div><span>unclosed <b>tags") == ["a\ufffdb", "unclosed tags"]


def test_deep_nesting_does_not_overflow_the_stack() -> None:
    depth = 20_000
    lines = segment_html("<div>" * depth + "deep" + "</div>" * depth).lines
    assert [line.text for line in lines] == ["deep"]


def test_empty_page_has_no_lines() -> None:
    assert texts(b"") == []
    assert texts("<html><body>  \n </body></html>") == []


def test_text_mode_keeps_every_line_blank_ones_too_with_markup_missing() -> None:
    seg = segment_text("Home > News\r\n\nHeadline\n- related one\n")
    assert seg.texts == ["Home > News", "", "Headline", "- related one", ""]
    assert all(line.tag is None and line.link_chars is None and not line.has_markup for line in seg.lines)
    assert [line.index for line in seg.lines] == [0, 1, 2, 3, 4]


def test_split_text_lines_removes_only_one_trailing_carriage_return() -> None:
    assert split_text_lines("a\r\r\nb\r") == ["a\r", "b"]
