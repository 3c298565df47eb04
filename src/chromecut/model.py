"""The model bundle: a LightGBM text model, a JSON feature schema, the fitted featurizer state and a model card.

A bundle is a folder::

    model.txt              LightGBM's own text format (never a pickle)
    schema.json            bundle format, featurizer version and parameters, mode, feature names in order,
                           decision threshold, SHA-256 of model.txt and line_frequency.json
    line_frequency.json    the featurizer's corpus line-frequency table
    card.json              what it was trained on (datasets, licenses) and how well it scored

Loading checks the checksums and that the installed featurizer produces exactly the schema's features, and
refuses a bundle that does not match with an error that says what differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import FEATURIZER_VERSION, Featurizer

BUNDLE_FORMAT = 1
MODEL_FILE = "model.txt"
SCHEMA_FILE = "schema.json"
FREQUENCY_FILE = "line_frequency.json"
CARD_FILE = "card.json"
THRESHOLD_DEFAULT = 0.5


class BundleError(ValueError):
    """A bundle that cannot be used: missing files, tampered files, or a schema the featurizer does not match."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Bundle:
    """A trained line classifier: featurizer + booster + threshold, with its model card."""

    featurizer: Featurizer
    booster: lgb.Booster
    threshold: float = THRESHOLD_DEFAULT
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """``html`` or ``text``."""
        return self.featurizer.mode

    @property
    def feature_names(self) -> list[str]:
        """Feature names in the order the booster expects them."""
        return list(self.featurizer.feature_names_)

    def predict_features(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Probability of content for each row of a feature table."""
        if features.empty:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self.booster.predict(features.to_numpy(dtype=np.float32)), dtype=np.float64)

    def contributions(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Per-feature contributions (SHAP values from LightGBM), one row per line, last column the bias."""
        if features.empty:
            return np.zeros((0, len(self.feature_names) + 1), dtype=np.float64)
        return np.asarray(
            self.booster.predict(features.to_numpy(dtype=np.float32), pred_contrib=True), dtype=np.float64
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the bundle folder atomically: to a temporary sibling, then renamed into place."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            self.booster.save_model(str(staging / MODEL_FILE))
            (staging / FREQUENCY_FILE).write_text(
                json.dumps(self.featurizer.line_frequency_, ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )
            schema = {
                "bundle_format": BUNDLE_FORMAT,
                "featurizer_version": FEATURIZER_VERSION,
                "featurizer_params": self.featurizer.get_params(),
                "mode": self.mode,
                "feature_names": self.feature_names,
                "threshold": self.threshold,
                "sha256": {name: _sha256(staging / name) for name in (MODEL_FILE, FREQUENCY_FILE)},
            }
            (staging / SCHEMA_FILE).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
            (staging / CARD_FILE).write_text(
                json.dumps(self.card, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )
            if target.exists():
                backup = target.with_name(f".{target.name}.old")
                shutil.rmtree(backup, ignore_errors=True)
                target.rename(backup)
                staging.rename(target)
                shutil.rmtree(backup, ignore_errors=True)
            else:
                staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Bundle:
        """Load and verify a bundle folder; never unpickles anything."""
        folder = Path(path)
        for name in (MODEL_FILE, SCHEMA_FILE, FREQUENCY_FILE):
            if not (folder / name).is_file():
                raise BundleError(f"{folder}: not a chromecut bundle ({name} is missing)")
        schema = json.loads((folder / SCHEMA_FILE).read_text(encoding="utf-8"))
        if schema.get("bundle_format") != BUNDLE_FORMAT:
            raise BundleError(f"{folder}: bundle format {schema.get('bundle_format')} is not {BUNDLE_FORMAT}")
        for name, expected in schema.get("sha256", {}).items():
            actual = _sha256(folder / name)
            if actual != expected:
                raise BundleError(f"{folder}: {name} does not match its checksum (tampered or corrupt)")
        if schema.get("featurizer_version") != FEATURIZER_VERSION:
            raise BundleError(
                f"{folder}: built with featurizer version {schema.get('featurizer_version')!r}, the installed "
                f"chromecut has {FEATURIZER_VERSION!r}; retrain the bundle"
            )
        params = dict(schema["featurizer_params"])
        params["stopword_languages"] = tuple(params.get("stopword_languages", ()))
        mode = params.pop("mode")
        featurizer = Featurizer(mode, **params)
        featurizer.line_frequency_ = json.loads((folder / FREQUENCY_FILE).read_text(encoding="utf-8"))
        featurizer.feature_names_ = list(schema["feature_names"])
        expected_names = featurizer.output_names()
        if expected_names != featurizer.feature_names_:
            missing = sorted(set(featurizer.feature_names_) - set(expected_names))
            extra = sorted(set(expected_names) - set(featurizer.feature_names_))
            raise BundleError(
                f"{folder}: feature schema does not match the installed featurizer "
                f"(unknown to it: {missing[:5]}, not in the bundle: {extra[:5]}, or another order)"
            )
        booster = lgb.Booster(model_str=(folder / MODEL_FILE).read_text(encoding="utf-8"))
        if booster.num_feature() != len(featurizer.feature_names_):
            raise BundleError(f"{folder}: model has {booster.num_feature()} features, schema lists "
                              f"{len(featurizer.feature_names_)}")
        card_path = folder / CARD_FILE
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
        return cls(featurizer, booster, float(schema["threshold"]), card)

