"""A run that ships its bundle as an ensemble with bundles trained before (``model.ensemble_with``).

The run fits its own bundle as any run does; the bundles named in ``model.ensemble_with`` (folders, MLflow model
URIs, or ``html`` / ``text`` / ``markdown`` for the shipped ones) score the same validation and test lines as
inference reads them (without their site), the mean of every member's probability is what the run measures, and
the ``val`` threshold is tuned on that mean as a single bundle's is (best weighted line F1 on the validation
sites). The run's bundle is the last member (:mod:`chromecut.model.ensemble`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.labels import Label
from chromecut.model.bundle import Bundle
from chromecut.model.ensemble import Ensemble, load_model
from chromecut.model.estimator import line_weights, tune_threshold
from chromecut.settings import ModelSettings
from chromecut.train.frame import site_view

#: The splits whose lines every member scores (the training lines are the run's own bundle's alone).
SCORED_SPLITS = ("val", "test")


def check_settings(settings: ModelSettings) -> None:
    """An ensemble decides by one threshold on the mean probability: the ``val`` policy, no calibration, no
    smoothing."""
    if settings.threshold_policy != "val" or settings.calibration != "none" or settings.smoothing:
        raise ValueError("model.ensemble_with needs model.threshold_policy=val, model.calibration=none and "
                         "model.smoothing=0")


def load_members(names: list[str], mode: str, root: Path) -> list[Bundle]:
    """The bundles of ``model.ensemble_with`` (folders, a relative one read from the project root; MLflow model
    URIs; shipped names), each a single bundle of the run's mode."""
    from chromecut.predict import resolve_model

    members = []
    for name in names:
        path = resolve_model(name)
        member = load_model(path if path.is_absolute() else root / path)
        if not isinstance(member, Bundle):
            raise ValueError(f"model.ensemble_with: {name} is an ensemble; name its members instead")
        if member.mode != mode:
            raise ValueError(f"model.ensemble_with: {name} reads {member.mode}, the run {mode}")
        members.append(member)
    return members


def mean_probabilities(members: list[Bundle], parts: dict[str, pd.DataFrame],
                       own: dict[str, npt.NDArray[np.float64]]) -> dict[str, npt.NDArray[np.float64]]:
    """The mean of the members' and the run's own probabilities (``own``) of the :data:`SCORED_SPLITS` lines."""
    out = {}
    for split in SCORED_SPLITS:
        view = site_view(parts[split], 0.0)
        total = own[split].copy()
        for member in members:
            total += member.predict_proba(view)
        out[split] = total / (len(members) + 1)
    return out


def validation_threshold(val: pd.DataFrame, p: npt.NDArray[np.float64], settings: ModelSettings,
                         definition_weight: npt.NDArray[np.float64] | float = 1.0) -> float:
    """The ``val`` policy on the mean probabilities ``p`` of the validation lines: best line F1, the lines
    weighed as training weighs them (line weight times the definition's weight)."""
    weights = line_weights(val["text"], settings.line_weight) * definition_weight
    known = val["label"].to_numpy() != Label.UNKNOWN
    return tune_threshold(val["label"].to_numpy()[known].astype(np.int8), p[known], weights[known])


def ensemble(members: list[Bundle], bundle: Bundle, threshold: float) -> Ensemble:
    """The members and the run's bundle, last, deciding at ``threshold`` with the run's fallback."""
    return Ensemble([*members, bundle], threshold, bundle.fallback_chars)
