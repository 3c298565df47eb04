"""Feature families through the Featurizer on small hand-made line frames: values, page boundaries, modes and
invariances."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from chromecut.features import FEATURIZER_VERSION, MARKUP_COLUMNS, Featurizer, line_frame
from chromecut.features.keywords import KEYWORDS
from chromecut.features.sections import SECTION_FEATURES
from chromecut.segment.html import segment_text
from feature_inputs import dump_frame

#: The summary family's columns (``core/src/features/markup.rs``).
SUMMARY_NAMES = ("line_in_summary", "summary_in_line", "summary_anchor")
#: The ``html_frame`` fixture: pages -> their line frame.
HtmlFrame = Callable[..., pd.DataFrame]
#: A line frame and its features.
Features = tuple[pd.DataFrame, pd.DataFrame]


@pytest.fixture(scope="module")
def html_features(news_page: str, html_frame: HtmlFrame) -> Features:
    frame = html_frame(news_page)
    return frame, Featurizer("html").fit(frame).transform(frame)


def row(frame: pd.DataFrame, features: pd.DataFrame, text: str) -> pd.Series:
    return features.loc[frame.index[frame["text"] == text][0]]


def test_length_and_link_families(html_features: Features, news_prose: str) -> None:
    frame, feats = html_features
    home = row(frame, feats, "- Home")
    prose = row(frame, feats, news_prose)
    assert prose["chars"] == len(news_prose) and prose["words"] == len(news_prose.split())
    assert home["link_density"] == pytest.approx(4 / 5)  # "-Home": 4 of 5 non-space characters are linked
    assert prose["link_density"] == 0.0 and home["link_count"] == 1


def test_keyword_families_flag_widget_lines_as_whole_words(html_features: Features, news_prose: str) -> None:
    frame, feats = html_features
    assert row(frame, feats, "Related")["kw_related"] == 1.0
    assert row(frame, feats, "Share on Facebook")["kw_share"] == 1.0
    footer = row(frame, feats, "© 2024 Example News. All rights reserved.")
    assert footer["kw_copyright"] == 1.0
    families = [f"kw_{name}" for name in KEYWORDS.names]
    assert row(frame, feats, news_prose)[families].sum() == 0.0
    shareholder = Featurizer("text").fit(pd.DataFrame({"doc": [0], "text": ["Shareholders met"]}))
    assert shareholder.transform(pd.DataFrame({"doc": [0], "text": ["Shareholders met"]}))["kw_share"].iloc[0] == 0


def test_patterns_character_ratios_and_stopwords(html_features: Features, news_prose: str) -> None:
    frame, feats = html_features
    date = row(frame, feats, "12.03.2024 10:30")
    assert date["pat_date"] >= 1 and date["pat_time"] >= 1 and date["digit_ratio"] > 0.5
    prose = row(frame, feats, news_prose)
    assert prose["ends_sentence"] == 1.0 and 0.3 < prose["stop_density"] < 0.8
    assert row(frame, feats, "- Home")["pat_list_marker"] == 1.0


def test_markup_and_title_families(html_features: Features, news_prose: str) -> None:
    frame, feats = html_features
    home = row(frame, feats, "- Home")
    assert home["in_nav"] == 1.0 and home["attr_nav"] >= 1 and home["list_item"] == 1.0
    prose = row(frame, feats, news_prose)
    assert prose["in_article"] == 1.0 and prose["attr_content"] >= 1
    headline = row(frame, feats, "Budget approved after long debate")
    assert headline["heading"] == 1 and headline["title_in_line"] == pytest.approx(1.0)
    assert row(frame, feats, "Related")["in_aside"] == 1.0


def test_the_summary_family_finds_the_lede_the_page_describes(news_page: str, html_frame: HtmlFrame,
                                                              news_prose: str) -> None:
    summary = "<meta property='og:description' content='Council approved the new budget after a long debate'>"
    frame = html_frame(news_page.replace("<head>", "<head>" + summary), news_page)
    assert Featurizer("html").fit(frame).transform(frame).columns.intersection(SUMMARY_NAMES).empty
    feats = Featurizer("html", summary_features=True).fit(frame).transform(frame)
    first = frame["doc"] == 0
    lede = feats[first & (frame["text"] == news_prose)].iloc[0]
    # The summary's 9 words, all in the lede and in the next paragraph: the first of them is the anchor.
    assert lede["summary_in_line"] == pytest.approx(1.0) and lede["summary_anchor"] == 0.0
    assert 0.5 < lede["line_in_summary"] < 1.0
    home = feats[first & (frame["text"] == "- Home")].iloc[0]
    assert home["summary_in_line"] == 0.0 and home["summary_anchor"] < 0.0
    headline = feats[first & (frame["text"] == "Budget approved after long debate")].iloc[0]
    assert headline["line_in_summary"] == 1.0 and headline["summary_anchor"] < 0.0
    # A page without a summary has none of the family.
    assert feats.loc[~first, list(SUMMARY_NAMES)].isna().all().all()


def test_position_and_neighbours_respect_page_boundaries() -> None:
    frame = pd.DataFrame({"doc": ["a", "a", "a", "b", "b"], "text": ["x one", "y two two", "z", "p", "q q"]})
    feats = Featurizer("text").fit(frame).transform(frame)
    assert feats["rel_index"].tolist() == [0.0, 0.5, 1.0, 0.0, 1.0]
    assert np.isnan(feats["log_chars_p1"].iloc[3]) and np.isnan(feats["log_chars_n1"].iloc[2])
    assert feats["log_chars_n1"].iloc[0] == pytest.approx(np.log1p(len("y two two")))
    assert feats["to_longest"].iloc[1] == 0.0 and feats["chars_rel_max"].iloc[1] == 1.0
    assert feats["log_page_lines"].iloc[0] == pytest.approx(np.log1p(3))


def test_repetition_counts_other_pages_of_the_site_and_the_corpus() -> None:
    frame = pd.DataFrame({
        "doc": [0, 0, 1, 1, 2], "domain": ["s", "s", "s", "s", "t"],
        "text": ["Subscribe now", "Unique text one", "Subscribe now", "Unique text two", "Subscribe now"],
    })
    featurizer = Featurizer("text", repeat_min_pages=2)
    fitted = featurizer.fit_transform(frame)
    assert featurizer.line_frequency_ == {"subscribe now": 3}
    assert fitted["repeat_site"].iloc[0] == 1.0 and fitted["repeat_site"].iloc[1] == 0.0
    assert np.isnan(fitted["repeat_site"].iloc[4])  # a site with one page says nothing
    assert fitted["repeat_corpus"].iloc[0] == pytest.approx(np.log1p(2))  # leave-one-out while fitting
    unseen = featurizer.transform(pd.DataFrame({"doc": [9], "text": ["Subscribe now"]}))
    assert unseen["repeat_corpus"].iloc[0] == pytest.approx(np.log1p(3))


def test_text_mode_has_no_markup_features_and_html_mode_requires_markup(news_page: str, html_frame: HtmlFrame) -> None:
    text_names = Featurizer("text").output_names()
    html_names = Featurizer("html").output_names()
    # Text mode: the plain-text families of HTML mode, and the sections (with their neighbours) on top.
    plain = {name for name in text_names if not name.startswith(SECTION_FEATURES) and name not in SECTION_FEATURES}
    assert plain < set(html_names) and not set(SECTION_FEATURES) & set(html_names)
    assert not {"link_density", "tag", "depth", "in_nav", "title_in_line"} & set(text_names)
    with pytest.raises(ValueError, match="need the columns"):
        Featurizer("html").fit(pd.DataFrame({"doc": [0], "text": ["x"]}))
    assert set(MARKUP_COLUMNS) <= set(html_frame(news_page).columns)
    assert FEATURIZER_VERSION


def test_blank_lines_do_not_change_text_features(news_prose: str) -> None:
    lines = ["Home > News", "Budget approved", news_prose, "Related", "- Other headline one"]
    dense = line_frame([(0, segment_text("\n".join(lines)))])
    spaced = line_frame([(0, segment_text("\n\n".join(lines) + "\n"))])
    featurizer = Featurizer("text").fit(dense)
    assert spaced["line"].tolist() == [0, 2, 4, 6, 8]
    pd.testing.assert_frame_equal(featurizer.transform(dense), featurizer.transform(spaced.set_index(dense.index)))


def test_one_page_alone_or_in_a_batch_gets_the_same_features(news_page: str, html_frame: HtmlFrame) -> None:
    frame = html_frame(news_page, news_page.replace("Related", "Popular"))
    featurizer = Featurizer("html").fit(frame)
    alone = featurizer.transform(frame[frame["doc"] == 0])
    together = featurizer.transform(frame)[frame["doc"] == 0]
    pd.testing.assert_frame_equal(alone, together)


def test_unfitted_featurizer_refuses_to_transform_and_empty_frames_work() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        Featurizer("text").transform(pd.DataFrame({"doc": [0], "text": ["x"]}))
    featurizer = Featurizer("text").fit(pd.DataFrame({"doc": [0], "text": ["x"]}))
    no_lines = pd.DataFrame({"doc": pd.Series([], dtype=object), "text": pd.Series([], dtype=object)})
    empty = featurizer.transform(no_lines)
    assert list(empty.columns) == featurizer.feature_names_ and len(empty) == 0


def test_augmented_copies_do_not_count_as_pages_repeating_their_lines() -> None:
    pages = pd.DataFrame({"doc": ["a", "a", "b"], "text": ["Subscribe now", "Body of a", "Subscribe now"]})
    copy = pages[pages["doc"] == "a"].assign(doc="a#precleaned")
    featurizer = Featurizer("text")
    features = featurizer.fit_transform(pd.concat([pages, copy], ignore_index=True), fit_frame=pages)
    assert featurizer.line_frequency_ == {"subscribe now": 2}
    assert features["repeat_corpus"].iloc[0] == pytest.approx(np.log1p(1))  # only page b repeats it



def test_two_dumps_of_one_page_count_as_one_page_repeating_nothing() -> None:
    """Two renderers' dumps of page a share their ``source``: its lines are on one page of the corpus and of the
    site, not two; page b's line really repeats."""
    dumps = pd.DataFrame({
        "doc": ["a#x", "a#x", "a#y", "a#y", "b#x"],
        "source": ["a", "a", "a", "a", "b"],
        "domain": ["s"] * 5,
        "text": ["Subscribe now", "Body of a", "Subscribe now", "Body of a", "Subscribe now"],
    })
    featurizer = Featurizer("text")
    features = featurizer.fit_transform(dumps)
    assert featurizer.line_frequency_ == {"subscribe now": 2}
    body = features[dumps["text"] == "Body of a"]
    assert (body["repeat_corpus"] == 0.0).all() and (body["repeat_site"] == 0.0).all()
    subscribe = features[dumps["text"] == "Subscribe now"]
    assert subscribe["repeat_corpus"].to_numpy() == pytest.approx(np.full(3, np.log1p(1)))
    assert (subscribe["repeat_site"] == 1.0).all()
    without_source = Featurizer("text").fit_transform(dumps.drop(columns="source"))
    assert (without_source[dumps["text"] == "Body of a"]["repeat_site"] > 0).all()  # each dump its own page


