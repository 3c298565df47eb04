"""An ensemble bundle: several bundles of one mode as one model, the mean of their content probabilities.

A retrained candidate often ranks lines better than the bundle it would replace and still gets some pages wrong
that the older bundle gets right; the mean of the two keeps much of each (docs/training.md, "An ensemble with the
shipped model"). An ensemble is a folder::

    schema.json     bundle format, mode, the members' folders in order, the decision threshold (on the mean
                    probability), the decision's fallback, SHA-256 of each member's schema.json
    member-1/ ...   each member a bundle (chromecut.model.bundle), with its own featurizer, passes and checksums
    card.json       what it was built from and how well it scored

Each member featurises the lines itself and runs its own two passes; the ensemble decides on the mean with the
decision of :mod:`chromecut.model.decision` (no smoothing; its own threshold and fallback). ``p_content`` is that
mean: an ensemble has no calibration of its own. :func:`load_model` reads either kind of folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.model.bundle import (
    BUNDLE_FORMAT,
    CARD_FILE,
    SCHEMA_FILE,
    Bundle,
    BundleError,
    file_sha256,
    read_schema,
    write_folder,
)
from chromecut.model.calibration import Calibration
from chromecut.model.compiled import PREDICTOR_DEFAULT, Predictor

#: The schema key that makes a folder an ensemble: its members' folder names, in order.
MEMBERS_KEY = "members"
#: The folder name of the i-th member (from 1).
MEMBER_DIR = "member-{}"
#: An ensemble has at least this many members.
MIN_MEMBERS = 2


@dataclass
class Ensemble:
    """Bundles of one mode whose mean content probability is decided at one threshold (see the module)."""

    members: list[Bundle]
    #: The decision threshold on the members' mean probability.
    threshold: float
    #: The decision's fallback (:mod:`chromecut.model.decision`); 0 never.
    fallback_chars: int = 0
    card: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.members) < MIN_MEMBERS:
            raise BundleError(f"an ensemble needs {MIN_MEMBERS} members or more, not {len(self.members)}")
        modes = sorted({member.mode for member in self.members})
        if len(modes) != 1:
            raise BundleError(f"the members of an ensemble read one mode, not {' and '.join(modes)}")

    @property
    def mode(self) -> str:
        """``html`` or ``text``: its members'."""
        return self.members[0].mode

    @property
    def calibration(self) -> Calibration:
        """The identity: ``p_content`` is the members' mean probability."""
        return Calibration()

    @property
    def p_content_threshold(self) -> float:
        """:attr:`threshold`, on the scale of ``p_content`` (the same scale)."""
        return self.threshold

    @property
    def smoothing(self) -> float:
        """No smoothing: the threshold and the fallback decide."""
        return 0.0

    @property
    def predictor(self) -> Predictor:
        """How the members' boosters run (see :meth:`use_predictor`)."""
        return self.members[0].predictor

    def use_predictor(self, predictor: Predictor) -> Ensemble:
        """Every member predicts with ``predictor`` (:meth:`chromecut.model.bundle.Bundle.use_predictor`)."""
        for member in self.members:
            member.use_predictor(predictor)
        return self

    def predict_proba(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        """The mean over the members of each line's probability of content, each member featurising the frame."""
        total = np.zeros(len(frame))
        for member in self.members:
            total += member.predict_proba(frame)
        return total / len(self.members)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the ensemble folder atomically: each member as a bundle, then the schema over them."""
        return write_folder(path, self._write_members, self.card)

    def _write_members(self, staging: Path) -> dict[str, Any]:
        """Write each member into ``staging``; returns the schema over them."""
        names = [MEMBER_DIR.format(i) for i in range(1, len(self.members) + 1)]
        for name, member in zip(names, self.members, strict=True):
            member.save(staging / name)
        return {
            "bundle_format": BUNDLE_FORMAT,
            "mode": self.mode,
            MEMBERS_KEY: names,
            "threshold": self.threshold,
            **({"fallback_chars": self.fallback_chars} if self.fallback_chars else {}),
            "sha256": {f"{name}/{SCHEMA_FILE}": file_sha256(staging / name / SCHEMA_FILE) for name in names},
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str], predictor: Predictor = PREDICTOR_DEFAULT) -> Ensemble:
        """Load and verify an ensemble folder: its schema, each member's checksum and each member as a bundle."""
        folder = Path(path)
        schema = read_schema(folder)
        names = schema.get(MEMBERS_KEY)
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise BundleError(f"{folder}: {SCHEMA_FILE} lists no member folders")
        if schema.get("bundle_format") != BUNDLE_FORMAT:
            raise BundleError(f"{folder}: bundle format {schema.get('bundle_format')} is not {BUNDLE_FORMAT}")
        checksums = schema.get("sha256")
        expected = {f"{name}/{SCHEMA_FILE}" for name in names}
        if not isinstance(checksums, dict) or set(checksums) != expected:
            raise BundleError(f"{folder}: {SCHEMA_FILE} must hold the checksum of each member's {SCHEMA_FILE}, "
                              "and nothing else")
        for name in names:
            member_schema = folder / name / SCHEMA_FILE
            if Path(name).name != name or not member_schema.is_file():
                raise BundleError(f"{folder}: member {name!r} is not a bundle folder inside the ensemble")
            if file_sha256(member_schema) != checksums[f"{name}/{SCHEMA_FILE}"]:
                raise BundleError(f"{folder}: {name}/{SCHEMA_FILE} does not match its checksum (tampered or corrupt)")
        try:
            threshold = float(schema["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BundleError(f"{folder}: {SCHEMA_FILE} gives no threshold ({type(exc).__name__}: {exc})") from None
        fallback_chars = schema.get("fallback_chars", 0)
        if isinstance(fallback_chars, bool) or not isinstance(fallback_chars, int) or fallback_chars < 0:
            raise BundleError(f"{folder}: {SCHEMA_FILE} gives the fallback_chars {fallback_chars!r}: a whole number "
                              "of characters, 0 or more")
        if not 0.0 <= threshold <= 1.0:
            raise BundleError(f"{folder}: {SCHEMA_FILE} gives the threshold {threshold}: a probability")
        members = [Bundle.load(folder / name, predictor) for name in names]
        card_path = folder / CARD_FILE
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
        try:
            ensemble = cls(members, threshold, fallback_chars, card)
        except BundleError as exc:
            raise BundleError(f"{folder}: {exc}") from None
        if schema.get("mode") != ensemble.mode:
            raise BundleError(f"{folder}: {SCHEMA_FILE} gives the mode {schema.get('mode')!r}, its members "
                              f"read {ensemble.mode!r}")
        return ensemble


#: What :func:`load_model` returns: a bundle or an ensemble of bundles.
Model = Bundle | Ensemble


def is_ensemble(path: str | os.PathLike[str]) -> bool:
    """Whether the folder holds an ensemble (its schema lists members), not a single bundle."""
    folder = Path(path)
    return (folder / SCHEMA_FILE).is_file() and MEMBERS_KEY in read_schema(folder)


def load_model(path: str | os.PathLike[str], predictor: Predictor = PREDICTOR_DEFAULT) -> Model:
    """A bundle folder or an ensemble folder, loaded and verified (:meth:`Bundle.load`, :meth:`Ensemble.load`)."""
    if is_ensemble(path):
        return Ensemble.load(path, predictor)
    return Bundle.load(path, predictor)
