"""The decision rule of inference and of every page score: the threshold, and a line that is most of its page
kept whatever its probability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chromecut.model.decision import DOMINANT_SHARE, dominant_lines, frame_kept, kept_lines
from chromecut.predict import Cleaner


def test_the_threshold_decides_unless_a_line_is_most_of_its_page() -> None:
    p = np.array([0.9, 0.1, 0.2, 0.05, 0.3])
    pages = np.array(["a", "a", "a", "b", "b"])
    chars = np.array([40, 30, 50, 900, 100])  # b's first line is 90 % of page b; no line of a is half of a
    assert kept_lines(p, 0.5, pages, chars).tolist() == [True, False, False, True, False]
    assert dominant_lines(pages, chars).tolist() == [False, False, False, True, False]
    exactly_half = dominant_lines(np.zeros(2), np.array([50, 50]))
    assert DOMINANT_SHARE == 0.5 and exactly_half.tolist() == [True, True]
    assert kept_lines(np.zeros(0), 0.5, np.zeros(0), np.zeros(0)).tolist() == []
    assert dominant_lines(np.zeros(1), np.array([0])).tolist() == [False]  # an empty line is no page


def test_a_frames_lines_are_decided_page_by_page() -> None:
    frame = pd.DataFrame({"doc": [0, 0, 1], "text": ["short", "a much longer line of text here", "only line"]})
    assert frame_kept(frame, np.array([0.0, 0.0, 0.0]), 0.5).tolist() == [False, True, True]


def test_a_page_glued_into_one_line_comes_back_whole() -> None:
    glued = ("HomeNewsSportsWeather Local officials said on Tuesday that the new bridge over the river will "
             "open next spring, two years later than planned, after the costs rose. Share this article")
    cleaner = Cleaner.load("text")
    assert cleaner.clean(glued) == glued
    labeled = cleaner.label(f"{glued}\n\nSubscribe")
    assert next(line.content for line in labeled if line.text.strip())