#: A Chinese news page as a text dump: a menu, the headline, two paragraphs (no spaces between words), a related
#: list; and the same page in English.
CJK_DUMP = [
    "首页 新闻 体育 天气",
    "市政府批准新预算",
    "市政府周一批准了新的预算，此前议员们经过了长时间的辩论，会议一直持续到深夜才结束。",
    "新预算将把更多的资金用于学校、医院和公共交通，并在明年一月开始执行。",
    "相关新闻",
    "农民在潮湿的春天之后请求帮助",
]
LATIN_DUMP = [
    "Home News Sport Weather",
    "The city approves a new budget",
    "The city council approved the new budget on Monday after a long debate that lasted well into the night.",
    "The budget puts more money into schools, hospitals and public transport from January next year on.",
    "Related",
    "Farmers ask for help after a wet spring",
]


@pytest.mark.parametrize("mode", ["text", "html"])
def test_the_prose_test_can_count_cjk_characters_as_words(mode: str, html_frame: HtmlFrame) -> None:
    if mode == "text":
        frame = dump_frame({"zh": CJK_DUMP, "en": LATIN_DUMP})
    else:
        pages = ("<html><body>" + "".join(f"<p>{t}</p>" for t in lines) + "</body></html>"
                 for lines in (CJK_DUMP, LATIN_DUMP))
        frame = html_frame(*pages)
        frame["doc"] = frame["doc"].map(dict(zip(frame["doc"].unique(), ["zh", "en"], strict=True)))
    prose = ["prose_before", "prose_after", "prose_before_share"]
    off = Featurizer(mode).fit(frame).transform(frame)[prose]
    on = Featurizer(mode, cjk_prose_words=True).fit(frame).transform(frame)[prose]
    zh, en = frame["doc"].eq("zh").to_numpy(), frame["doc"].eq("en").to_numpy()
    # Without it, no line of the Chinese page is prose: no line has prose before or after it.
    assert off[zh][["prose_before", "prose_after"]].isna().all().all()
    # With it, the two paragraphs are: the related list's lines have the second paragraph before them.
    related = frame.index[zh & frame["text"].eq("相关新闻").to_numpy()][0]
    assert on.loc[related, "prose_before"] == pytest.approx(np.log1p(1))
    assert on.loc[frame.index[zh][0], "prose_after"] == pytest.approx(np.log1p(2))
    # A page without CJK is featurised the same either way.
    pd.testing.assert_frame_equal(off[en], on[en])


