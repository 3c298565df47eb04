"""The section-aware text families on small hand-written dumps, through the text-mode Featurizer: headings and
their sections, runs of like lines, the main text, repeats on the page, glued menus, metadata lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.features import Featurizer, line_frame
from chromecut.features.sections import (
    MAIN_MAX_GAP_DEFAULT,
    MAIN_MIN_TOKENS_DEFAULT,
    SECTION_FEATURES,
    SECTION_KEYWORD_FEATURES,
)
from chromecut.segment.html import segment_text

PROSE_ONE = ("The storm reached the coast on Tuesday night, flooding streets and cutting power to thousands of "
             "homes.")
PROSE_TWO = ("Officials said repairs would take at least a week, and schools in the region stayed closed on "
             "Wednesday.")
#: A news page as a scraper dumps it: breadcrumb, headline, date, byline, prose around a widget heading, a
#: bulleted related list and a glued menu.
DUMP = [
    "Home › News › World",
    "Storm hits the coast",
    "12 March 2025, 10:42",
    "By Jane Doe",
    PROSE_ONE,
    "Most read",
    PROSE_TWO,
    "Related",
    "- Ten things to know about storms",
    "- How to prepare your home",
    "- Photos: the storm in pictures",
    "HomeNewsSportsWeatherContact",
]


def text_frame(*pages: list[str], separator: str = "\n") -> pd.DataFrame:
    """The line frame of plain-text pages (one block per line), page ``i`` keyed ``i``."""
    return line_frame([(i, segment_text(separator.join(lines))) for i, lines in enumerate(pages)], markup=False)


def features(*pages: list[str], separator: str = "\n") -> pd.DataFrame:
    """Text-mode features of the pages, one row per non-blank line, indexed by the line's text."""
    frame = text_frame(*pages, separator=separator)
    table = Featurizer("text", section_features=True).fit(frame).transform(frame)
    table.index = frame["text"].to_numpy()
    return table


@pytest.fixture(scope="module")
def dump() -> pd.DataFrame:
    return features(DUMP)


