"""The markup families' building blocks: class/id word lists split as each list's own ``split``."""

from __future__ import annotations

import pytest

from chromecut.features import markup


@pytest.mark.parametrize(
    "word_lists",
    [["nav menu", "", "story body main"], ["a  b", " lead", "tail ", "x\ty", "nbsp\u00a0word", "plain"], []],
)
def test_words_and_their_lists_are_each_list_split(word_lists: list[str]) -> None:
    words, owners = markup._words_and_owners(word_lists)
    expected = [(word, i) for i, value in enumerate(word_lists) for word in value.split()]
    assert list(zip(words, owners.tolist(), strict=True)) == expected

