"""The Rust featurizer in HTML mode on what the golden files cannot hold: generated frames, real pages of every
dataset, the kinds' evidence, refused frames, and the translation of the kinds' regexes. The features' values
are held by the golden files (test_golden.py)."""

from __future__ import annotations

from itertools import islice

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chromecut.datasets import DATASETS, iter_pages
from chromecut.features import Featurizer, line_frame, native
from chromecut.segment.html import segment_html
from feature_inputs import ATTRS, HTML_PIECES, PAGES, TAGS, page_frame
from feature_properties import assert_sound

#: Real pages per dataset of the real-pages test.
REAL_PAGES_PER_DATASET = 3


def test_kinds_fire() -> None:
    """The hand-written pages hold evidence of every kind feature, so their golden values are not all zeros."""
    frame = page_frame(*PAGES)
    fitted = Featurizer("html", kind_features=True).fit(frame)
    table = fitted.transform(frame)
    for name in [n for n in fitted.feature_names_ if n.startswith("kind_")]:
        assert table[name].max() == 1.0, name
    assert table["line_in_title"].max() == 1.0


def test_a_frame_without_markup_is_refused() -> None:
    frame = page_frame(*PAGES)
    with pytest.raises(ValueError, match="columns"):
        Featurizer("html").fit(frame).transform(frame.drop(columns="tag"))
    assert Featurizer("html").fit(frame).transform(frame.iloc[:0]).shape == (0, 144)


def test_regex_translation_of_the_kinds() -> None:
    """The kinds' regexes need ``^`` and ``$`` (searched line by line) and a stand-in text that folds ASCII case;
    the text plan still refuses anchors."""
    assert native.rust_line_regex(native.kinds.BYLINE_OPENING).startswith(r"\A")
    with pytest.raises(ValueError):
        native.rust_regex(native.kinds.BYLINE_OPENING.pattern, native.kinds.BYLINE_OPENING.flags)
    with pytest.raises(ValueError, match="case"):
        native.RegexPlan([("abc", 0)], fold_ascii=True)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.lists(st.sampled_from(HTML_PIECES), min_size=1, max_size=10).map("".join),
                               st.sampled_from(TAGS), st.integers(0, 3), st.integers(0, 40), st.integers(0, 4),
                               st.sampled_from(ATTRS), st.integers(0, 1023), st.integers(0, 2)),
                     min_size=1, max_size=30))
def test_generated_frames(rows: list[tuple[str, str, int, int, int, str, int, int]]) -> None:
    assume(any(text.strip() for text, *_ in rows))
    frame = pd.DataFrame({
        "doc": [f"d{r[7]}" for r in rows], "line": range(len(rows)), "text": [r[0] for r in rows],
        "tag": [r[1] for r in rows], "heading": [r[2] for r in rows], "list_item": [r[1] == "li" for r in rows],
        "depth": [r[4] for r in rows], "link_chars": [r[3] for r in rows], "link_count": [r[4] for r in rows],
        "attr_words": [r[5] for r in rows], "landmarks": [r[6] for r in rows],
        "title": ["By Jane Doe – Photo ﬁ" for _ in rows],
    }).sort_values("doc", kind="stable").reset_index(drop=True)
    fitted = Featurizer("html", kind_features=True).fit(frame)
    assert_sound(fitted, frame)


@pytest.mark.data
@pytest.mark.parametrize("kinds", [False, True])
def test_real_pages(kinds: bool) -> None:
    """A few pages of every dataset, segmented (read from the datasets, never copied into the tests)."""
    pages = [(f"{dataset}/{page.page_id}", segment_html(page.html, encoding_hint=page.encoding_hint))
             for dataset in DATASETS for page in islice(iter_pages(dataset), REAL_PAGES_PER_DATASET)]
    frame = line_frame(pages)
    docs = frame["doc"].unique()
    fit_part = frame[frame["doc"].isin(docs[::2])].reset_index(drop=True)
    fitted = Featurizer("html", kind_features=kinds, repeat_min_pages=1).fit(fit_part)
    assert_sound(fitted, frame)
    assert_sound(fitted, fit_part, leave_one_out=True)
