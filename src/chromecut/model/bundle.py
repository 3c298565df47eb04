"""The model bundle: a LightGBM text model, a JSON feature schema, the fitted featurizer state and a model card.

A bundle is a folder::

    model.txt              LightGBM's own text format (never a pickle): the first, line-by-line pass
    context_model.txt      the second pass, which also sees the first pass's probabilities of the line's
                           neighbours, page and container (optional)
    schema.json            bundle format, featurizer version and parameters, mode, feature names in order,
                           decision threshold, SHA-256 of model.txt and line_frequency.json
    line_frequency.json    the featurizer's corpus line-frequency table
    card.json              what it was trained on (datasets, licenses) and how well it scored

Loading checks the checksums and that the installed featurizer produces exactly the schema's features, and
refuses a bundle that does not match with an error that says what differs. A loaded bundle predicts with
LightGBM, or with its boosters compiled to native code (``predictor="compiled"``, :mod:`chromecut.model.compiled`).
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

from chromecut.features.frame import FEATURIZER_VERSION, Featurizer, context_features
from chromecut.model.compiled import PREDICTOR_DEFAULT, PREDICTORS, CompiledForest, Predictor

BUNDLE_FORMAT = 1
MODEL_FILE = "model.txt"
CONTEXT_MODEL_FILE = "context_model.txt"
SCHEMA_FILE = "schema.json"
FREQUENCY_FILE = "line_frequency.json"
CARD_FILE = "card.json"
THRESHOLD_DEFAULT = 0.5
#: Threads LightGBM uses to predict: one, since a page is small and parallelism comes from worker processes
#: (more threads per process only spin against each other on a busy machine).
PREDICT_THREADS_DEFAULT = 1
BUNDLE_DIR_MODE = 0o755
#: The two passes, as indices of :attr:`Bundle.compiled`.
FIRST_PASS, CONTEXT_PASS = 0, 1


class BundleError(ValueError):
    """A bundle that cannot be used: missing files, tampered files, or a schema the featurizer does not match."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify_checksums(folder: Path, schema: dict[str, Any]) -> None:
    """Every file the models are read from must have its SHA-256 in the schema, and match it; checksums of
    anything else (a path outside the bundle) are refused."""
    checksums = schema.get("sha256")
    if not isinstance(checksums, dict):
        raise BundleError(f"{folder}: {SCHEMA_FILE} holds no checksums")
    required = {MODEL_FILE, FREQUENCY_FILE}
    if schema.get("context_feature_names"):
        required.add(CONTEXT_MODEL_FILE)
    unknown = sorted(set(checksums) - required - {CONTEXT_MODEL_FILE})
    if unknown:
        raise BundleError(f"{folder}: checksums of unknown files {unknown}")
    missing = sorted(required - set(checksums))
    if missing:
        raise BundleError(f"{folder}: no checksum for {missing} (tampered or corrupt schema)")
    for name in sorted(required):
        if not (folder / name).is_file():
            raise BundleError(f"{folder}: {name} is missing")
        if _sha256(folder / name) != checksums[name]:
            raise BundleError(f"{folder}: {name} does not match its checksum (tampered or corrupt)")


def _booster(path: Path) -> lgb.Booster:
    """A LightGBM model from its text file (never a pickle); a file LightGBM cannot read is a BundleError."""
    try:
        return lgb.Booster(model_str=path.read_text(encoding="utf-8"))
    except (lgb.basic.LightGBMError, UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"{path.parent}: {path.name} is not a LightGBM text model ({exc})") from None


