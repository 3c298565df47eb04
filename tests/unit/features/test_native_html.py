"""The Rust featurizer in HTML mode (``Featurizer("html", engine="rust")``) against the Python families: the same
markup, container, neighbour, kind and main-text features, to 1e-9, on hand-written pages and line frames."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chromecut.datasets import DATASETS, iter_pages
from chromecut.features import Featurizer, line_frame, native
from chromecut.segment.html import segment_html
from feature_helpers import assert_same

#: Real pages per dataset of the real-pages test.
REAL_PAGES_PER_DATASET = 3
PROSE = "Scientists found that the river delta is sinking faster than expected in recent years, a study says."
ARTICLE = f"""<h1>River delta sinks faster than expected</h1>
<div class="byline">By Jane Doe</div><p class="date">12.03.2024 10:30</p>
<figure><img src="a.jpg"><figcaption>Farmers on the flooded delta near the coast</figcaption></figure>
<p>{PROSE}</p><h2>What the farmers say</h2>
<ul><li>Salt water reaches fields that were fertile ten years ago.</li><li>Many families moved uphill.</li></ul>
<p>Local officials said they would build new dikes before the monsoon. Photo: Reuters</p>"""
CHROME = (
    '<header><nav class="mainNav"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>'
    '</header><div class="entry-content newsletter-post">'
    f"<article>{ARTICLE}"
    "<p>Jane Doe is a staff writer covering climate. Email the reporter at jane@example.com.</p>"
    '<div class="newsletter-box"><p>Sign up for our newsletter</p></div><p>Support our journalism: donate today</p>'
    "<table><tr><th>Team</th><th>W</th><th>L</th></tr><tr><td>Reds</td><td>12</td><td>3</td></tr>"
    "<tr><td>Blues</td><td>10,5 %</td><td>5</td></tr></table></article></div>"
    '<div class="tags"><a href="/t/a">Climate</a> <a href="/t/b">Asia</a> <a href="/t/c">Farming</a></div>'
    "<p>Tags: climate, asia</p><p>(c) Getty Images</p><p>Fotos: dpa</p>"
    '<div class="comments"><h3>3 Comments</h3><div class="comment"><p>Great piece, thanks.</p>'
    '<a href="#r">Reply</a></div></div>'
    + "".join(f"<p>Comment number {k} from a reader.</p><a href='#'>Reply</a><a href='#'>12 likes</a>"
              for k in range(4))
    + '<aside class="sidebar related"><ul>' + "".join(f'<li><a href="/{k}">Other story {k}</a></li>' for k in range(6))
    + '</ul></aside><footer><p>© 2024 Daily News. All rights reserved.</p><p>Cookie settings</p></footer>'
)
ODD = (
    "<h1>Ｐｈｏｔｏ： ﬁnance &amp;amp; caf&amp;eacute; cafe\u0301 ΟΔΟΣ İstanbul</h1>"
    "<p>Fish &amp;chips &amp;notit; &amp;#233; &amp;#x41; &amp;#0; &amp;#99999999999; say \u201chi\u201d</p>"
    "<p>作者：张三</p><p>版权所有 © 2024</p><p>相关新闻：标签：经济</p><p>Von Max Muster, veröffentlicht am 3. März</p>"
    "<p>Étiquettes : économie</p><div class='ad-slot'><p>Advertisement</p></div><p>By  \u212aelvin</p>"
    "<p>한국어 기사 본문입니다. 정말 길고 긴 문장이 여기에 있습니다.</p>"
)


def _page(body: str, title: str | None = "River delta sinks faster than expected - Daily News") -> str:
    head = f"<head><title>{title}</title></head>" if title is not None else ""
    return f"<html>{head}<body>{body}</body></html>"


def page_frame(*pages: str) -> pd.DataFrame:
    return line_frame([(f"p{i}", segment_html(p)) for i, p in enumerate(pages)], domain="example.com")


PAGES = (_page(CHROME), _page(ODD, title="Ｐｈｏｔｏ ﬁnance café ΟΔΟΣ"),
         _page(f"<article>{ARTICLE}</article>", title=None), _page("<p>one line only</p>"))


def odd_frame() -> pd.DataFrame:
    """A hand-made frame with what segmentation never writes: missing and non-numeric values, unknown tags,
    words with odd spacing, a tag that is no string, mixed titles on a page."""
    frame = pd.DataFrame({
        "doc": ["a", "a", "a", "a", "b", "b"],
        "line": range(6),
        "text": ["Home | News", PROSE, "12 comments", "Reply", "By Jane Doe", "© 2024"],
        "tag": ["li", "p", None, "blink", 3, "td"],
        "heading": [0, 0, np.nan, 1, 2, 0],
        "list_item": [True, False, False, None, False, True],
        "depth": [3, 5, np.nan, 5, "x", 2],
        "link_chars": [10, 0, np.nan, 5, 0, 0],
        "link_count": [2, 0, 1, 1, 0, 0],
        "attr_words": ["nav  menu", " content story ", None, "comment reply", "byline author", "foot"],
        "landmarks": [1, 64, np.nan, 0, 6, 4],
        "title": ["Home News", None, "Home News", "Other", "", "x"],
    })
    return frame


@pytest.mark.parametrize("kinds", [False, True])
def test_hand_written_pages(kinds: bool) -> None:
    frame = page_frame(*PAGES)
    fitted = Featurizer("html", kind_features=kinds, repeat_min_pages=1).fit(frame)
    assert_same(fitted, frame, leave_one_out=False)
    assert_same(fitted, frame, leave_one_out=True)
    for doc in frame["doc"].unique():  # page by page, as inference featurises
        assert_same(fitted, frame[frame["doc"] == doc].reset_index(drop=True), leave_one_out=False)
    untitled = frame.drop(columns="title")
    assert_same(fitted, untitled, leave_one_out=False)


def test_kinds_fire_in_rust_too() -> None:
    """The pages hold evidence of every kind feature, so the parity above is not a parity of zeros."""
    frame = page_frame(*PAGES)
    fitted = Featurizer("html", kind_features=True, engine="rust").fit(frame)
    table = fitted.transform(frame)
    for name in [n for n in fitted.feature_names_ if n.startswith("kind_")]:
        assert table[name].max() == 1.0, name
    assert table["line_in_title"].max() == 1.0


@pytest.mark.parametrize("kinds", [False, True])
def test_odd_values(kinds: bool) -> None:
    frame = odd_frame()
    fitted = Featurizer("html", kind_features=kinds).fit(frame)
    assert_same(fitted, frame, leave_one_out=False)
    assert_same(fitted, frame, leave_one_out=True)


def test_engine_is_a_parameter_and_changes_nothing_in_html_mode() -> None:
    frame = page_frame(*PAGES)
    for kinds in (False, True):
        python = Featurizer("html", kind_features=kinds, engine="python").fit(frame)
        rust = Featurizer("html", kind_features=kinds, engine="rust").fit(frame)
        assert rust.feature_names_ == python.feature_names_
        pd.testing.assert_frame_equal(rust.transform(frame), python.transform(frame))
        pd.testing.assert_frame_equal(rust.fit_transform(frame), python.fit_transform(frame))
        assert rust.transform(frame.iloc[:0]).shape == (0, len(python.feature_names_))
    with pytest.raises(ValueError, match="columns"):
        Featurizer("html", engine="rust").fit(frame).transform(frame.drop(columns="tag"))


def test_regex_translation_of_the_kinds() -> None:
    """The kinds' regexes need ``^`` and ``$`` (searched line by line) and a stand-in text that folds ASCII case;
    the text plan still refuses anchors."""
    assert native.rust_line_regex(native.kinds.BYLINE_OPENING).startswith(r"\A")
    with pytest.raises(ValueError):
        native.rust_regex(native.kinds.BYLINE_OPENING.pattern, native.kinds.BYLINE_OPENING.flags)
    with pytest.raises(ValueError, match="case"):
        native.RegexPlan([("abc", 0)], fold_ascii=True)


#: Pieces of lines for the generated frames: the kinds' words, entities, case and NFKC oddities.
PIECES = ("By", "Jane", "Reply", "12", "likes", "Photo:", "Getty", "(c)", "©", "2024", "Tags:", "jane@x.org",
          "&amp;", "&eacute;", "ﬁ", "Ｆｏｔｏ", "İ", "Σ", "作者", "：", "Comments", "donate", "newsletter", " ", ".",
          "|", "10:30", "\u0301", "e", "is a staff writer", "Cookie", "Home", "\u00a0")
TAGS = ("p", "li", "td", "th", "h1", "figcaption", "div", "a")
ATTRS = ("", "comments", "byline author", "tags", "nav menu", "entry-content", "newsletter-post", "ad", "caption",
         "sidebar widget", "footer")


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map("".join),
                               st.sampled_from(TAGS), st.integers(0, 3), st.integers(0, 40), st.integers(0, 4),
                               st.sampled_from(ATTRS), st.integers(0, 1023), st.integers(0, 2)),
                     min_size=1, max_size=30))
def test_generated_frames(rows: list[tuple[str, str, int, int, int, str, int, int]]) -> None:
    assume(any(text.strip() for text, *_ in rows))
    frame = pd.DataFrame({
        "doc": [f"d{r[7]}" for r in rows], "line": range(len(rows)), "text": [r[0] for r in rows],
        "tag": [r[1] for r in rows], "heading": [r[2] for r in rows], "list_item": [r[1] == "li" for r in rows],
        "depth": [r[4] for r in rows], "link_chars": [r[3] for r in rows], "link_count": [r[4] for r in rows],
        "attr_words": [r[5] for r in rows], "landmarks": [r[6] for r in rows],
        "title": ["By Jane Doe – Photo ﬁ" for _ in rows],
    }).sort_values("doc", kind="stable").reset_index(drop=True)
    fitted = Featurizer("html", kind_features=True).fit(frame)
    assert_same(fitted, frame, leave_one_out=False)


@pytest.mark.data
@pytest.mark.parametrize("kinds", [False, True])
def test_real_pages(kinds: bool) -> None:
    """A few pages of every dataset, segmented (read from the datasets, never copied into the tests)."""
    pages = [(f"{dataset}/{page.page_id}", segment_html(page.html, encoding_hint=page.encoding_hint))
             for dataset in DATASETS for page in islice(iter_pages(dataset), REAL_PAGES_PER_DATASET)]
    frame = line_frame(pages)
    docs = frame["doc"].unique()
    fit_part = frame[frame["doc"].isin(docs[::2])].reset_index(drop=True)
    fitted = Featurizer("html", kind_features=kinds, repeat_min_pages=1).fit(fit_part)
    assert_same(fitted, frame, leave_one_out=False)
    assert_same(fitted, fit_part, leave_one_out=True)
