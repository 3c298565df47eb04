"""The features hold to the golden files (tests/golden_features.py): same lines, names, order and values, for a
batch, the frame fitted on (leave-one-out), each page alone and (HTML) pages without a title."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from chromecut.features import FEATURIZER_VERSION, Mode
from golden_features import CONFIGS, HOWS, features, golden_cases, golden_frames, golden_path

#: The largest difference allowed between a feature and its golden value (float64 on both sides).
TOLERANCE = 1e-9
MODES: tuple[Mode, ...] = ("html", "text")


@pytest.fixture(scope="module", params=MODES)
def mode(request: pytest.FixtureRequest) -> Mode:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def stored(mode: Mode) -> Any:
    return np.load(golden_path(mode))


def test_golden_files_are_of_this_featurizer_version(stored: Any) -> None:
    assert str(stored["featurizer_version"]) == FEATURIZER_VERSION, (
        "the golden features are of another featurizer version: after changing a feature on purpose, bump "
        "FEATURIZER_VERSION and rewrite them with `python tests/golden_features.py`")


def test_golden_inputs_segment_to_the_same_lines(mode: Mode, stored: Any) -> None:
    for name, frame in golden_frames(mode).items():
        assert list(frame["doc"]) == list(stored[f"{name}/doc"]), name
        assert list(frame["text"].astype(object).fillna("")) == list(stored[f"{name}/text"]), name


def test_every_case_is_stored(mode: Mode, stored: Any) -> None:
    cases = {name.rsplit("/", 1)[0] for name in stored.files if name.endswith("/values")}
    assert cases == {case for case, *_ in golden_cases(mode)}
    assert {case.split("/")[1] for case in cases} == set(CONFIGS[mode])
    assert {case.split("/")[2] for case in cases} == set(HOWS) - ({"untitled"} if mode == "text" else set())


def test_features_equal_the_golden_ones(mode: Mode, stored: Any) -> None:
    for case, frame, featurizer, how in golden_cases(mode):
        table = features(featurizer, frame, how)
        assert list(table.columns) == list(stored[f"{case}/names"]), case
        golden = stored[f"{case}/values"]
        values = table.to_numpy()
        assert values.shape == golden.shape, case
        nan = np.isnan(golden)
        nan_off = [name for name, bad in zip(table.columns, (np.isnan(values) != nan).any(0), strict=True) if bad]
        assert not nan_off, f"{case}: NaN where the golden value is not, or the reverse: {nan_off}"
        difference = np.abs(np.where(nan, 0.0, values - golden)).max(axis=0)
        off = {name: float(d) for name, d in zip(table.columns, difference, strict=True) if d > TOLERANCE}
        assert not off, f"{case}: features off their golden values by more than {TOLERANCE}: {off}"


def test_transform_is_the_golden_features_as_float32(mode: Mode, stored: Any) -> None:
    case, frame, featurizer, how = next(golden_cases(mode))
    assert how == "transform"
    table = featurizer.transform(frame)
    assert (table.dtypes == np.float32).all()
    np.testing.assert_array_equal(table.to_numpy(), stored[f"{case}/values"].astype(np.float32))


def test_the_golden_features_are_not_trivial(mode: Mode, stored: Any) -> None:
    """Every feature varies somewhere in the golden cases, so the comparison above is not one of constants."""
    names = set()
    for case, *_ in golden_cases(mode):
        values = stored[f"{case}/values"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a feature missing in every line of a case
            varied = np.nanmax(values, axis=0) > np.nanmin(values, axis=0)
        names |= {str(n) for n, v in zip(stored[f"{case}/names"], varied, strict=True) if v}
    everything = {str(n) for case, *_ in golden_cases(mode) for n in stored[f"{case}/names"]}
    assert everything - names == set()
