"""The Rust text-mode featurizer (``Featurizer("text", engine="rust")``) against the Python families: the same
features, to 1e-9, on hand-written dumps and on real lines."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chromecut.datasets import DATASETS, iter_pages
from chromecut.features import ENGINE_DEFAULT, ENGINE_ENV, Featurizer, default_engine, native
from chromecut.features.keywords import PATTERN_SOURCES
from chromecut.segment.encoding import decode_text
from chromecut.segment.html import html_to_text
from feature_helpers import assert_same

#: Pieces of text the features care about, for generated lines: the patterns' characters and case oddities, the
#: characters the regex engines class differently (combining marks, ², \x1c, no-break space, new digits), final
#: sigma and dotted I (lower case), glued menus, bylines, bullets, separators, CJK phrases.
PIECES = ("2024", "12", "3", "-", "/", ".", ":", ",", " ", "\t", "jan", "Sep", "ſep", "OCT", "déc", "paź", "年", "月",
          "日", "am", "PM", "uhr", "min", "hours", "ago", "(", ")", "[", "k", "K", "views", "°", "C", "$", "€", "eur",
          "zł", "|", "»", "•", "—", "http://", "WWW.", ".com", ".HTML", "İ", "Σ", "ΟΔΟΣ", "x", "q", "Q", "_", "١٢",
          "²", "\u0301", "\x1c", "\xa0", "\x02", "\U0001e4f0", "HomeNews", "By", "Jane", "Related", "share", "read",
          "more", "the", "相关", "作者：", "版权所有", "©", "(c) 2024", "1.", "- ", "* ", "!", "?", "Ǆ", "ǅ")
PROSE = "The council approved the new budget after a long debate that lasted well into the night."
#: Real pages per dataset and lines per page of the real-lines test.
REAL_PAGES_PER_DATASET = 3
REAL_LINES_PER_PAGE = 30

#: Dumps as scrapers write them: menus, bullets, headings, dates, numbers, blank lines, CJK, emoji, odd code points.
DUMPS: dict[str, list[str]] = {
    "news": [
        "HomeNewsSportsWeather", "Home | News | Sport", "Home » News › Local", "| Home", "» Next page", "Menu",
        "Budget approved after long debate", "By Jane Doe", "12 March 2025, 10:42", "Updated 5 min ago",
        PROSE, f"{PROSE} It was the third vote this year.", "", "   ", "\t",
        "Related", "- First headline here", "* Second headline here", "• Third one", "1. First item", "2) Second",
        "  10. indented item", "1234. not a marker", "Most read", "Share this", "Share on Facebook", "(12) comments",
        "1.2K views", "23 comments", "© 2024 Example News. All rights reserved.", "(c) 2023 Example", "42", "1,234",
    ],
    "units": [
        "12°C", "-3 °F", "€ 12,50", "$5", "12 EUR", "7 zł", "15 kč", "https://example.com/a", "www.example.org",
        "see index.html", "Jan 5th, 2024", "2024-01-05", "05/01/2024", "3 févr. 2024", "12 déc 2023", "3 hours ago",
        "10:30 Uhr", "9:15 pm", "³ ½ ②", "a\x1cb c\x1fd", "İstanbul İSTANBUL", "Straße STRASSE", "ﬁnance", "5 K 7 ſ",
        "ΟΔΥΣΣΕΑΣ ΣΟΦΟΣ.", "Σ", "Cafe\u0301 12 min ago", "٣ دقائق", "12\u00a0min ago", "Kontakt", "Startseite",
        "Lesen Sie auch", "Das könnte Sie auch interessieren", "Czytaj także", "You may also like", "Skip to content",
    ],
    "cjk": [
        "相关新闻", "作者：张三", "记者:李四", "2024年3月12日", "3月12日", "分享到微博", "版权所有 © 2024", "热门排行",
        "首页 | 新闻 | 体育", "２０２４年３月", "这是一段很长的中文正文，讲述了一件事情的经过。", "阅读更多",
        "上一篇：标题",
        "👍 Like 12", "🔥🔥🔥", "Loading...", "Please wait", "Subscribe to our newsletter", "Log in", "Sign up",
        "replaced \ufffd text", "HomeNews", "News|Sport|Weather", "e-mail don't",
    ],
}


def dump_frame(pages: dict[str, list[str]], *, domain: str | None = "example.com", source: bool = False
               ) -> pd.DataFrame:
    rows = [(doc, i, text) for doc, lines in pages.items() for i, text in enumerate(lines)]
    frame = pd.DataFrame({"doc": [r[0] for r in rows], "line": [r[1] for r in rows]})
    # An object column: an Arrow string column cannot hold the lone surrogate.
    texts = np.empty(len(rows), dtype=object)
    texts[:] = [r[2] for r in rows]
    frame["text"] = pd.Series(texts, dtype=object, copy=False)
    if domain is not None:
        frame["domain"] = [domain if doc != "cjk" else None for doc in frame["doc"]]
    if source:
        frame["source"] = frame["doc"].str[:1]
    return frame


def real_frame() -> pd.DataFrame:
    """The first lines of a few pages of each dataset (read from the datasets, never copied into the tests)."""
    frames = []
    for dataset in DATASETS:
        for page in islice(iter_pages(dataset), REAL_PAGES_PER_DATASET):
            lines = [line for line in html_to_text(decode_text(page.html, page.encoding_hint)).split("\n")
                     if line.strip()][:REAL_LINES_PER_PAGE]
            frames.append(pd.DataFrame({"doc": f"{dataset}/{page.page_id}", "line": range(len(lines)),
                                        "text": lines, "domain": f"{dataset}:{page.domain}"}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("sections", [False, True])
@pytest.mark.parametrize("domain", ["example.com", None])
def test_hand_written_dumps(sections: bool, domain: str | None) -> None:
    frame = dump_frame(DUMPS, domain=domain)
    fitted = Featurizer("text", section_features=sections, repeat_min_pages=1).fit(frame)
    assert_same(fitted, frame, leave_one_out=False)
    assert_same(fitted, frame, leave_one_out=True)
    for doc in DUMPS:  # alone: a batch without "İ" lowers its tokens in context (the final sigma)
        assert_same(fitted, frame[frame["doc"] == doc].reset_index(drop=True), leave_one_out=False)


def test_lone_surrogate() -> None:
    """A lone surrogate (what line_frame replaces by U+FFFD, as pandas' strings cannot hold it) reaches Rust as the
    code point Python sees; the Python repetition family needs a frame without domains to take it."""
    frame = dump_frame({"page": ["bad \ud800 text", "Home", "bad \udfff\ud800 text", PROSE]}, domain=None)
    fitted = Featurizer("text", section_features=True).fit(frame)
    assert_same(fitted, frame, leave_one_out=False)


@pytest.fixture(scope="module")
def fitted_on_dumps() -> Featurizer:
    return Featurizer("text", section_features=True, repeat_min_pages=1).fit(dump_frame(DUMPS))


@settings(max_examples=150, deadline=None)
@given(pages=st.lists(st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
                               | st.text(max_size=30), min_size=1, max_size=8), min_size=1, max_size=3))
def test_generated_lines(fitted_on_dumps: Featurizer, pages: list[list[str]]) -> None:
    lines = {f"p{i}": [line.replace("\n", " ") for line in page] for i, page in enumerate(pages)}
    assume(any(any(page) for page in lines.values()))  # the Python families need some text in a batch
    assert_same(fitted_on_dumps, dump_frame(lines), leave_one_out=False)


def test_source_pages_and_one_page() -> None:
    frame = dump_frame(DUMPS, source=True)
    fitted = Featurizer("text", section_features=True).fit(frame)
    assert_same(fitted, frame, leave_one_out=False)
    single = dump_frame({"only": ["Home", PROSE]})
    assert_same(fitted, single, leave_one_out=False)


@pytest.mark.data
@pytest.mark.parametrize("sections", [False, True])
def test_real_lines(sections: bool) -> None:
    frame = real_frame()
    docs = frame["doc"].unique()
    fit_part = frame[frame["doc"].isin(docs[::2])].reset_index(drop=True)
    other = frame[~frame["doc"].isin(docs[::2])].reset_index(drop=True)
    fitted = Featurizer("text", section_features=sections, repeat_min_pages=1).fit(fit_part)
    assert_same(fitted, other, leave_one_out=False)
    assert_same(fitted, fit_part, leave_one_out=True)
    assert_same(fitted, frame, leave_one_out=False)


def test_engine_is_a_parameter_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    frame = dump_frame(DUMPS)
    python = Featurizer("text", section_features=True, engine="python").fit(frame)
    rust = Featurizer("text", section_features=True, engine="rust").fit(frame)
    assert Featurizer("text").get_params()["engine"] == ENGINE_DEFAULT == "rust"
    assert rust.get_params() == {**python.get_params(), "engine": "rust"}
    assert rust.feature_names_ == python.feature_names_
    pd.testing.assert_frame_equal(rust.transform(frame), python.transform(frame))
    pd.testing.assert_frame_equal(rust.fit_transform(frame), python.fit_transform(frame))
    empty = frame.iloc[:0]
    assert rust.transform(empty).shape == (0, len(python.feature_names_))
    with pytest.raises(ValueError, match="engine"):
        Featurizer("text", engine="fortran").fit(frame)  # type: ignore[arg-type]


def test_the_environment_picks_the_default_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "Python")
    assert default_engine() == "python" and Featurizer("text").engine == "python"
    assert Featurizer("text", engine="rust").engine == "rust"
    monkeypatch.setenv(ENGINE_ENV, "")
    assert default_engine() == ENGINE_DEFAULT
    monkeypatch.setenv(ENGINE_ENV, "fortran")
    with pytest.raises(ValueError, match="must be one of"):
        Featurizer("text")


def test_refitting_rebuilds_the_native_table() -> None:
    frame = dump_frame(DUMPS)
    rust = Featurizer("text", engine="rust", repeat_min_pages=1)
    first = rust.fit(frame.iloc[: len(frame) // 3]).transform(frame)
    second = rust.fit(frame).transform(frame)
    python = Featurizer("text", repeat_min_pages=1, engine="python").fit(frame).transform(frame)
    pd.testing.assert_frame_equal(second, python)
    assert not first.equals(second)


def test_regex_translation_refuses_what_it_cannot_keep() -> None:
    date, fast, flags = PATTERN_SOURCES["date"]
    assert native.rust_regex(date, flags)
    assert fast is not None
    with pytest.raises(ValueError):
        native.rust_regex(fast, flags)  # look-behind: the regex crate has none
    with pytest.raises(ValueError):
        native.RegexPlan([(r"x\d", 0)])  # names a byte the stand-ins use
