"""The calibration of ``p_content``: Platt scaling recovers a known map, never changes a decision, and refuses
what a monotone map cannot be."""

from __future__ import annotations

import numpy as np
import pytest

from chromecut.model.calibration import Calibration, expected_calibration_error, fit_calibration


def _miscalibrated(n: int, slope: float, intercept: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from ``sigmoid(slope * x + intercept)`` and an overconfident model's ``sigmoid(x)``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 3.0, n)
    truth = 1.0 / (1.0 + np.exp(-(slope * x + intercept)))
    return (rng.random(n) < truth).astype(np.int8), 1.0 / (1.0 + np.exp(-x))


def test_the_fit_recovers_the_map_that_made_the_labels() -> None:
    y, p = _miscalibrated(40_000, slope=0.5, intercept=-1.0)
    calibration = fit_calibration(y, p)
    assert calibration.slope == pytest.approx(0.5, abs=0.03)
    assert calibration.intercept == pytest.approx(-1.0, abs=0.05)
    before, after = expected_calibration_error(y, p), expected_calibration_error(y, calibration(p))
    assert after < 0.02 < before


def test_weights_decide_which_lines_the_map_fits() -> None:
    # Two sources with opposite miscalibration: weighting one to nothing fits the other's map.
    y_a, p_a = _miscalibrated(20_000, 0.5, 0.0, seed=1)
    y_b, p_b = _miscalibrated(20_000, 2.0, 0.0, seed=2)
    y, p = np.concatenate([y_a, y_b]), np.concatenate([p_a, p_b])
    only_a = fit_calibration(y, p, np.r_[np.ones(len(y_a)), np.zeros(len(y_b))])
    only_b = fit_calibration(y, p, np.r_[np.zeros(len(y_a)), np.ones(len(y_b))])
    assert only_a.slope == pytest.approx(0.5, abs=0.05) and only_b.slope == pytest.approx(2.0, abs=0.2)


def test_the_map_is_increasing_so_no_decision_changes_and_the_inverse_takes_a_threshold_back() -> None:
    calibration = Calibration(slope=0.6, intercept=-0.8)
    p = np.random.default_rng(3).random(10_000)
    for threshold in (0.05, 0.3856, 0.5, 0.93):
        assert np.array_equal(p >= threshold, calibration(p) >= calibration.value(threshold))
        assert calibration.inverse(calibration.value(threshold)) == pytest.approx(threshold, abs=1e-12)
    assert np.all(np.diff(calibration(np.sort(p))) >= 0)
    # 0 and 1 are fixed points: a blank line's 0 stays 0, and a threshold of 0 still keeps every line.
    assert calibration(np.array([0.0, 1.0])).tolist() == [0.0, 1.0]
    assert calibration.inverse(0.0) == 0.0 and calibration.inverse(1.0) == 1.0


def test_the_identity_and_what_a_fit_cannot_learn() -> None:
    assert Calibration().identity and Calibration.from_dict(None) == Calibration()
    p = np.array([0.2, 0.7])
    assert Calibration()(p).tolist() == p.tolist()
    assert fit_calibration(np.ones(5), np.linspace(0.1, 0.9, 5)).identity  # one class
    y, p = _miscalibrated(5_000, 1.0, 0.0)
    assert fit_calibration(1 - y, p).identity  # probabilities that rank backwards: no decreasing map
    assert fit_calibration([], []).identity


def test_a_calibration_round_trips_and_a_broken_one_is_refused() -> None:
    calibration = Calibration(0.7, -0.25)
    assert Calibration.from_dict(calibration.to_dict()) == calibration
    with pytest.raises(ValueError, match="slope"):
        Calibration(0.0, 0.1)
    with pytest.raises(ValueError, match="slope"):
        Calibration(float("nan"), 0.0)
    with pytest.raises(ValueError, match="method"):
        Calibration.from_dict({"method": "isotonic", "slope": 1.0, "intercept": 0.0})


def test_expected_calibration_error_weighs_bins_by_their_lines() -> None:
    # Bin 0: two lines at 0.05, one content (gap 0.45); bin 9: two lines at 0.95, both content (gap 0.05).
    y = np.array([0, 1, 1, 1])
    p = np.array([0.05, 0.05, 0.95, 0.95])
    assert expected_calibration_error(y, p) == pytest.approx((0.45 * 2 + 0.05 * 2) / 4)
    assert expected_calibration_error(y, p, weight=np.array([1.0, 1.0, 0.0, 0.0])) == pytest.approx(0.45)
    assert np.isnan(expected_calibration_error([], []))