@pytest.mark.parametrize("mode", ["text", "html"])
def test_keyword_plurals_let_a_phrase_match_its_plural(mode: str, html_frame: HtmlFrame) -> None:
    lines = ["We use cookies to improve this site.", "Cookie settings", "Advertisements", "Shareholders vote today",
             "The council met on Tuesday and agreed to the plan after a long debate about its costs."]
    if mode == "text":
        frame = dump_frame({"page": lines})
    else:
        frame = html_frame("<html><body>" + "".join(f"<p>{t}</p>" for t in lines) + "</body></html>")
    kinds = ["kw_cookie", "kw_advertisement", "kw_share"]
    off = Featurizer(mode).fit(frame).transform(frame)[kinds]
    on = Featurizer(mode, keyword_plurals=True).fit(frame).transform(frame)[kinds]
    assert off["kw_cookie"].tolist() == [0, 1, 0, 0, 0]
    assert on["kw_cookie"].tolist() == [1, 1, 0, 0, 0]
    assert off["kw_advertisement"].tolist() == [0, 0, 0, 0, 0]
    assert on["kw_advertisement"].tolist() == [0, 0, 1, 0, 0]
    # A word that only starts with a phrase is no plural of it.
    assert on["kw_share"].tolist() == [0, 0, 0, 0, 0]
    assert Featurizer(mode, keyword_plurals=True).get_params()["keyword_plurals"] is True
    assert Featurizer(mode).get_params()["keyword_plurals"] is False


