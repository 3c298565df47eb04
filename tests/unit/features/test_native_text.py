"""The Rust featurizer in text mode on what the golden files cannot hold: generated lines, real lines of every
dataset, refitting, and the translation of the pattern regexes. The features' values are held by the golden
files (test_golden.py)."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chromecut.datasets import DATASETS, iter_pages
from chromecut.features import Featurizer, native
from chromecut.features.keywords import PATTERN_SOURCES
from chromecut.segment.encoding import decode_text
from chromecut.segment.html import html_to_text
from feature_inputs import DUMPS, TEXT_PIECES, dump_frame
from feature_properties import assert_sound

#: Real pages per dataset and lines per page of the real-lines test.
REAL_PAGES_PER_DATASET = 3
REAL_LINES_PER_PAGE = 30


def real_frame() -> pd.DataFrame:
    """The first lines of a few pages of each dataset (read from the datasets, never copied into the tests)."""
    frames = []
    for dataset in DATASETS:
        for page in islice(iter_pages(dataset), REAL_PAGES_PER_DATASET):
            lines = [line for line in html_to_text(decode_text(page.html, page.encoding_hint)).split("\n")
                     if line.strip()][:REAL_LINES_PER_PAGE]
            frames.append(pd.DataFrame({"doc": f"{dataset}/{page.page_id}", "line": range(len(lines)),
                                        "text": lines, "domain": f"{dataset}:{page.domain}"}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def fitted_on_dumps() -> Featurizer:
    return Featurizer("text", section_features=True, markdown_features=True, repeat_min_pages=1).fit(dump_frame(DUMPS))


@settings(max_examples=150, deadline=None)
@example(pages=[[""], ["aA"]])  # found: a guard on the batch's length gave "aA" alone no camel-case step
@given(pages=st.lists(st.lists(st.lists(st.sampled_from(TEXT_PIECES), max_size=12).map("".join)
                               | st.text(max_size=30), min_size=1, max_size=8), min_size=1, max_size=3))
def test_generated_lines(fitted_on_dumps: Featurizer, pages: list[list[str]]) -> None:
    # Blank lines never reach the featurizer (line_frame leaves them out).
    lines = {f"p{i}": [line.replace("\n", " ") for line in page if line.strip()] or ["x"]
             for i, page in enumerate(pages)}
    assert_sound(fitted_on_dumps, dump_frame(lines, domain=None))
    assert_sound(fitted_on_dumps, dump_frame(lines))


@pytest.mark.data
@pytest.mark.parametrize("sections", [False, True])
def test_real_lines(sections: bool) -> None:
    frame = real_frame()
    docs = frame["doc"].unique()
    fit_part = frame[frame["doc"].isin(docs[::2])].reset_index(drop=True)
    fitted = Featurizer("text", section_features=sections, repeat_min_pages=1).fit(fit_part)
    assert_sound(fitted, frame.drop(columns="domain"))
    assert_sound(fitted, fit_part, leave_one_out=True)


def test_refitting_rebuilds_the_native_table() -> None:
    frame = dump_frame(DUMPS)
    featurizer = Featurizer("text", repeat_min_pages=1)
    first = featurizer.fit(frame.iloc[: len(frame) // 3]).transform(frame)
    second = featurizer.fit(frame).transform(frame)
    fresh = Featurizer("text", repeat_min_pages=1).fit(frame).transform(frame)
    pd.testing.assert_frame_equal(second, fresh)
    assert not first["repeat_corpus"].equals(second["repeat_corpus"])
    pd.testing.assert_frame_equal(first.drop(columns="repeat_corpus"), second.drop(columns="repeat_corpus"))


def test_an_empty_frame_has_every_column_and_no_row() -> None:
    fitted = Featurizer("text", section_features=True).fit(dump_frame(DUMPS))
    empty = fitted.transform(dump_frame(DUMPS).iloc[:0])
    assert empty.shape == (0, len(fitted.feature_names_)) and list(empty.columns) == fitted.feature_names_
    assert np.dtype(np.float32) == empty.dtypes.iloc[0]


def test_regex_translation_refuses_what_it_cannot_keep() -> None:
    date, fast, flags = PATTERN_SOURCES["date"]
    assert native.rust_regex(date, flags)
    assert fast is not None
    with pytest.raises(ValueError):
        native.rust_regex(fast, flags)  # look-behind: the regex crate has none
    with pytest.raises(ValueError):
        native.RegexPlan([(r"x\d", 0)])  # names a byte the stand-ins use
