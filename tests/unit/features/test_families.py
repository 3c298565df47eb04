"""The text families' building blocks against their definitions on any text: repetition keys and word tokens."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.features.batch import ALPHA, CJK, DIGIT, LineBatch, char_table
from chromecut.features.families import normalised_lines, word_tokens


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
    table = char_table()
    tokens = []
    for line, text in enumerate(texts):
        run = ""
        for char in text + " ":
            flags = int(table[ord(char)])
            if flags & (ALPHA | DIGIT) and not flags & CJK:
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

