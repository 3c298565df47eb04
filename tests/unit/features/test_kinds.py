"""Line kinds on small hand-written pages: each kind of chrome is found by its markup or text pattern, and the
article's own prose, list and subheading are body."""

from __future__ import annotations

import pandas as pd
import pytest

from chromecut.evaluate.metrics import tokenize
from chromecut.features import Featurizer, line_frame
from chromecut.features.kinds import KIND_ORDER, Kind, KindLimits, Phrases, kind_evidence, line_kinds
from chromecut.segment.html import segment_html

PROSE = "Scientists found that the river delta is sinking faster than expected in recent years, a study says."
ARTICLE = f"""<h1>River delta sinks faster than expected</h1>
<div class="byline">By Jane Doe</div>
<figure><img src="a.jpg"><figcaption>Farmers on the flooded delta near the coast</figcaption></figure>
<p>{PROSE}</p>
<h2>What the farmers say</h2>
<ul><li>Salt water reaches fields that were fertile ten years ago.</li>
<li>Many families have moved to higher ground.</li></ul>
<p>Local officials said they would build new dikes before the monsoon. Photo: Reuters</p>"""


def _page(body: str, title: str = "River delta sinks faster than expected - Daily News") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def _kinds(*pages: str) -> pd.DataFrame:
    frame = line_frame([(i, segment_html(p)) for i, p in enumerate(pages)])
    frame["kind"] = line_kinds(frame)
    return frame


def _kind_of(frame: pd.DataFrame, text: str) -> str:
    rows = frame[frame["text"].str.contains(text, regex=False)]
    assert len(rows) == 1, f"{text!r} on {len(rows)} lines"
    return str(rows["kind"].iloc[0])


def test_article_parts_headline_byline_caption_and_body() -> None:
    frame = _kinds(_page(f"<article>{ARTICLE}</article>"))
    assert _kind_of(frame, "River delta sinks") == Kind.HEADLINE
    assert _kind_of(frame, "By Jane Doe") == Kind.BYLINE
    assert _kind_of(frame, "Farmers on the flooded delta") == Kind.CAPTION
    assert _kind_of(frame, "Scientists found") == Kind.BODY
    assert _kind_of(frame, "What the farmers say") == Kind.BODY


def test_the_articles_own_bulleted_list_is_body_not_a_related_list() -> None:
    frame = _kinds(_page(f"<article>{ARTICLE}</article>"))
    assert _kind_of(frame, "Salt water reaches") == Kind.BODY
    assert _kind_of(frame, "higher ground") == Kind.BODY


def test_a_list_of_other_articles_links_is_a_related_list() -> None:
    related = ('<div class="box"><h3>Most read</h3><ul><li><a href="/x">Government announces a new budget plan for '
               'next year</a></li><li><a href="/y">Storm hits the coast overnight, thousands without power</a></li>'
               "</ul></div>")
    frame = _kinds(_page(f"<article>{ARTICLE}</article>{related}"))
    assert _kind_of(frame, "Most read") == Kind.RELATED_LIST
    assert _kind_of(frame, "Storm hits the coast") == Kind.RELATED_LIST


def test_a_comment_thread_under_the_article_is_comment_by_its_class_words() -> None:
    thread = ('<section id="comments"><h2>2 Comments</h2><div class="c"><p>Tom</p><p>Great article, thanks for '
              'writing it so clearly.</p><a href="#r">Reply</a></div></section>')
    frame = _kinds(_page(f"<article>{ARTICLE}</article>{thread}"))
    for text in ("2 Comments", "Tom", "Great article", "Reply"):
        assert _kind_of(frame, text) == Kind.COMMENT, text
    assert _kind_of(frame, "Scientists found") == Kind.BODY


def test_a_comment_thread_without_class_words_is_found_by_its_recurring_reply_links() -> None:
    comments = "".join(
        f'<div><p>Reader {i}</p><p>I live near the delta and the water has been rising for years, reader {i} '
        f'wrote.</p><a href="#r{i}">Reply</a></div>' for i in range(4))
    frame = _kinds(_page(f"<div>{ARTICLE}</div><div>{comments}</div>"))
    assert _kind_of(frame, "reader 2 wrote") == Kind.COMMENT
    assert _kind_of(frame, "Reader 3") == Kind.COMMENT
    assert _kind_of(frame, "Scientists found") == Kind.BODY


def test_two_reply_links_are_no_thread() -> None:
    limits = KindLimits()
    comments = "".join(f'<div><p>Reader {i} says the water is rising fast this year.</p><a href="#r">Reply</a></div>'
                       for i in range(limits.comment_min_actions - 1))
    frame = _kinds(_page(f"<div>{ARTICLE}</div><div>{comments}</div>"))
    assert _kind_of(frame, "Reader 0") == Kind.BODY


