"""The datasets' definitions of content and the errors by kind, computed from hand-made line frames with known
labels and kinds: every share and count follows from the frame, none is typed in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chromecut.evaluate.definitions import measure_definitions
from chromecut.evaluate.errors import ERROR_COUNTS, errors_by_dataset, errors_by_kind
from chromecut.features import line_frame
from chromecut.features.kinds import KIND_ORDER, Kind
from chromecut.labels import Label
from chromecut.segment.html import segment_html

C, X, U = int(Label.CONTENT), int(Label.CHROME), int(Label.UNKNOWN)
#: dataset, text (its tokens), kind, gold label.
ROWS = [
    ("a", "one two three", Kind.HEADLINE, C),
    ("a", "four five", Kind.CAPTION, X),
    ("a", "six", Kind.CAPTION, C),
    ("a", "seven eight nine ten", Kind.BODY, C),
    ("a", "unknown line", Kind.COMMENT, U),
    ("b", "one two", Kind.HEADLINE, X),
    ("b", "three four five six", Kind.COMMENT, C),
    ("b", "seven", Kind.COMMENT, C),
    # Keeps every line of "b" under half of its page (a line that is most of its page is always kept).
    ("b", "eight nine ten eleven twelve thirteen fourteen", Kind.OTHER, X),
]


PAGE = """<html><head><title>River delta sinks faster</title></head><body><article>
<h1>River delta sinks faster</h1><p>Scientists found that the delta is sinking faster than expected, they say.</p>
</article><section class="comments"><p>Tom</p><p>Great article, thanks for writing it.</p></section></body></html>"""


@pytest.fixture()
def html_kinds_frame() -> pd.DataFrame:
    """A segmented page of dataset ``d`` whose gold keeps the headline and the prose and drops the comments."""
    frame = line_frame([("d/1", segment_html(PAGE))])
    comment = frame["text"].isin(["Tom", "Great article, thanks for writing it."])
    return frame.assign(dataset="d", label=np.where(comment, X, C).astype(np.int8))


def _frame() -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.DataFrame({"dataset": [r[0] for r in ROWS], "doc": [f"{r[0]}/p" for r in ROWS],
                          "text": [r[1] for r in ROWS], "label": np.array([r[3] for r in ROWS], dtype=np.int8)})
    return frame, np.array([r[2].value for r in ROWS], dtype=object)


def test_definitions_are_the_shares_of_each_kind_labelled_content() -> None:
    frame, kinds = _frame()
    report = measure_definitions(frame, kinds)
    assert report["kinds"] == [k.value for k in KIND_ORDER]
    a, b = report["datasets"]["a"], report["datasets"]["b"]
    assert a["kinds"]["headline"]["token_share"] == pytest.approx(1.0)
    assert a["kinds"]["caption"] == {"lines": 2, "content_lines": 1, "tokens": 3, "content_tokens": 1,
                                     "line_share": pytest.approx(0.5), "token_share": pytest.approx(1 / 3)}
    assert b["kinds"]["headline"]["token_share"] == pytest.approx(0.0)
    assert b["kinds"]["comment"]["line_share"] == pytest.approx(1.0)
    # The unknown comment line of "a" speaks to nothing: "a" has no labelled comment.
    assert a["kinds"]["comment"]["lines"] == 0 and a["kinds"]["comment"]["token_share"] is None
    assert a["lines"] == 4 and a["pages"] == 1
    assert a["content_share"] == pytest.approx(8 / 10)


def test_definitions_classify_the_lines_when_no_kinds_are_given(html_kinds_frame: pd.DataFrame) -> None:
    report = measure_definitions(html_kinds_frame)
    kinds = report["datasets"]["d"]["kinds"]
    assert kinds["headline"]["token_share"] == pytest.approx(1.0)
    assert kinds["comment"]["token_share"] == pytest.approx(0.0)


def test_errors_by_kind_count_false_and_missed_content_tokens() -> None:
    frame, kinds = _frame()
    p = np.array([0.9, 0.8, 0.1, 0.2, 0.9, 0.9, 0.1, 0.7, 0.1])
    errors = errors_by_kind(frame, p, 0.5, kinds)
    assert list(errors) == [k.value for k in KIND_ORDER]
    assert errors["caption"] == {"false_content_tokens": 2, "missed_content_tokens": 1, "content_tokens": 1,
                                 "chrome_tokens": 2}
    assert errors["headline"]["false_content_tokens"] == 2  # "b"'s headline is chrome by its gold
    assert errors["body"]["missed_content_tokens"] == 4
    assert errors["comment"] == {"false_content_tokens": 0, "missed_content_tokens": 4, "content_tokens": 5,
                                 "chrome_tokens": 0}  # the unknown line counts for nothing
    assert errors["footer"] == dict.fromkeys(ERROR_COUNTS, 0)


def test_errors_by_dataset_split_the_counts(html_kinds_frame: pd.DataFrame) -> None:
    frame = pd.concat([html_kinds_frame, html_kinds_frame.assign(dataset="e", doc="e/1")], ignore_index=True)
    keep_all = np.ones(len(frame))
    report = errors_by_dataset(frame, keep_all, 0.5)
    assert sorted(report["datasets"]) == ["d", "e"]
    for record in report["datasets"].values():
        counts = record["errors_by_kind"]
        assert counts["comment"]["false_content_tokens"] > 0
        assert sum(c["missed_content_tokens"] for c in counts.values()) == 0
        assert record["pages"] == 1