def test_headings_open_sections_and_the_related_family_covers_the_list_under_it(dump: pd.DataFrame) -> None:
    headings = ["Home › News › World", "Storm hits the coast", "12 March 2025, 10:42", "By Jane Doe", "Most read",
                "Related", "HomeNewsSportsWeatherContact"]
    assert dump.index[dump["sec_heading"] == 1].tolist() == headings  # bullets and prose are no headings
    bullets = DUMP[8:11]
    assert dump.loc[bullets, "sec_kw_related"].tolist() == [1.0, 1.0, 1.0]
    assert dump.loc[bullets, "sec_since"].tolist() == [1.0, 2.0, 3.0]
    assert dump.loc[["Related", *bullets], "sec_lines"].tolist() == [3.0] * 4
    # The widget heading between two paragraphs holds the paragraph under it (it is up to the model).
    assert dump.loc[PROSE_TWO, "sec_kw_related"] == 1.0 and dump.loc[PROSE_TWO, "sec_since"] == 1.0
    # A stack of headings is one section under its first line: the top of the page is one section of 5 lines.
    assert dump.loc[DUMP[:5], "sec_since"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert dump.loc[PROSE_ONE, "sec_lines"] == 4.0 and dump.loc[PROSE_ONE, "sec_kw_related"] == 0.0
    # The menu after the list opens a section of its own, without the related family.
    menu = dump.loc["HomeNewsSportsWeatherContact"]
    assert menu["sec_since"] == 0.0 and menu["sec_lines"] == 0.0 and menu["sec_kw_related"] == 0.0


def test_keyword_family_of_a_heading_stack_and_lines_before_any_heading() -> None:
    table = features([PROSE_ONE, PROSE_TWO, "Related", "Ten things to know about storms",
                      "How to prepare your home", PROSE_ONE + " Again.", "Leave a comment", "- First reply here"])
    # Before the first heading there is no section: missing, not zero.
    assert np.isnan(table["sec_since"].iloc[0]) and np.isnan(table["sec_lines"].iloc[1])
    assert table[list(SECTION_KEYWORD_FEATURES)].iloc[:2].to_numpy().sum() == 0.0
    # Unbulleted headlines under "Related" are headings too, yet stay in its section and family.
    assert table["sec_kw_related"].iloc[2:6].tolist() == [1.0] * 4
    assert table["sec_since"].iloc[2:6].tolist() == [0.0, 1.0, 2.0, 3.0]
    # The next heading after prose opens a new section with its own family.
    assert table["sec_kw_related"].iloc[6:].tolist() == [0.0, 0.0]
    assert table["sec_kw_comments"].iloc[6:].tolist() == [1.0, 1.0]


def test_runs_of_bulleted_and_headline_shaped_lines(dump: pd.DataFrame) -> None:
    bullets = DUMP[8:11]
    assert dump.loc[bullets, "run_lines"].tolist() == [3.0] * 3
    assert dump.loc[bullets, "run_same_start"].tolist() == [1.0] * 3
    lengths = np.array([len(line) for line in bullets], dtype=float)
    assert dump.loc[bullets[0], "run_len_spread"] == pytest.approx(lengths.std() / lengths.mean(), rel=1e-6)
    assert dump.loc[bullets[0], "run_similar_len"] == 1.0
    # Prose is in no run: count 0, the run's statistics missing.
    assert dump.loc[PROSE_ONE, "run_lines"] == 0.0 and np.isnan(dump.loc[PROSE_ONE, "run_len_spread"])
    # "Related" is a headline-shaped line between prose and bullets: a run of one.
    assert dump.loc["Related", "run_lines"] == 1.0 and dump.loc["Related", "run_len_spread"] == 0.0
    assert dump.loc["Storm hits the coast", "run_lines"] == 4.0  # the stack of short lines at the top

    mixed = features(["1. One", "2. Two", "- Three and a much longer item than the others here", "* Four"])
    assert mixed["run_lines"].tolist() == [4.0] * 4
    assert mixed["run_same_start"].iloc[0] == pytest.approx(2 / 4)  # "1." and "2." share the digit marker
    assert mixed["run_similar_len"].iloc[0] == pytest.approx(3 / 4)  # the long item is far from the median


def test_distance_from_the_main_text(dump: pd.DataFrame) -> None:
    inside = [PROSE_ONE, "Most read", PROSE_TWO]
    assert dump.index[dump["main_inside"] == 1].tolist() == inside
    assert dump["main_dist"].tolist() == [-4.0, -3.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert dump["main_dist_rel"].tolist() == pytest.approx((dump["main_dist"] / len(DUMP)).tolist())


def test_main_text_is_the_run_with_the_most_prose_and_missing_without_prose() -> None:
    short_prose = "Readers wrote to us about the storm and what they saw on the night it came ashore here."
    gap = [f"Widget line {i}" for i in range(MAIN_MAX_GAP_DEFAULT + 1)]
    table = features([short_prose, *gap, PROSE_ONE, PROSE_TWO], ["Menu", "Only short lines here"])
    first_page = table.iloc[: len(gap) + 3]
    # A gap of more than MAIN_MAX_GAP_DEFAULT lines splits the prose; the run with more prose wins.
    assert first_page["main_inside"].tolist() == [0.0] * (len(gap) + 1) + [1.0, 1.0]
    assert first_page["main_dist"].iloc[0] == -(len(gap) + 1)
    second_page = table.iloc[len(gap) + 3:]
    assert second_page["main_dist"].isna().all() and (second_page["main_inside"] == 0).all()
    assert len(short_prose.split()) >= MAIN_MIN_TOKENS_DEFAULT


def test_repeats_count_other_lines_of_the_same_page_only() -> None:
    table = features(["Share", PROSE_ONE, "share ", "Share", "Page 1 of 3", "Page 2 of 3"], ["Share"])
    assert table["repeat_page"].tolist() == [2.0, 0.0, 2.0, 2.0, 1.0, 1.0, 0.0]  # digits masked, case folded


def test_glued_menus() -> None:
    lines = ["HomeNewsSportsWeatherContact", "News|Sport|Weather", "Home | News | Sport", "Dates 12/03/2025",
             "McDonald opened a shop", PROSE_ONE]
    table = features(lines)
    assert table["glued_camel"].tolist() == [4.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    assert table["glued_camel_run"].tolist() == [5.0, 0.0, 0.0, 0.0, 2.0, 0.0]
    assert table["glued_separators"].tolist() == [0.0, 2.0, 0.0, 0.0, 0.0, 0.0]  # spaced or between digits: no
    assert table["cap_word_share"].iloc[2] == pytest.approx(3 / 5)  # "|" counts as a word, not a capital


def test_number_metadata_and_byline_lines() -> None:
    lines = ["1.2K", "12°C", "10:42", "4,512", "23 comments", "12 March 2025", "By Jane Doe", "Von Max Muster",
             "Written by Jane Doe", "作者：张三", "By the way this is fine", "Stand by me", PROSE_ONE]
    table = features(lines)
    assert table["only_number"].tolist() == [1.0] * 4 + [0.0] * 9
    assert table["meta_line"].tolist() == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0] + [0.0] * 7  # a bare number: no pattern
    assert table["byline"].tolist() == [0.0] * 6 + [1.0] * 4 + [0.0] * 3


def test_blank_lines_between_blocks_change_no_section_feature() -> None:
    """The rule: blank lines are not lines (the line frame leaves them out), so a dump with a blank line between
    every block has the same sections, runs and distances as one without."""
    dense = features(DUMP)
    spaced = features(DUMP, separator="\n\n")
    pd.testing.assert_frame_equal(dense, spaced, check_exact=True)
    assert spaced.loc[DUMP[8:11], "run_lines"].tolist() == [3.0] * 3


def test_section_features_are_text_mode_only_and_safe_on_empty_and_one_line_pages() -> None:
    html_names = set(Featurizer("html").output_names())
    text_names = Featurizer("text", section_features=True).output_names()
    assert not set(SECTION_FEATURES) & html_names
    assert [name for name in text_names if name in SECTION_FEATURES] == list(SECTION_FEATURES)
    assert {"sec_heading_p1", "run_lines_ctx2", "meta_line_n1"} <= set(text_names)
    empty = pd.DataFrame({"doc": pd.Series([], dtype=object), "text": pd.Series([], dtype=object)})
    assert Featurizer("text", section_features=True).fit(empty).transform(empty).shape == (0, len(text_names))
    one = features(["Related"])
    assert one[["sec_heading", "sec_since", "sec_lines", "run_lines"]].iloc[0].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert np.isnan(one["main_dist"].iloc[0]) and one["main_inside"].iloc[0] == 0.0
    lone_prose = features([PROSE_ONE])
    assert lone_prose["main_inside"].iloc[0] == 1.0 and lone_prose["main_dist"].iloc[0] == 0.0


def test_a_page_alone_or_in_a_batch_gets_the_same_section_features() -> None:
    other = ["Menu", PROSE_TWO, "Related", "- Other"]
    batch = text_frame(other, DUMP, other)
    featurizer = Featurizer("text", section_features=True).fit(batch)
    alone = featurizer.transform(batch[batch["doc"] == 1])
    pd.testing.assert_frame_equal(featurizer.transform(batch)[batch["doc"] == 1], alone, check_exact=True)


@settings(max_examples=150, deadline=None)
@given(pages=st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1)
                               .map(lambda t: t.replace("\n", " ").replace("\r", " ")), min_size=1, max_size=6),
                      min_size=1, max_size=3))
def test_section_features_never_fail_on_any_text(pages: list[list[str]]) -> None:
    frame = text_frame(*pages)
    table = Featurizer("text", section_features=True).fit(frame).transform(frame)
    assert len(table) == len(frame)
    counts = table[["sec_heading", "run_lines", "repeat_page", "glued_camel", "glued_separators", "byline"]]
    assert (counts.to_numpy() >= 0).all()
