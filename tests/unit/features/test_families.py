"""The text families' building blocks, computed by the Rust core, against their definitions on any text:
repetition keys, word tokens, separators and list markers."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.features import Featurizer, native
from chromecut.features.batch import ALPHA, CJK, DIGIT, char_table
from chromecut.features.keywords import PATTERN_SOURCES

#: Any text but the line separator and lone surrogates (line_frame replaces those).
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"))
#: Pieces of lines around separators and list markers: indents, bullets, numbers of one to four digits.
MARKER_PIECES = (" ", "\t", "  ", "|", "»", "/", ">", "-", "*", "•", "–", "1", "12", "123", "1234", "٣", ".", ")",
                 "a", "Word", "\u00a0", "\u2003")


def _frame(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"doc": 0, "line": range(len(texts)), "text": texts})


@cache
def _fitted() -> Featurizer:
    """One featurizer for every example (built once: its Rust tables take a tenth of a second)."""
    return Featurizer("text").fit(_frame(["Home", "News"]))


def _features(texts: list[str]) -> pd.DataFrame:
    return _fitted().transform(_frame(texts))


def _reference_keys(texts: list[str]) -> list[str]:
    """The repetition key by its definition: lower case, every digit (regex \\d) a 0, whitespace runs folded
    to one space, none at either end."""
    return [re.sub(r"\s+", " ", re.sub(r"\d", "0", text.lower())).strip(" ") for text in texts]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=8))
def test_repetition_keys_follow_their_definition_on_any_text(texts: list[str]) -> None:
    keys, lengths = native.line_keys(_fitted(), _frame(texts))
    assert keys == _reference_keys(texts)
    assert lengths.tolist() == [len(text) for text in texts]


def test_repetition_keys_keep_a_lone_surrogate() -> None:
    frame = pd.DataFrame({"doc": 0, "line": [0, 1], "text": pd.Series(["Bad \ud800 12", "Ok"], dtype=object)})
    assert native.line_keys(Featurizer("text"), frame)[0] == ["bad \ud800 00", "ok"]


def _reference_tokens(texts: list[str]) -> list[int]:
    """Word tokens per line by their definition: runs of letters and digits that are not CJK."""
    table = char_table()
    counts = []
    for text in texts:
        count, run = 0, False
        for char in text + " ":
            flags = int(table[ord(char)])
            inside = bool(flags & (ALPHA | DIGIT)) and not flags & CJK
            count += run and not inside
            run = inside
        counts.append(count)
    return counts


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=8))
def test_word_tokens_follow_their_definition_on_any_text(texts: list[str]) -> None:
    cjk = [sum(1 for char in text if int(char_table()[ord(char)]) & CJK) for text in texts]
    tokens = _features(texts)["tokens"].to_numpy()
    # The token count is the words' plus the CJK characters' (each one token).
    assert tokens.tolist() == [float(w + c) for w, c in zip(_reference_tokens(texts), cjk, strict=True)]


@pytest.mark.parametrize("texts", [["Plain ASCII Words 12"], ["İSTANBUL Straße", "ΣΟΦΊΑ Ünïcode the"]])
def test_tokens_are_lower_cased_before_the_stopword_lookup(texts: list[str]) -> None:
    upper = _features([text.upper() for text in texts])["stopwords"]
    assert upper.tolist() == _features(texts)["stopwords"].tolist()


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(MARKER_PIECES), max_size=8).map("".join), min_size=1, max_size=6))
def test_separator_and_list_marker_counts_equal_their_regex_definitions(lines: list[str]) -> None:
    """Each count is its regex's on the page's lines joined by line breaks, a match counting on the line where it
    starts (a separator opening a line counts on the line before, whose line break is its whitespace)."""
    table = _features(lines)
    joined = "\n".join(lines)
    line_starts = np.cumsum([0] + [len(line) + 1 for line in lines[:-1]])
    for name in ("separator", "list_marker"):
        body, _, flags = PATTERN_SOURCES[name]
        starts = [m.start() for m in re.finditer(body, joined, flags)]
        expected = np.bincount(np.searchsorted(line_starts, starts, side="right") - 1, minlength=len(lines))
        assert table[f"pat_{name}"].tolist() == expected.astype(float).tolist(), name
