"""The token-level scores: tokenizer, shingles, shingle P/R/F1 and the snippet score."""

from __future__ import annotations

import pytest

from chromecut.evaluate.metrics import PRF, prf, shingle_prf, shingles, snippet_score, tokenize

ARTICLE = [
    "Scientists found that the river delta is sinking faster than expected in recent years.",
    "The study, published on Monday, used satellite measurements collected over a decade.",
    "Local farmers say the salt water already reaches fields that were fertile ten years ago.",
]


def test_tokenize_folds_case_entities_quotes_and_width() -> None:
    assert tokenize("It&#8217;s “Ｑuoted” — CAFÉ") == ["it", "s", "quoted", "café"]


def test_cjk_characters_are_tokens_of_their_own() -> None:
    assert tokenize("中文内容 abc") == ["中", "文", "内", "容", "abc"]


def test_shingles_of_short_text_are_one_shingle() -> None:
    assert shingles(["a", "b"]) == {("a", "b"): 1}
    assert sum(shingles(list("abcdef")).values()) == 3


def test_shingle_prf_is_perfect_for_identical_text_and_zero_for_disjoint() -> None:
    assert shingle_prf(ARTICLE[0], ARTICLE[0]).f1 == pytest.approx(1.0)
    assert shingle_prf(ARTICLE[0], ARTICLE[1]).f1 == pytest.approx(0.0)
    both = shingle_prf(ARTICLE[0], ARTICLE[0] + " " + ARTICLE[1])
    assert both.precision == pytest.approx(1.0) and 0.3 < both.recall < 0.6
    assert shingle_prf("", "").f1 == pytest.approx(1.0)


def test_snippet_score_counts_kept_and_dropped_snippets() -> None:
    score = snippet_score(ARTICLE[0], ["river delta", "salt water"], ["river delta", "cookie"])
    assert score.recall == pytest.approx(0.5)
    assert score.precision == pytest.approx(0.5)


def test_prf_from_counts_follows_the_conventions_for_empty_sides() -> None:
    assert prf(0, 0, 0) == PRF(1.0, 1.0, 1.0)
    assert prf(0, 3, 0) == PRF(0.0, 0.0, 0.0)
    half = prf(2, 4, 4)
    assert half.precision == pytest.approx(0.5) and half.recall == pytest.approx(0.5) and half.f1 == pytest.approx(0.5)