def test_cjk_prose_words_is_a_parameter_of_the_bundle() -> None:
    assert Featurizer("text").get_params()["cjk_prose_words"] is False
    assert Featurizer("text", cjk_prose_words=True).get_params()["cjk_prose_words"] is True


#: A page in a language without a stopword list here (Turkish): a menu, three paragraphs, a widget heading.
TURKISH_PAGE = (
    "Ana sayfa Haberler Spor",
    "Belediye meclisi bu hafta yeni bir karar aldı ve bu karar şehirde çok tartışıldı.",
    "Meclis üyeleri bu konuda bir açıklama yaptı ve yeni bir toplantı için tarih verdi.",
    "Vatandaşlar bu karar için bir imza kampanyası başlattı ve meclise bir dilekçe verdi.",
    "İlgili haberler",
)


@pytest.mark.parametrize("mode", ["text", "html"])
def test_the_page_word_family_tells_prose_from_chrome_without_a_stopword_list(mode: str) -> None:
    frame = pd.DataFrame({"doc": "tr", "text": TURKISH_PAGE})
    if mode == "html":
        frame = frame.assign(tag="p", heading=0, list_item=False, depth=3, link_chars=0, link_count=0,
                             attr_words="", landmarks=0)
    def features(**params: bool) -> pd.DataFrame:
        return Featurizer(mode, stopword_languages=(), **params).fit(frame).transform(frame)  # type: ignore[arg-type]

    off, on = features(), features(page_word_features=True)
    assert "page_word_density" not in off and off["stop_density"].eq(0).all()
    density = on["page_word_density"].to_numpy()
    assert density[[0, 4]].tolist() == [0.0, 0.0]  # "bu", "bir" and "ve" are in every paragraph, not in these
    assert (density[1:4] > 0.25).all()
    pd.testing.assert_frame_equal(off, on[off.columns])  # the other families are unchanged
    assert Featurizer(mode).get_params()["page_word_features"] is False  # type: ignore[arg-type]
