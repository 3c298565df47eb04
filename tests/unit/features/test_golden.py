"""The features hold to the golden files (tests/golden_features.py): same lines, names, order and values."""

from __future__ import annotations

import numpy as np
import pytest

from chromecut.features import FEATURIZER_VERSION, Mode
from golden_features import CONFIGS, features, golden_cases, golden_frame, golden_path

#: The largest difference allowed between a feature and its golden value (float64 on both sides).
TOLERANCE = 1e-9
MODES: tuple[Mode, ...] = ("html", "text")


@pytest.fixture(scope="module", params=MODES)
def mode(request: pytest.FixtureRequest) -> Mode:
    return request.param  # type: ignore[no-any-return]


def test_golden_files_are_of_this_featurizer_version(mode: Mode) -> None:
    stored = np.load(golden_path(mode))
    assert str(stored["featurizer_version"]) == FEATURIZER_VERSION, (
        "the golden features are of another featurizer version: after changing a feature on purpose, rewrite "
        "them with `python tests/golden_features.py`")


def test_golden_inputs_segment_to_the_same_lines(mode: Mode) -> None:
    stored = np.load(golden_path(mode))
    frame = golden_frame(mode)
    assert list(frame["doc"]) == list(stored["doc"])
    assert list(frame["text"]) == list(stored["text"])


def test_every_configuration_is_stored(mode: Mode) -> None:
    stored = np.load(golden_path(mode))
    cases = {name.split("/")[0] for name in stored.files if "/" in name}
    assert cases == {case for case, _, _ in golden_cases(mode)}
    assert {case.split("-")[0] for case in cases} == set(CONFIGS[mode])


def test_features_equal_the_golden_ones(mode: Mode) -> None:
    stored = np.load(golden_path(mode))
    frame = golden_frame(mode)
    for case, featurizer, leave_one_out in golden_cases(mode):
        table = features(featurizer, frame, leave_one_out)
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


def test_transform_is_the_golden_features_as_float32(mode: Mode) -> None:
    stored = np.load(golden_path(mode))
    frame = golden_frame(mode)
    case, featurizer, _ = next(golden_cases(mode))
    table = featurizer.transform(frame)
    assert (table.dtypes == np.float32).all()
    np.testing.assert_array_equal(table.to_numpy(), stored[f"{case}/values"].astype(np.float32))