def test_a_tag_cloud_is_found_by_class_words_by_its_label_and_by_its_many_short_links() -> None:
    links = " ".join(f'<a href="/t/{w}">{w}</a>' for w in ("Climate", "Rivers", "Farming", "Asia", "Floods"))
    frame = _kinds(_page(f'<article>{ARTICLE}</article><div class="post-tags">{links}</div>'),
                   _page(f"<article>{ARTICLE}</article><p>Tags: Climate, Rivers, Floods</p>"),
                   _page(f"<article>{ARTICLE}</article><div>{links}</div>"))
    clouds = frame[frame["text"].str.contains("Climate")]
    assert clouds["kind"].tolist() == [Kind.TAG_CLOUD] * 3


def test_a_page_wide_class_word_says_nothing_about_a_line() -> None:
    # The <body>-wide wrapper carries "comments" on every line: no line is a comment for it.
    frame = _kinds(_page(f'<div class="page comments-open"><article>{ARTICLE}</article></div>'))
    assert _kind_of(frame, "Scientists found") == Kind.BODY
    assert Kind.COMMENT not in set(frame["kind"])


def test_numeric_table_cells_are_table_figures_and_a_prose_table_is_not() -> None:
    figures = ("<table><tr><th>Team</th><th>W</th><th>L</th></tr><tr><td>Reds</td><td>12</td><td>3</td></tr>"
               "<tr><td>Blues</td><td>10</td><td>5</td></tr></table>")
    prose_table = f"<table><tr><td><p>{PROSE}</p></td><td>In 2024 the delta sank again, 3 cm in all.</td></tr></table>"
    frame = _kinds(_page(f"<article>{ARTICLE}{figures}</article>"), _page(prose_table))
    assert _kind_of(frame, "Blues") == Kind.TABLE_FIGURES
    assert frame[frame["text"] == "12"]["kind"].tolist() == [Kind.TABLE_FIGURES]
    assert _kind_of(frame, "sank again") != Kind.TABLE_FIGURES


def test_bio_contact_promo_footer_and_navigation() -> None:
    chrome = ('<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav></header>'
              f"<article>{ARTICLE}"
              "<p>Jane Doe is a staff writer covering climate. Email the reporter at jane@example.com.</p>"
              '<div class="newsletter-box"><p>Sign up for our newsletter</p></div>'
              "<p>Support our journalism: donate today</p></article>"
              "<footer><p>© 2024 Daily News. All rights reserved.</p></footer>")
    frame = _kinds(_page(chrome))
    assert _kind_of(frame, "World") == Kind.NAVIGATION
    assert _kind_of(frame, "staff writer") == Kind.AUTHOR_BIO_CONTACT
    assert _kind_of(frame, "Sign up") == Kind.PROMO
    assert _kind_of(frame, "donate today") == Kind.PROMO
    assert _kind_of(frame, "All rights reserved") == Kind.FOOTER


def test_a_photo_credit_is_a_caption_and_a_copyright_line_is_not() -> None:
    frame = _kinds(_page(f"<article>{ARTICLE}</article><p>(c) Getty Images</p><p>© 2024 Daily News</p>"))
    assert _kind_of(frame, "Getty") == Kind.CAPTION
    assert _kind_of(frame, "Daily News") == Kind.FOOTER


def test_a_logo_h1_in_the_site_header_is_no_headline() -> None:
    frame = _kinds(_page(f'<header><h1><a href="/">Daily News</a></h1></header><article>{ARTICLE}</article>',
                         title="Something else entirely"))
    assert _kind_of(frame, "Daily News") != Kind.HEADLINE
    assert _kind_of(frame, "River delta sinks") == Kind.HEADLINE


def test_every_line_gets_one_kind_and_the_first_kind_with_evidence_wins() -> None:
    frame = _kinds(_page(f"<article>{ARTICLE}</article>"), _page("<p>x</p>"))
    evidence = kind_evidence(frame.drop(columns="kind"))
    assert set(evidence) == set(KIND_ORDER) and all(len(mask) == len(frame) for mask in evidence.values())
    for row, kind in enumerate(frame["kind"]):
        first = next(k for k in KIND_ORDER if evidence[k][row])
        assert kind == first


def test_an_empty_frame_has_no_kinds() -> None:
    frame = line_frame([])
    assert len(line_kinds(frame)) == 0


@pytest.mark.parametrize(("text", "found"), [("Leave a reply", True), ("replying to him", False),
                                             ("12 comments", True), ("留言板", True), ("", False)])
def test_phrases_match_whole_tokens(text: str, found: bool) -> None:
    assert Phrases(("leave a reply", "comments", "留言")).found(tokenize(text)) is found


