"""The batch views and column helpers: per-line class counts, numbers and strings read as pandas reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.features.batch import (
    ALPHA,
    CJK,
    DIGIT,
    LineBatch,
    char_table,
    factorize_strings,
    numeric_column,
    string_list,
)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
                              max_size=6), min_size=1, max_size=8))
def test_per_line_class_counts_cover_each_line_and_no_separator(texts: list[str]) -> None:
    frame = pd.DataFrame({"doc": 0, "line": range(len(texts)), "text": texts})
    batch = LineBatch.from_frame(frame)
    table = char_table()
    for flag in (ALPHA, DIGIT, CJK):
        expected = [sum(1 for char in text if table[ord(char)] & flag) for text in texts]
        assert batch.count(flag).tolist() == expected
        assert batch.count(flag) is batch.count(flag)  # computed once per batch


@pytest.mark.parametrize(
    "column",
    [pd.Series([1, 2, 3], dtype="int32"), pd.Series([True, False]), pd.Series([1.5, np.nan]),
     pd.Series([1, None], dtype="Int64"), pd.Series(["3", "x", None], dtype=object),
     pd.Series([None, 4], dtype=object)],
)
def test_numeric_columns_convert_as_pandas_to_numeric(column: pd.Series) -> None:
    expected = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    np.testing.assert_array_equal(numeric_column(pd.DataFrame({"c": column}), "c"), expected)


@pytest.mark.parametrize(
    "column",
    [pd.Series(["nav menu", None, "nav menu", ""], dtype="str"), pd.Series(["a", np.nan, "b"], dtype=object),
     pd.Series(["p", "div", "p"], dtype="category"), pd.Series([], dtype="str")],
)
def test_strings_and_their_codes_are_pandas_fillna_astype_and_factorize(column: pd.Series) -> None:
    values = string_list(column)
    assert values == column.fillna("").astype(str).tolist()
    codes, uniques = factorize_strings(values)
    expected_codes, expected_uniques = pd.factorize(pd.Series(values, dtype=object))
    assert codes.tolist() == expected_codes.tolist() and uniques == list(expected_uniques)

