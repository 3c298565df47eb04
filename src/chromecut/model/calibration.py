"""What ``p_content`` means: a monotone map from the classifier's probability to the share of content lines
among lines of that probability on sites the model never saw.

The classifier's probabilities are fitted to its training sites, and a page of another source may be more or
less content than they say. :class:`Calibration` is Platt scaling on the log-odds,
``sigmoid(slope * logit(p) + intercept)``, fitted (:func:`fit_calibration`) on the out-of-dataset probabilities
of the ``lodo`` fold models (:mod:`chromecut.train.threshold`), each held-out dataset weighing the same. With a
positive slope it is strictly increasing, so it never changes a decision: the bundle keeps its threshold on the
classifier's scale and :class:`chromecut.predict.Cleaner` reports ``p_content`` and takes a threshold on the
calibrated one (:meth:`Calibration.inverse` maps it back). Two parameters, so a few thousand lines fit them.

Measured on the shipped settings, the map fitted on three of the permissive datasets makes the fourth's
calibration worse, in both modes (the datasets are miscalibrated in different directions: docs/training.md), so
the shipped bundles carry none; the option serves a user who retrains on pages of the sources the model will
clean. Inference needs only numpy: the fit is Newton's method on the weighted log loss, here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

#: Probabilities are clipped to [EPSILON, 1 - EPSILON] before the log-odds.
PROBABILITY_EPSILON = 1e-9
#: Newton's method on the two parameters: at most this many steps, stopping when a step moves them less than
#: :data:`NEWTON_TOLERANCE`.
NEWTON_MAX_STEPS = 100
NEWTON_TOLERANCE = 1e-10
#: A step that raises the loss is halved at most this many times.
NEWTON_MAX_HALVINGS = 40
#: Ridge on the parameters' distance from the identity map (slope 1, intercept 0) in the fit: keeps the Hessian
#: invertible when the probabilities separate the labels perfectly.
RIDGE_DEFAULT = 1e-6
#: Bins of :func:`expected_calibration_error`.
ECE_BINS_DEFAULT = 10
#: Calibrations a run can fit (:attr:`chromecut.settings.ModelSettings.calibration`).
CALIBRATIONS = ("none", "lodo")


def _logit(p: npt.ArrayLike) -> Array:
    q = np.clip(np.asarray(p, dtype=np.float64), PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON)
    return np.asarray(np.log(q) - np.log1p(-q), dtype=np.float64)


def _sigmoid(z: Array) -> Array:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)  # no overflow for large |z|


@dataclass(frozen=True)
class Calibration:
    """``p -> sigmoid(slope * logit(p) + intercept)``; the identity when ``slope`` is 1 and ``intercept`` 0."""

    slope: float = 1.0
    intercept: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.slope) and np.isfinite(self.intercept)) or self.slope <= 0:
            raise ValueError(f"a calibration needs a finite positive slope and a finite intercept, got "
                             f"slope={self.slope!r}, intercept={self.intercept!r}")

    @property
    def identity(self) -> bool:
        return self.slope == 1.0 and self.intercept == 0.0

    def __call__(self, p: npt.ArrayLike) -> Array:
        """The calibrated probabilities of classifier probabilities ``p``."""
        probs = np.asarray(p, dtype=np.float64)
        if self.identity:
            return probs
        # 0 and 1 are fixed points (the map's limits there): a blank line's 0 stays 0.
        mapped = _sigmoid(self.slope * _logit(probs) + self.intercept)
        return np.where(probs <= 0.0, 0.0, np.where(probs >= 1.0, 1.0, mapped))

    def value(self, p: float) -> float:
        """:meth:`__call__` of one probability."""
        return float(self(np.array([p]))[0])

    def inverse(self, q: float) -> float:
        """The classifier probability whose calibrated value is ``q`` (a threshold on the calibrated scale, back
        on the classifier's); 0 and 1 stay 0 and 1."""
        if self.identity or q <= 0.0 or q >= 1.0:
            return float(q)
        return float(_sigmoid(np.array([(float(_logit(q)) - self.intercept) / self.slope]))[0])

    def to_dict(self) -> dict[str, Any]:
        return {"method": "platt", "slope": self.slope, "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Calibration:
        """What :meth:`to_dict` wrote; the identity for ``None`` (a bundle saved before calibration)."""
        if data is None:
            return cls()
        if data.get("method") != "platt":
            raise ValueError(f"unknown calibration method {data.get('method')!r}")
        return cls(float(data["slope"]), float(data["intercept"]))


def fit_calibration(y: npt.ArrayLike, p: npt.ArrayLike, weight: npt.ArrayLike | None = None,
                    ridge: float = RIDGE_DEFAULT) -> Calibration:
    """Platt scaling: the slope and intercept of least weighted log loss of ``y`` (1 content, 0 chrome) given
    ``logit(p)``, by Newton's method. The identity when ``y`` holds one class or a fitted slope is not positive
    (probabilities that rank the lines backwards are not something a monotone map should learn)."""
    labels = np.asarray(y, dtype=np.float64)
    x = _logit(p)
    w = np.ones_like(x) if weight is None else np.asarray(weight, dtype=np.float64)
    if len(x) == 0 or len(np.unique(labels)) < 2:
        return Calibration()
    w = w / w.sum()
    design = np.column_stack([x, np.ones_like(x)])
    prior = np.array([1.0, 0.0])

    def loss(theta: Array) -> float:
        z = design @ theta
        # log(1 + e^z) - y z, without overflow
        return float(w @ (np.logaddexp(0.0, z) - labels * z) + 0.5 * ridge * np.sum((theta - prior) ** 2))

    theta, current = prior.copy(), loss(prior)
    for _ in range(NEWTON_MAX_STEPS):
        q = _sigmoid(design @ theta)
        gradient = design.T @ (w * (q - labels)) + ridge * (theta - prior)
        hessian = (design * (w * q * (1.0 - q))[:, None]).T @ design + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        # Newton's step, halved until the loss does not rise (a full step can overshoot far from the optimum).
        for _ in range(NEWTON_MAX_HALVINGS):
            candidate = theta - step
            value = loss(candidate)
            if value <= current:
                break
            step = step / 2.0
        else:
            break
        theta, current = candidate, value
        if np.max(np.abs(step)) < NEWTON_TOLERANCE:
            break
    slope, intercept = float(theta[0]), float(theta[1])
    if not (np.isfinite(slope) and np.isfinite(intercept)) or slope <= 0:
        return Calibration()
    return Calibration(slope, intercept)


def expected_calibration_error(y: npt.ArrayLike, p: npt.ArrayLike, weight: npt.ArrayLike | None = None,
                               bins: int = ECE_BINS_DEFAULT) -> float:
    """The weighted mean over ``bins`` equal probability bins of |share of content - mean probability|, each bin
    weighing its share of the lines (of their weight): 0 for a calibrated model. NaN without lines."""
    labels = np.asarray(y, dtype=np.float64)
    probs = np.asarray(p, dtype=np.float64)
    w = np.ones_like(probs) if weight is None else np.asarray(weight, dtype=np.float64)
    if len(probs) == 0 or w.sum() <= 0:
        return float("nan")
    which = np.clip((probs * bins).astype(np.int64), 0, bins - 1)
    total = np.bincount(which, weights=w, minlength=bins)
    content = np.bincount(which, weights=w * labels, minlength=bins)
    mean_p = np.bincount(which, weights=w * probs, minlength=bins)
    filled = total > 0
    gap = np.abs(content[filled] - mean_p[filled]) / total[filled]
    return float((gap * total[filled]).sum() / total.sum())