def test_the_nearest_container_decides_a_wrapper_named_like_chrome_is_not_chrome() -> None:
    # A site that wraps its posts in "newsletter-post" (and "news" is also a content word): the article is body;
    # a newsletter box inside the article's content is a promo.
    box = '<div class="newsletter-box"><p>Get our weekly letter with the best stories from the delta.</p></div>'
    wrapped = (f'<header><a href="/">Daily News</a></header><div class="newsletter-post"><div class="entry-content">'
               f"<p>{PROSE}</p></div></div>")
    inside = f'<header><a href="/">Daily News</a></header><div class="entry-content"><p>{PROSE}</p>{box}</div>'
    frame = _kinds(_page(wrapped), _page(inside))
    assert frame[frame["text"] == PROSE]["kind"].tolist() == [Kind.BODY, Kind.BODY]
    assert _kind_of(frame, "weekly letter") == Kind.PROMO


def test_an_address_class_is_no_advertisement() -> None:
    frame = _kinds(_page(f'<article>{ARTICLE}<div class="entry-content"><div class="address-block">'
                         f"<p>{PROSE}</p></div></div></article>"))
    assert frame[frame["text"] == PROSE]["kind"].tolist() == [Kind.BODY, Kind.BODY]


# --- the kinds as features ------------------------------------------------------------------------------------------


def _features(*pages: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = line_frame([(i, segment_html(p)) for i, p in enumerate(pages)])
    return frame, Featurizer("html", kind_features=True).fit(frame).transform(frame)


def _feature(frame: pd.DataFrame, features: pd.DataFrame, text: str, name: str) -> float:
    rows = features[frame["text"].str.contains(text, regex=False).to_numpy()]
    assert len(rows) == 1, f"{text!r} on {len(rows)} lines"
    return float(rows[name].iloc[0])


def test_kind_features_mark_a_caption_a_comment_and_a_tag_cloud_but_not_the_articles_own_list() -> None:
    comments = ('<div class="comments"><h3>3 Comments</h3><div class="comment"><p>Great piece, thanks for writing '
                'it.</p><a href="#r">Reply</a></div></div>')
    tags = '<div class="tags"><a href="/t/a">Climate</a> <a href="/t/b">Asia</a> <a href="/t/c">Farming</a></div>'
    frame, features = _features(_page(f"<article>{ARTICLE}</article>{tags}{comments}"))
    assert _feature(frame, features, "Farmers on the flooded delta", "kind_caption") == 1.0
    assert _feature(frame, features, "Great piece", "kind_comment") == 1.0
    assert _feature(frame, features, "Climate", "kind_tag_cloud") == 1.0
    for name in ("kind_caption", "kind_comment", "kind_tag_cloud", "kind_promo"):
        assert _feature(frame, features, "Salt water reaches", name) == 0.0
    assert _feature(frame, features, "Scientists found", "main_inside") == 1.0
    assert _feature(frame, features, "Great piece", "comments_before") > _feature(
        frame, features, "Scientists found", "comments_before")


def test_a_second_article_appended_under_the_first_has_a_higher_headline_index() -> None:
    second = ARTICLE.replace("River delta sinks faster than expected", "Second story on another topic").replace(
        "Scientists found", "Engineers said")
    frame, features = _features(_page(f'<div class="site-logo"><a href="/">Daily News</a></div>'
                                      f"<article>{ARTICLE}</article><article>{second}</article>"))
    assert _feature(frame, features, "Daily News", "headline_index") == 0.0
    assert _feature(frame, features, "Scientists found", "headline_index") == 1.0
    assert _feature(frame, features, "Engineers said", "headline_index") == 2.0
    assert _feature(frame, features, "Engineers said", "after_headline") == 1.0


def test_kind_features_are_computed_only_when_asked_and_page_by_page() -> None:
    page = _page(f"<article>{ARTICLE}</article>")
    frame = line_frame([(0, segment_html(page))])
    assert not any(n.startswith("kind_") for n in Featurizer("html").fit(frame).feature_names_)
    both = line_frame([(0, segment_html(page)), (1, segment_html(page))])
    featurizer = Featurizer("html", kind_features=True).fit(both)
    pd.testing.assert_frame_equal(featurizer.transform(both[both["doc"] == 1]).reset_index(drop=True),
                                  featurizer.transform(frame).reset_index(drop=True))


def test_the_features_kind_evidence_is_the_evaluations() -> None:
    """The Rust kind features and the evaluation's kind tagger (kind_evidence) apply the same rules: on the
    golden pages and the hand-written ones, each kind feature is its kind's evidence."""
    from chromecut.features.kinds import FEATURE_KINDS, KIND_FEATURES
    from golden_features import golden_frames

    for name, frame in golden_frames("html").items():
        table = Featurizer("html", kind_features=True).fit(frame).transform(frame)
        evidence = kind_evidence(frame)
        for feature, kind in zip(KIND_FEATURES, FEATURE_KINDS, strict=True):
            assert table[feature].to_numpy().tolist() == evidence[kind].astype(float).tolist(), (name, feature)
