"""Keyword families and patterns: the prefiltered patterns find exactly what their bodies find."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.keywords import PATTERN_SOURCES, PATTERNS, prefiltered

#: Pieces that the patterns care about, case variants and case-folding oddities (long s, Kelvin sign, dotted I)
#: among them, so that generated text hits every alternative and every first character.
PIECES = ("2024", "12", "3", "-", "/", ".", ":", ",", " ", "\n", "\t", "jan", "Sep", "ſep", "OCT", "déc", "paź",
          "年", "月", "日", "am", "PM", "uhr", "h", "min", "hours", "ago", "(", "[", ")", "]", "k", "K", "K",
          "views", "Likes", "°", "C", "$", "€", "eur", "zł", "|", "»", "•", "—", "http://", "WWW.", ".com",
          ".HTML", "İ", "x", "Story", "١٢")
EXAMPLES = 600


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


@settings(max_examples=EXAMPLES, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=40), noise=st.text(max_size=20))
def test_prefiltered_patterns_match_exactly_as_their_bodies(pieces: list[str], noise: str) -> None:
    text = "".join(pieces) + noise + "".join(reversed(pieces))
    for name, (body, _, flags) in PATTERN_SOURCES.items():
        assert _spans(PATTERNS[name], text) == _spans(re.compile(body, flags), text), name


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


def test_a_pattern_without_a_first_character_class_is_its_body() -> None:
    assert prefiltered(r"\s[|]\s", None, re.NOFLAG).pattern == r"\s[|]\s"
