"""Alignment of gold text to lines, and snippet labels (the scores are tested in unit/evaluate/test_metrics.py)."""

from __future__ import annotations

import numpy as np
import pytest

from chromecut.datasets import Gold, GoldKind
from chromecut.labels import (
    Label,
    align_lines,
    label_lines,
    label_snippets,
    oracle_text,
)

C, X, U = Label.CONTENT, Label.CHROME, Label.UNKNOWN
ARTICLE = [
    "Scientists found that the river delta is sinking faster than expected in recent years.",
    "The study, published on Monday, used satellite measurements collected over a decade.",
    "Local farmers say the salt water already reaches fields that were fertile ten years ago.",
]


def test_exact_gold_lines_are_content_and_the_rest_chrome() -> None:
    lines = ["Home > World", "Share on Facebook", *ARTICLE, "Related stories", "- Another headline here today"]
    result = align_lines(lines, "\n".join(ARTICLE))
    assert result.labels.tolist() == [X, X, C, C, C, X, X]
    assert result.scores[2:5].min() == pytest.approx(1.0)
    assert result.gold_coverage == pytest.approx(1.0)


def test_whitespace_punctuation_entity_and_quote_differences_do_not_matter() -> None:
    gold = 'He said: "It\'s over" -- and left the room quietly, without a word to anyone.'
    line = "He said \u201cIt&rsquo;s   over\u201d \u2014 and left the room quietly without a word to anyone"
    assert align_lines(["Menu", line], gold).labels.tolist() == [X, C]


def test_a_headline_repeated_in_a_related_list_is_content_only_once_in_order() -> None:
    headline = "River delta sinking faster than expected"
    lines = [headline, *ARTICLE, "Related", f"- {headline}"]
    result = align_lines(lines, "\n".join([headline, *ARTICLE]))
    assert result.labels.tolist() == [C, C, C, C, X, X]


def test_short_lines_matching_gold_words_by_chance_stay_chrome() -> None:
    lines = ["Home", "World", *ARTICLE, "Farmers", "Share"]
    assert align_lines(lines, "\n".join(ARTICLE)).labels.tolist() == [X, X, C, C, C, X, X]


def test_short_gold_lines_in_place_are_content() -> None:
    gold = "\n".join(["Salt water", ARTICLE[0], "By Ann Lee", ARTICLE[1]])
    lines = ["Menu", "Salt water", ARTICLE[0], "By Ann Lee", ARTICLE[1], "Contact"]
    assert align_lines(lines, gold).labels.tolist() == [X, C, C, C, C, X]


def test_lines_partly_in_the_gold_follow_their_coverage() -> None:
    mostly = ARTICLE[0] + " Click here to subscribe."
    barely = "Subscribe to our newsletter for daily updates and offers " + ARTICLE[1][:20]
    result = align_lines([mostly, barely], "\n".join(ARTICLE[:2]))
    assert result.labels.tolist() == [C, X]
    assert 0.5 < result.scores[0] < 1.0
    assert result.scores[1] < 0.5


def test_gold_in_another_order_than_the_page_is_still_found() -> None:
    lines = [ARTICLE[2], ARTICLE[0], ARTICLE[1]]
    assert align_lines(lines, "\n".join(ARTICLE)).labels.tolist() == [C, C, C]


def test_lines_without_word_tokens_are_chrome_and_empty_gold_labels_nothing_content() -> None:
    assert align_lines(["|", "»", *ARTICLE[:1]], ARTICLE[0]).labels.tolist() == [X, X, C]
    result = align_lines(ARTICLE, "")
    assert result.labels.tolist() == [X, X, X]
    assert result.gold_coverage is None


def test_snippets_label_the_lines_they_touch_and_leave_the_rest_unknown() -> None:
    lines = ["Home", ARTICLE[0], ARTICLE[1], "Cookie settings and privacy policy", "Imprint"]
    result = label_snippets(
        lines,
        with_snippets=["sinking faster than expected", "expected in recent years. The study, published"],
        without_snippets=["cookie settings and privacy"],
    )
    assert result.labels.tolist() == [U, C, C, X, U]
    assert result.gold_coverage == pytest.approx(1.0)


def test_a_line_touched_by_both_kinds_of_snippet_is_unknown() -> None:
    result = label_snippets([ARTICLE[0]], ["river delta is sinking"], ["than expected in recent"])
    assert result.labels.tolist() == [U]


def test_label_lines_dispatches_on_the_gold_kind() -> None:
    snippets = Gold(GoldKind.SNIPPETS, with_snippets=("river delta",))
    assert label_lines(["x", ARTICLE[0]], snippets).labels.tolist() == [U, C]
    text = Gold(GoldKind.TEXT, text=ARTICLE[0])
    assert label_lines(["x", ARTICLE[0]], text).labels.tolist() == [X, C]


def test_oracle_text_keeps_exactly_the_content_lines_in_order() -> None:
    labels = np.array([C, X, C, U], dtype=np.int8)
    assert oracle_text(["a", "b", "c", "d"], labels) == "a\nc"