@dataclass
class Bundle:
    """A trained line classifier: featurizer + first-pass booster (+ context-pass booster) + threshold."""

    featurizer: Featurizer
    booster: lgb.Booster
    threshold: float = THRESHOLD_DEFAULT
    card: dict[str, Any] = field(default_factory=dict)
    context_booster: lgb.Booster | None = None
    predict_threads: int = PREDICT_THREADS_DEFAULT
    #: Compiled forests of ``booster`` and ``context_booster`` (see :meth:`use_predictor`), else ``None``.
    compiled: tuple[CompiledForest, CompiledForest | None] | None = field(default=None, repr=False)

    @property
    def predictor(self) -> Predictor:
        """``compiled`` when the boosters run as native code (:mod:`chromecut.model.compiled`), else ``lightgbm``."""
        return "lightgbm" if self.compiled is None else "compiled"

    def use_predictor(self, predictor: Predictor) -> Bundle:
        """Predict with LightGBM (the default) or with the boosters compiled to native code (same
        probabilities, several times faster; compiled once per machine, then cached). Returns ``self``."""
        if predictor not in PREDICTORS:
            raise ValueError(f"unknown predictor {predictor!r}: choose one of {', '.join(PREDICTORS)}")
        if predictor == "lightgbm":
            self.compiled = None
        elif self.compiled is None:
            context = None if self.context_booster is None else CompiledForest(self.context_booster)
            self.compiled = (CompiledForest(self.booster), context)
        return self

    def _predict(self, which: int, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Probabilities of the :data:`FIRST_PASS` or :data:`CONTEXT_PASS` booster for a feature table."""
        matrix = features.to_numpy(dtype=np.float32)
        forest = None if self.compiled is None else self.compiled[which]
        if forest is not None:
            return forest.predict(matrix)
        booster = self.booster if which == FIRST_PASS else self.context_booster
        assert booster is not None
        return np.asarray(booster.predict(matrix, num_threads=self.predict_threads), dtype=np.float64)

    @property
    def mode(self) -> str:
        """``html`` or ``text``."""
        return self.featurizer.mode

    @property
    def feature_names(self) -> list[str]:
        """Feature names in the order the first-pass booster expects them."""
        return list(self.featurizer.feature_names_)

    @property
    def final_feature_names(self) -> list[str]:
        """Features of the booster that makes the decision (the context pass when there is one)."""
        if self.context_booster is None:
            return self.feature_names
        return [str(n) for n in self.context_booster.feature_name()]

    def first_pass(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Probability of content from the line-by-line pass."""
        if features.empty:
            return np.zeros(0, dtype=np.float64)
        return self._predict(FIRST_PASS, features)

    def final_features(self, frame: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
        """The decision booster's input: line features, plus the context of first-pass probabilities."""
        if self.context_booster is None:
            return features
        context = context_features(frame, self.first_pass(features), self.mode)
        return pd.concat([features, context], axis=1)

    def predict_proba(self, frame: pd.DataFrame, features: pd.DataFrame | None = None) -> npt.NDArray[np.float64]:
        """Probability of content of every line of a line frame (features computed when not given)."""
        if features is None:
            features = self.featurizer.transform(frame)
        if features.empty:
            return np.zeros(0, dtype=np.float64)
        if self.context_booster is None:
            return self.first_pass(features)
        return self._predict(CONTEXT_PASS, self.final_features(frame, features))

    def contributions(self, frame: pd.DataFrame, features: pd.DataFrame | None = None) -> npt.NDArray[np.float64]:
        """Per-feature contributions (SHAP values from LightGBM) of the decision booster, one row per line, in
        :attr:`final_feature_names` order plus a last bias column."""
        if features is None:
            features = self.featurizer.transform(frame)
        booster = self.context_booster or self.booster
        if features.empty:
            return np.zeros((0, len(self.final_feature_names) + 1), dtype=np.float64)
        final = self.final_features(frame, features)
        return np.asarray(
            booster.predict(final.to_numpy(dtype=np.float32), pred_contrib=True, num_threads=self.predict_threads),
            dtype=np.float64,
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the bundle folder atomically: to a temporary sibling, then renamed into place."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            self.booster.save_model(str(staging / MODEL_FILE))
            checked = [MODEL_FILE, FREQUENCY_FILE]
            if self.context_booster is not None:
                self.context_booster.save_model(str(staging / CONTEXT_MODEL_FILE))
                checked.append(CONTEXT_MODEL_FILE)
            (staging / FREQUENCY_FILE).write_text(
                json.dumps(self.featurizer.line_frequency_, ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )
            schema = {
                "bundle_format": BUNDLE_FORMAT,
                "featurizer_version": FEATURIZER_VERSION,
                "featurizer_params": self.featurizer.get_params(),
                "mode": self.mode,
                "feature_names": self.feature_names,
                "context_feature_names": self.final_feature_names if self.context_booster is not None else None,
                "threshold": self.threshold,
                "sha256": {name: _sha256(staging / name) for name in checked},
            }
            (staging / SCHEMA_FILE).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
            (staging / CARD_FILE).write_text(
                json.dumps(self.card, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )
            staging.chmod(BUNDLE_DIR_MODE)  # mkdtemp makes it private; a bundle is meant to be shared
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
    def load(cls, path: str | os.PathLike[str], predictor: Predictor = PREDICTOR_DEFAULT) -> Bundle:
        """Load and verify a bundle folder, to predict with ``predictor`` (see :meth:`use_predictor`); never
        unpickles anything."""
        folder = Path(path)
        for name in (MODEL_FILE, SCHEMA_FILE, FREQUENCY_FILE):
            if not (folder / name).is_file():
                raise BundleError(f"{folder}: not a chromecut bundle ({name} is missing)")
        try:
            schema = json.loads((folder / SCHEMA_FILE).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise BundleError(f"{folder}: {SCHEMA_FILE} is not valid JSON ({exc})") from None
        if not isinstance(schema, dict):
            raise BundleError(f"{folder}: {SCHEMA_FILE} is not a JSON object")
        if schema.get("bundle_format") != BUNDLE_FORMAT:
            raise BundleError(f"{folder}: bundle format {schema.get('bundle_format')} is not {BUNDLE_FORMAT}")
        _verify_checksums(folder, schema)
        if schema.get("featurizer_version") != FEATURIZER_VERSION:
            raise BundleError(
                f"{folder}: built with featurizer version {schema.get('featurizer_version')!r}, the installed "
                f"chromecut has {FEATURIZER_VERSION!r}; retrain the bundle"
            )
        try:
            params = dict(schema["featurizer_params"])
            params["stopword_languages"] = tuple(params.get("stopword_languages", ()))
            mode = params.pop("mode")
            featurizer = Featurizer(mode, **params)
            float(schema["threshold"])
            list(schema["feature_names"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BundleError(f"{folder}: {SCHEMA_FILE} is incomplete or malformed ({type(exc).__name__}: {exc})"
                              ) from None
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
        booster = _booster(folder / MODEL_FILE)
        if booster.num_feature() != len(featurizer.feature_names_):
            raise BundleError(f"{folder}: model has {booster.num_feature()} features, schema lists "
                              f"{len(featurizer.feature_names_)}")
        context_booster = None
        if schema.get("context_feature_names"):
            if not (folder / CONTEXT_MODEL_FILE).is_file():
                raise BundleError(f"{folder}: schema names a context pass but {CONTEXT_MODEL_FILE} is missing")
            context_booster = _booster(folder / CONTEXT_MODEL_FILE)
            if [str(n) for n in context_booster.feature_name()] != list(schema["context_feature_names"]):
                raise BundleError(f"{folder}: context model features do not match the schema")
        card_path = folder / CARD_FILE
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
        bundle = cls(featurizer, booster, float(schema["threshold"]), card, context_booster)
        return bundle.use_predictor(predictor)

