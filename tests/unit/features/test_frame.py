"""Feature families on small hand-made line frames: values, page boundaries, modes and invariances."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chromecut.features.frame as features_module
from chromecut.features.frame import (
    _ALPHA,
    _CJK,
    _DIGIT,
    FEATURIZER_VERSION,
    LINE_FRAME_COLUMNS,
    MARKUP_COLUMNS,
    Featurizer,
    LineBatch,
    _char_table,
    container_codes,
    factorize_strings,
    line_frame,
    list_marker_lines,
    normalised_lines,
    numeric_column,
    separator_lines,
    string_list,
    word_tokens,
)
from chromecut.features.keywords import KEYWORDS, PATTERN_SOURCES
from chromecut.segment.html import Segmentation, segment_html, segment_text

PROSE = "The council approved the new budget after a long debate that lasted well into the night."
PAGE = f"""<html><head><title>Budget approved after long debate</title></head><body>
<nav class="mainNav"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<h1>Budget approved after long debate</h1><p class="date">12.03.2024 10:30</p>
<article class="story-body"><p>{PROSE}</p><p>{PROSE} It was the third vote this year.</p></article>
<aside class="related"><h3>Related</h3><ul><li><a href="/a">Other headline one</a></li></ul></aside>
<div class="share">Share on Facebook</div><footer>© 2024 Example News. All rights reserved.</footer>
</body></html>"""


def html_frame(*pages: str) -> pd.DataFrame:
    return line_frame([(i, segment_html(p)) for i, p in enumerate(pages)])


@pytest.fixture(scope="module")
def html_features() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = html_frame(PAGE)
    return frame, Featurizer("html").fit(frame).transform(frame)


def row(frame: pd.DataFrame, features: pd.DataFrame, text: str) -> pd.Series:
    return features.loc[frame.index[frame["text"] == text][0]]


def test_length_and_link_families(html_features: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, feats = html_features
    home = row(frame, feats, "- Home")
    prose = row(frame, feats, PROSE)
    assert prose["chars"] == len(PROSE) and prose["words"] == len(PROSE.split())
    assert home["link_density"] == pytest.approx(4 / 5)  # "-Home": 4 of 5 non-space characters are linked
    assert prose["link_density"] == 0.0 and home["link_count"] == 1


def test_keyword_families_flag_widget_lines_as_whole_words(html_features: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, feats = html_features
    assert row(frame, feats, "Related")["kw_related"] == 1.0
    assert row(frame, feats, "Share on Facebook")["kw_share"] == 1.0
    footer = row(frame, feats, "© 2024 Example News. All rights reserved.")
    assert footer["kw_copyright"] == 1.0
    families = [f"kw_{name}" for name in KEYWORDS.names]
    assert row(frame, feats, PROSE)[families].sum() == 0.0
    shareholder = Featurizer("text").fit(pd.DataFrame({"doc": [0], "text": ["Shareholders met"]}))
    assert shareholder.transform(pd.DataFrame({"doc": [0], "text": ["Shareholders met"]}))["kw_share"].iloc[0] == 0


def test_patterns_character_ratios_and_stopwords(html_features: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, feats = html_features
    date = row(frame, feats, "12.03.2024 10:30")
    assert date["pat_date"] >= 1 and date["pat_time"] >= 1 and date["digit_ratio"] > 0.5
    prose = row(frame, feats, PROSE)
    assert prose["ends_sentence"] == 1.0 and 0.3 < prose["stop_density"] < 0.8
    assert row(frame, feats, "- Home")["pat_list_marker"] == 1.0


def test_markup_and_title_families(html_features: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, feats = html_features
    home = row(frame, feats, "- Home")
    assert home["in_nav"] == 1.0 and home["attr_nav"] >= 1 and home["list_item"] == 1.0
    prose = row(frame, feats, PROSE)
    assert prose["in_article"] == 1.0 and prose["attr_content"] >= 1
    headline = row(frame, feats, "Budget approved after long debate")
    assert headline["heading"] == 1 and headline["title_in_line"] == pytest.approx(1.0)
    assert row(frame, feats, "Related")["in_aside"] == 1.0


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


def test_text_mode_has_no_markup_features_and_html_mode_requires_markup() -> None:
    text_names = Featurizer("text").output_names()
    html_names = Featurizer("html").output_names()
    assert set(text_names) < set(html_names)
    assert not {"link_density", "tag", "depth", "in_nav", "title_in_line"} & set(text_names)
    with pytest.raises(ValueError, match="need the columns"):
        Featurizer("html").fit(pd.DataFrame({"doc": [0], "text": ["x"]}))
    assert set(MARKUP_COLUMNS) <= set(html_frame(PAGE).columns)
    assert FEATURIZER_VERSION


def test_blank_lines_do_not_change_text_features() -> None:
    lines = ["Home > News", "Budget approved", PROSE, "Related", "- Other headline one"]
    dense = line_frame([(0, segment_text("\n".join(lines)))])
    spaced = line_frame([(0, segment_text("\n\n".join(lines) + "\n"))])
    featurizer = Featurizer("text").fit(dense)
    assert spaced["line"].tolist() == [0, 2, 4, 6, 8]
    pd.testing.assert_frame_equal(featurizer.transform(dense), featurizer.transform(spaced.set_index(dense.index)))


def test_one_page_alone_or_in_a_batch_gets_the_same_features() -> None:
    frame = html_frame(PAGE, PAGE.replace("Related", "Popular"))
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


def _reference_keys(texts: list[str]) -> list[str]:
    """The repetition key by its definition: lower case, every digit (regex \\d) a 0, whitespace runs folded
    to one space, none at either end."""
    return [re.sub(r"\s+", " ", re.sub(r"\d", "0", text.lower())).strip(" ") for text in texts]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")),
                          min_size=1, max_size=8))  # line_frame replaces lone surrogates
def test_repetition_keys_follow_their_definition_on_any_text(texts: list[str]) -> None:
    frame = pd.DataFrame({"doc": 0, "line": range(len(texts)), "text": texts})
    assert normalised_lines(LineBatch.from_frame(frame)) == _reference_keys(texts)


@pytest.mark.parametrize("texts", [["Plain ASCII Words 12"], ["İSTANBUL Straße", "ΣΟΦΊΑ Ünïcode"]])
def test_word_tokens_are_each_token_lower_cased_even_when_lower_case_is_longer(texts: list[str]) -> None:
    frame = pd.DataFrame({"doc": 0, "line": range(len(texts)), "text": texts})
    tokens, lines = word_tokens(LineBatch.from_frame(frame))
    expected = [(word.lower(), line) for line, text in enumerate(texts) for word in text.split()]
    assert list(zip(tokens, lines.tolist(), strict=True)) == expected


def _reference_tokens(texts: list[str]) -> list[tuple[str, int]]:
    """Word tokens by their definition: runs of letters and digits that are not CJK, each run lower-cased."""
    table = _char_table()
    tokens = []
    for line, text in enumerate(texts):
        run = ""
        for char in text + " ":
            flags = int(table[ord(char)])
            if flags & (_ALPHA | _DIGIT) and not flags & _CJK:
                run += char
            elif run:
                tokens.append((run.lower(), line))
                run = ""
    return tokens


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")),
                      min_size=1, max_size=8))
def test_word_tokens_follow_their_definition_on_any_text(texts: list[str]) -> None:
    frame = pd.DataFrame({"doc": 0, "line": range(len(texts)), "text": texts})
    tokens, lines = word_tokens(LineBatch.from_frame(frame))
    assert list(zip(tokens, lines.tolist(), strict=True)) == _reference_tokens(texts)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
                              max_size=6), min_size=1, max_size=8))
def test_per_line_class_counts_cover_each_line_and_no_separator(texts: list[str]) -> None:
    frame = pd.DataFrame({"doc": 0, "line": range(len(texts)), "text": texts})
    batch = LineBatch.from_frame(frame)
    table = _char_table()
    for flag in (_ALPHA, _DIGIT, _CJK):
        expected = [sum(1 for char in text if table[ord(char)] & flag) for text in texts]
        assert batch.count(flag).tolist() == expected
        assert batch.count(flag) is batch.count(flag)  # computed once per batch


#: Pieces of lines around separators and list markers: indents, bullets, numbers of one to four digits.
MARKER_PIECES = (" ", "\t", "  ", "|", "»", "/", ">", "-", "*", "•", "–", "1", "12", "123", "1234", "٣", ".", ")",
                 "a", "Word", "\u00a0", "\u2003")


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(MARKER_PIECES), max_size=8).map("".join), min_size=1, max_size=6))
def test_separator_and_list_marker_counts_equal_their_regex_definitions(lines: list[str]) -> None:
    frame = pd.DataFrame({"doc": 0, "line": range(len(lines)), "text": lines})
    batch = LineBatch.from_frame(frame)
    counted = {"separator": separator_lines(batch), "list_marker": list_marker_lines(batch)}
    for name, found in counted.items():
        body, _, flags = PATTERN_SOURCES[name]
        starts = np.array([m.start() for m in re.finditer(body, batch.joined, flags)], dtype=np.int64)
        expected = np.bincount(batch.line_of(starts), minlength=batch.n)
        assert np.bincount(found, minlength=batch.n).tolist() == expected.tolist(), name


@pytest.mark.parametrize(
    "column",
    [pd.Series([1, 2, 3], dtype="int32"), pd.Series([True, False]), pd.Series([1.5, np.nan]),
     pd.Series([1, None], dtype="Int64"), pd.Series(["3", "x", None], dtype=object),
     pd.Series([None, 4], dtype=object)],
)
def test_numeric_columns_convert_as_pandas_to_numeric(column: pd.Series) -> None:
    expected = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    np.testing.assert_array_equal(numeric_column(pd.DataFrame({"c": column}), "c"), expected)


@pytest.mark.parametrize(
    "column",
    [pd.Series(["nav menu", None, "nav menu", ""], dtype="str"), pd.Series(["a", np.nan, "b"], dtype=object),
     pd.Series(["p", "div", "p"], dtype="category"), pd.Series([], dtype="str")],
)
def test_strings_and_their_codes_are_pandas_fillna_astype_and_factorize(column: pd.Series) -> None:
    values = string_list(column)
    assert values == column.fillna("").astype(str).tolist()
    codes, uniques = factorize_strings(values)
    expected_codes, expected_uniques = pd.factorize(pd.Series(values, dtype=object))
    assert codes.tolist() == expected_codes.tolist() and uniques == list(expected_uniques)


def test_container_codes_from_one_key_equal_the_codes_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = html_frame(PAGE, PAGE.replace("story-body", "story"), "<div><p>One</p><div><p>Two</p></div></div>")
    batch = LineBatch.from_frame(frame)
    one_key = container_codes(batch, frame)
    monkeypatch.setattr(features_module, "_ONE_KEY_LIMIT", 0)  # every key too large: rows sorted instead
    assert one_key.tolist() == container_codes(batch, frame).tolist()
    assert len(set(one_key.tolist())) > 1


@pytest.mark.parametrize(
    "word_lists",
    [["nav menu", "", "story body main"], ["a  b", " lead", "tail ", "x\ty", "nbsp\u00a0word", "plain"], []],
)
def test_words_and_their_lists_are_each_list_split(word_lists: list[str]) -> None:
    words, owners = features_module._words_and_owners(word_lists)
    expected = [(word, i) for i, value in enumerate(word_lists) for word in value.split()]
    assert list(zip(words, owners.tolist(), strict=True)) == expected


def _reference_line_frame(pages: list[tuple[int, Segmentation]]) -> pd.DataFrame:
    """The line frame by its definition: a row per non-blank line, every column a list pandas reads as it will."""
    rows = [{"doc": doc, "line": line.index, "text": line.text,
             **{name: getattr(line, name) for name in MARKUP_COLUMNS}, "title": seg.title}
            for doc, seg in pages for line in seg.lines if line.text.strip()]
    return pd.DataFrame({name: [row[name] for row in rows] for name in LINE_FRAME_COLUMNS})


@pytest.mark.parametrize("kind", ["html", "text", "both"])
def test_line_frames_have_the_columns_and_types_pandas_gives_their_lists(kind: str) -> None:
    html = [(0, segment_html(PAGE)), (1, segment_html("<p>One</p><p>  </p><ul><li>Two</li></ul>"))]
    text = [(2, segment_text("Home\n\n" + PROSE + "\n- item"))]
    pages = {"html": html, "text": text, "both": html + text}[kind]
    pd.testing.assert_frame_equal(line_frame(pages), _reference_line_frame(pages))
