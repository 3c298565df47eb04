"""The decision rule of inference and of every page score: the threshold, and a line that is most of its page
kept whatever its probability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chromecut.model.decision import (
    DOMINANT_SHARE,
    FALLBACK_THRESHOLD_SHARE,
    dominant_lines,
    frame_kept,
    kept_lines,
    page_thresholds,
)
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


def test_smoothing_drops_a_short_run_just_above_the_threshold_among_chrome_and_keeps_a_confident_run() -> None:
    # A headline and two paragraphs, then chrome with a caption-like line just above the threshold in it.
    p = np.array([0.95, 0.9, 0.95, 0.1, 0.05, 0.55, 0.1, 0.05])
    chars = np.array([200, 200, 200, 40, 40, 40, 40, 40])
    pages = np.zeros(len(p))
    assert kept_lines(p, 0.5, pages, chars).tolist() == [True] * 3 + [False, False, True, False, False]
    assert kept_lines(p, 0.5, pages, chars, smoothing=1.0).tolist() == [True] * 3 + [False] * 5
    # A cheap switch lets the line stand on its own again.
    assert kept_lines(p, 0.5, pages, chars, smoothing=0.1).tolist() == kept_lines(p, 0.5, pages, chars).tolist()


def test_smoothing_only_drops_lines_and_a_dominant_line_stays() -> None:
    p = np.array([0.95, 0.45, 0.95, 0.6, 0.05])
    chars = np.array([200, 40, 200, 30, 2000])
    pages = np.zeros(len(p))
    smoothed = kept_lines(p, 0.5, pages, chars, smoothing=50.0)
    plain = kept_lines(p, 0.5, pages, chars)
    assert not (smoothed & ~plain).any()  # nothing kept that the threshold drops
    assert smoothed[4] and plain[4]  # the dominant line, whatever its probability


def test_smoothing_decides_each_page_on_its_own() -> None:
    # Page a's confident content must not carry page b's lone line, nor the reverse.
    p = np.array([0.95, 0.95, 0.55, 0.1, 0.1])
    chars = np.array([300, 300, 40, 40, 40])
    both = kept_lines(p, 0.5, np.array(["a", "a", "b", "b", "b"]), chars, smoothing=1.0)
    alone_b = kept_lines(p[2:], 0.5, np.zeros(3), chars[2:], smoothing=1.0)
    assert both[:2].tolist() == [True, True] and both[2:].tolist() == alone_b.tolist()
    # Page b's line just above the threshold, then chrome: keeping it costs a switch its margin does not pay.
    assert alone_b.tolist() == [False, False, False]
    # A page of one line has no switch to pay: the threshold decides.
    assert kept_lines(np.array([0.55]), 0.5, np.zeros(1), np.array([40]), smoothing=1.0).tolist() == [True]
    frame = pd.DataFrame({"doc": ["a", "a", "b", "b", "b"], "text": ["x" * int(c) for c in chars]})
    assert frame_kept(frame, p, 0.5, 1.0).tolist() == both.tolist()


def test_a_page_that_would_keep_too_little_is_decided_at_the_fallback_share_of_the_threshold() -> None:
    # Page a keeps 120 characters at 0.5: under a floor of 300 it is decided at 0.25 and keeps its two lines at 0.3.
    # Page b keeps 400 characters at 0.5: the fallback leaves it alone.
    p = np.array([0.6, 0.3, 0.3, 0.1, 0.9, 0.3, 0.3])
    chars = np.array([120, 200, 200, 100, 400, 200, 200])
    pages = np.array(["a"] * 4 + ["b"] * 3)
    assert FALLBACK_THRESHOLD_SHARE == 0.5
    assert page_thresholds(p, 0.5, pages, chars, 300).tolist() == [0.25] * 4 + [0.5] * 3
    assert kept_lines(p, 0.5, pages, chars).tolist() == [True, False, False, False, True, False, False]
    assert kept_lines(p, 0.5, pages, chars, fallback_chars=300).tolist() == [True, True, True, False, True, False,
                                                                             False]
    # Exactly the floor kept is enough; no floor (0) is no fallback.
    assert kept_lines(p, 0.5, pages, chars, fallback_chars=120)[:4].tolist() == [True, False, False, False]
    assert page_thresholds(p, 0.5, pages, chars, 0).tolist() == [0.5] * 7
    frame = pd.DataFrame({"doc": pages, "text": ["x" * int(c) for c in chars]})
    assert frame_kept(frame, p, 0.5, 0.0, 300).tolist() == kept_lines(p, 0.5, pages, chars, 0.0, 300).tolist()


def test_the_fallback_page_is_smoothed_from_its_own_threshold() -> None:
    # Nothing at 0.5; at the page's 0.25 the three lines at 0.45 are a confident run and the chrome line goes.
    p = np.array([0.1, 0.45, 0.45, 0.45])
    chars = np.array([40, 200, 200, 200])
    pages = np.zeros(len(p))
    assert kept_lines(p, 0.5, pages, chars, smoothing=1.0).tolist() == [False] * 4
    assert kept_lines(p, 0.5, pages, chars, smoothing=1.0, fallback_chars=300).tolist() == [False, True, True, True]
    # An empty page and a page of chrome alone: the fallback keeps nothing that scores under half the threshold.
    assert kept_lines(np.zeros(0), 0.5, np.zeros(0), np.zeros(0), fallback_chars=300).tolist() == []
    assert not kept_lines(np.array([0.2, 0.1, 0.2]), 0.5, np.zeros(3), np.full(3, 30), fallback_chars=300).any()
