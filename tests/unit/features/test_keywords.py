"""Keyword families and patterns: the fast forms of the patterns find exactly what their definitions find."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.features.keywords import (
    CASE_FOLD_EXTRAS,
    KEYWORDS,
    PATTERN_SOURCES,
    PATTERNS,
    PLURAL_MIN_WORD_CHARS,
    any_case,
)

#: Pieces that the patterns care about, case variants and case-folding oddities (long s, Kelvin sign, dotted I)
#: among them, so that generated text hits every alternative and every first character.
PIECES = ("2024", "12", "3", "-", "/", ".", ":", ",", " ", "\n", "\t", "jan", "Sep", "ſep", "OCT", "déc", "paź",
          "年", "月", "日", "am", "PM", "uhr", "h", "min", "hours", "ago", "(", "[", ")", "]", "k", "K", "K",
          "views", "Likes", "°", "C", "$", "€", "eur", "zł", "|", "»", "•", "—", "http://", "WWW.", ".com",
          ".HTML", "İ", "x", "Story", "١٢", "Jan", "MAY", "Dec", "ſ", "a", "d", "nd", "5", "-", "x2", "_")
EXAMPLES = 600


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


@settings(max_examples=EXAMPLES, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=40), noise=st.text(max_size=20))
def test_fast_patterns_match_exactly_as_their_definitions(pieces: list[str], noise: str) -> None:
    text = "".join(pieces) + noise + "".join(reversed(pieces))
    for name, (body, _, flags) in PATTERN_SOURCES.items():
        assert _spans(PATTERNS[name], text) == _spans(re.compile(body, flags), text), name


@pytest.mark.parametrize(
    "text",
    ["x2024-01-02 and 2024-01-02", "Sep 3, 2024 vs ſep 3, 2024 and aSep 3, 2024", "12.3.24 3. März 2024年3月5日",
     "a1:30 1:30pm 3 hours ago", "(12) [3k] 4 views x4 views", "-3°C 4 °F $5 €3,50 5 eur 5eur",
     "HTTP://X.COM www.a.org",
     "Xhttps:// .htmlx .html"],
)
def test_fast_patterns_on_edges_of_their_look_behinds(text: str) -> None:
    for name, (body, _, flags) in PATTERN_SOURCES.items():
        assert _spans(PATTERNS[name], text) == _spans(re.compile(body, flags), text), name


def test_the_case_fold_extras_are_all_that_match_ascii_letters_case_insensitively() -> None:
    letters = re.compile("[a-z]", re.IGNORECASE)
    matching = {chr(cp) for cp in range(0x110000) if letters.fullmatch(chr(cp))}
    assert matching == set(any_case("abcdefghijklmnopqrstuvwxyz"))
    assert len(CASE_FOLD_EXTRAS) == len(set(CASE_FOLD_EXTRAS))


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("date", "Published 2024-03-05, updated 5 March 2024 and Sep. 3rd, 2023", 3),
        ("time", "at 10:45 pm, 5 hours ago", 2),
        ("counter", "(12) 3.4k views", 2),
        ("unit", "21 °C for $5 or 4 eur", 3),
        ("url", "see www.example.com or https://x.org", 4),  # www. .com https:// .org
        ("date", "no dates in this line at all", 0),
    ],
)
def test_patterns_find_what_they_describe(name: str, text: str, expected: int) -> None:
    assert len(_spans(PATTERNS[name], text)) == expected


def test_a_pattern_without_a_fast_form_is_its_definition() -> None:
    for name, (body, fast, flags) in PATTERN_SOURCES.items():
        if fast is None:
            assert PATTERNS[name].pattern == body and PATTERNS[name].flags & flags == flags, name


def test_plurals_join_their_words_families_and_keep_the_phrases_own() -> None:
    forms = KEYWORDS.single_with_plurals()
    cookie, related = KEYWORDS.family_index("cookie"), KEYWORDS.family_index("related")
    assert forms["cookies"] == [cookie]
    assert forms["relateds"] == [related] and forms["relatedes"] == [related]
    # Every phrase keeps its families; no short word gets a plural.
    assert all(forms[word] == families for word, families in KEYWORDS.single.items())
    short = [w for w in KEYWORDS.single if len(w) < PLURAL_MIN_WORD_CHARS]
    assert all(w + "s" not in forms or w + "s" in KEYWORDS.single for w in short)
