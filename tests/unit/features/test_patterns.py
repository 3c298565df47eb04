"""The separators and list markers found on the code points count what their regexes count."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.features.batch import LineBatch
from chromecut.features.keywords import PATTERN_SOURCES
from chromecut.features.patterns import list_marker_lines, separator_lines

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

