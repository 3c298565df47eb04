"""The model bundle: a LightGBM text model, a JSON feature schema, the fitted featurizer state and a model card.

A bundle is a folder::

    model.txt              LightGBM's own text format (never a pickle): the first, line-by-line pass
    context_model.txt      the second pass, which also sees the first pass's probabilities of the line's
                           neighbours, page and container (optional)
    schema.json            bundle format, featurizer version and parameters, mode, feature names in order,
                           decision threshold, the decision's smoothing and fallback when on
                           (chromecut.model.decision), the calibration of p_content when fitted
                           (chromecut.model.calibration), SHA-256 of model.txt, line_frequency.json and the vocabularies
    line_frequency.json    the featurizer's corpus line-frequency table
    vocab.json             its learnt vocabulary, when it has the family (chromecut.features.vocab)
    attr_vocab.json        its learnt class/id word vocabulary, when an HTML featurizer has that family
    card.json              what it was trained on (datasets, licenses) and how well it scored

Loading checks the checksums and that the installed featurizer produces exactly the schema's features, and
refuses a bundle that does not match with an error that says what differs. A loaded bundle predicts with
LightGBM, with its boosters compiled to native code (``predictor="compiled"``, :mod:`chromecut.model.compiled`), or
with the model text evaluated by the Rust core (``predictor="native"``, :mod:`chromecut.model.native`). Its
featurizer computes in the Rust core, as the training run's did.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import FEATURIZER_VERSION, Featurizer
from chromecut.features.vocab import VocabTable
from chromecut.model.calibration import Calibration
from chromecut.model.compiled import PREDICTOR_DEFAULT, Predictor
from chromecut.model.estimator import TwoPassClassifier
from chromecut.model.passes import ModelTextError, PassModel

BUNDLE_FORMAT = 1
MODEL_FILE = "model.txt"
CONTEXT_MODEL_FILE = "context_model.txt"
SCHEMA_FILE = "schema.json"
FREQUENCY_FILE = "line_frequency.json"
VOCAB_FILE = "vocab.json"
ATTR_VOCAB_FILE = "attr_vocab.json"
CARD_FILE = "card.json"
BUNDLE_DIR_MODE = 0o755


class BundleError(ValueError):
    """A bundle that cannot be used: missing files, tampered files, or a schema the featurizer does not match."""


def _vocab_table(folder: Path, name: str = VOCAB_FILE) -> VocabTable:
    """A learnt vocabulary of the bundle (``vocab.json`` or ``attr_vocab.json``: each known unit's chrome
    log-odds)."""
    path = folder / name
    if not path.is_file():
        raise BundleError(f"{folder}: its featurizer has the vocabulary family but {name} is missing")
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(unit): float(weight) for unit, weight in table.items()}
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:
        raise BundleError(f"{folder}: {name} is not a JSON object of numbers ({exc})") from None
    if not all(np.isfinite(w) for w in weights.values()):
        raise BundleError(f"{folder}: {name} holds a weight that is not a finite number")
    return VocabTable.from_whole(weights)


def file_sha256(path: Path) -> str:
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
    params = schema.get("featurizer_params")
    if isinstance(params, dict) and params.get("vocab_features"):
        required.add(VOCAB_FILE)
    if isinstance(params, dict) and params.get("attr_vocab_features") and params.get("mode") == "html":
        required.add(ATTR_VOCAB_FILE)
    unknown = sorted(set(checksums) - required - {CONTEXT_MODEL_FILE, VOCAB_FILE, ATTR_VOCAB_FILE})
    if unknown:
        raise BundleError(f"{folder}: checksums of unknown files {unknown}")
    missing = sorted(required - set(checksums))
    if missing:
        raise BundleError(f"{folder}: no checksum for {missing} (tampered or corrupt schema)")
    for name in sorted(required):
        if not (folder / name).is_file():
            raise BundleError(f"{folder}: {name} is missing")
        if file_sha256(folder / name) != checksums[name]:
            raise BundleError(f"{folder}: {name} does not match its checksum (tampered or corrupt)")


def read_schema(folder: Path) -> dict[str, Any]:
    """A bundle's (or an ensemble's) ``schema.json``, a JSON object; anything else is a :class:`BundleError`."""
    path = folder / SCHEMA_FILE
    if not path.is_file():
        raise BundleError(f"{folder}: not a chromecut bundle ({SCHEMA_FILE} is missing)")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(f"{folder}: {SCHEMA_FILE} is not valid JSON ({exc})") from None
    if not isinstance(schema, dict):
        raise BundleError(f"{folder}: {SCHEMA_FILE} is not a JSON object")
    return schema


def write_folder(path: str | os.PathLike[str], write: Callable[[Path], dict[str, Any]], card: dict[str, Any],
                 ) -> Path:
    """Write a bundle's folder atomically: ``write`` fills a temporary sibling and returns the schema, written there
    with ``card``; the folder is then renamed into place (:func:`replace_folder`)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        schema = write(staging)
        (staging / SCHEMA_FILE).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        (staging / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str) + "\n",
                                         encoding="utf-8")
        staging.chmod(BUNDLE_DIR_MODE)  # mkdtemp makes it private; a bundle is meant to be shared
        replace_folder(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def replace_folder(staging: Path, target: Path) -> None:
    """Put the written folder ``staging`` in ``target``'s place by renames (the old one, if any, removed after)."""
    if target.exists():
        backup = target.with_name(f".{target.name}.old")
        shutil.rmtree(backup, ignore_errors=True)
        target.rename(backup)
        staging.rename(target)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        staging.rename(target)


def _pass_model(path: Path) -> PassModel:
    """A pass's LightGBM model from its text file (never a pickle), checked by the Rust core's parser (LightGBM
    itself is imported only when a LightGBM prediction asks for it); text it cannot read is a BundleError."""
    try:
        return PassModel.from_text(path.read_text(encoding="utf-8"))
    except (ModelTextError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path.parent}: {path.name} is not a LightGBM text model ({exc})") from None


@dataclass
class Bundle:
    """A trained line cleaner as files: the fitted featurizer, the fitted two-pass classifier and a model card.

    The bundle reads and writes them (:meth:`save`, :meth:`load`); what it predicts is the composition of its
    two parts: :meth:`predict_proba` featurises a line frame, then asks the classifier.
    """

    featurizer: Featurizer
    classifier: TwoPassClassifier
    card: dict[str, Any] = field(default_factory=dict)
    #: What ``p_content`` means on sites the model never saw (:mod:`chromecut.model.calibration`): the identity
    #: unless the run fitted one (``model.calibration``).
    calibration: Calibration = field(default_factory=Calibration)
    #: The decision's switch cost (:mod:`chromecut.model.decision`): 0 decides by the threshold alone.
    smoothing: float = 0.0
    #: The decision's fallback (:mod:`chromecut.model.decision`): a page that would keep fewer characters is
    #: decided at a lower threshold; 0 (and a bundle that names none) never.
    fallback_chars: int = 0

    @property
    def mode(self) -> str:
        """``html`` or ``text``."""
        return self.featurizer.mode

    @property
    def threshold(self) -> float:
        """The classifier's decision threshold (on the classifier's probabilities, which training and evaluation
        read)."""
        return self.classifier.threshold_

    @property
    def p_content_threshold(self) -> float:
        """The decision threshold on the calibrated scale of ``p_content`` (:attr:`calibration` of
        :attr:`threshold`): what :class:`chromecut.predict.Cleaner` reports and takes."""
        return self.calibration.value(self.threshold)

    @property
    def predictor(self) -> Predictor:
        """How the boosters run: ``lightgbm``, ``compiled`` or ``native`` (see :meth:`use_predictor`)."""
        return self.classifier.predictor

    def use_predictor(self, predictor: Predictor) -> Bundle:
        """Predict with LightGBM, the boosters compiled to native code, or the Rust core's trees; returns ``self``."""
        self.classifier.use_predictor(predictor)
        return self

    @property
    def feature_names(self) -> list[str]:
        """Feature names in the order the first-pass booster expects them."""
        return list(self.featurizer.feature_names_)

    @property
    def final_feature_names(self) -> list[str]:
        """Features of the booster that makes the decision (the context pass when there is one)."""
        return self.classifier.final_feature_names

    def predict_proba(self, frame: pd.DataFrame, features: pd.DataFrame | None = None) -> npt.NDArray[np.float64]:
        """Probability of content of every line of a line frame (features computed when not given)."""
        if features is None:
            features = self.featurizer.transform(frame)
        return self.classifier.predict_proba(features, frame)

    def contributions(self, frame: pd.DataFrame, features: pd.DataFrame | None = None) -> npt.NDArray[np.float64]:
        """Per-feature contributions (SHAP values) of the decision booster: one row per line, in
        :attr:`final_feature_names` order plus a last bias column."""
        if features is None:
            features = self.featurizer.transform(frame)
        return self.classifier.contributions(features, frame)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the bundle folder atomically: to a temporary sibling, then renamed into place."""
        return write_folder(path, self._write_models, self.card)

    def _write_models(self, staging: Path) -> dict[str, Any]:
        """Write the models and tables into ``staging``; returns the schema over them."""
        classifier = self.classifier
        first, context = classifier.passes_
        (staging / MODEL_FILE).write_text(first.text, encoding="utf-8")
        checked = [MODEL_FILE, FREQUENCY_FILE]
        if context is not None:
            (staging / CONTEXT_MODEL_FILE).write_text(context.text, encoding="utf-8")
            checked.append(CONTEXT_MODEL_FILE)
        (staging / FREQUENCY_FILE).write_text(
            json.dumps(self.featurizer.line_frequency_, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )
        if self.featurizer.vocab_features:
            (staging / VOCAB_FILE).write_text(
                json.dumps(self.featurizer.vocab_.whole(), ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )
            checked.append(VOCAB_FILE)
        if self.featurizer.attr_vocab_features and self.featurizer.mode == "html":
            (staging / ATTR_VOCAB_FILE).write_text(
                json.dumps(self.featurizer.attr_vocab_.whole(), ensure_ascii=False, sort_keys=True),
                encoding="utf-8",
            )
            checked.append(ATTR_VOCAB_FILE)
        return {
            "bundle_format": BUNDLE_FORMAT,
            "featurizer_version": FEATURIZER_VERSION,
            "featurizer_params": self.featurizer.get_params(),
            "mode": self.mode,
            "feature_names": self.feature_names,
            "context_feature_names": self.final_feature_names if context is not None else None,
            "threshold": self.threshold,
            **({"smoothing": self.smoothing} if self.smoothing else {}),
            **({"fallback_chars": self.fallback_chars} if self.fallback_chars else {}),
            **({} if self.calibration.identity else {"calibration": self.calibration.to_dict()}),
            "sha256": {name: file_sha256(staging / name) for name in checked},
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str], predictor: Predictor = PREDICTOR_DEFAULT) -> Bundle:
        """Load and verify a bundle folder, to predict with ``predictor`` (see :meth:`use_predictor`); never
        unpickles anything."""
        folder = Path(path)
        for name in (MODEL_FILE, SCHEMA_FILE, FREQUENCY_FILE):
            if not (folder / name).is_file():
                raise BundleError(f"{folder}: not a chromecut bundle ({name} is missing)")
        schema = read_schema(folder)
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
            smoothing = float(schema.get("smoothing", 0.0))
            fallback_chars = schema.get("fallback_chars", 0)
            list(schema["feature_names"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BundleError(f"{folder}: {SCHEMA_FILE} is incomplete or malformed ({type(exc).__name__}: {exc})"
                              ) from None
        if not np.isfinite(smoothing) or smoothing < 0:
            raise BundleError(f"{folder}: {SCHEMA_FILE} gives the smoothing {smoothing}: a switch cost of 0 or more")
        if isinstance(fallback_chars, bool) or not isinstance(fallback_chars, int) or fallback_chars < 0:
            raise BundleError(f"{folder}: {SCHEMA_FILE} gives the fallback_chars {fallback_chars!r}: a whole number "
                              "of characters, 0 or more")
        featurizer.line_frequency_ = json.loads((folder / FREQUENCY_FILE).read_text(encoding="utf-8"))
        if featurizer.vocab_features:
            featurizer.vocab_ = _vocab_table(folder)
        if featurizer.attr_vocab_features and featurizer.mode == "html":
            featurizer.attr_vocab_ = _vocab_table(folder, ATTR_VOCAB_FILE)
        featurizer.feature_names_ = list(schema["feature_names"])
        expected_names = featurizer.output_names()
        if expected_names != featurizer.feature_names_:
            missing = sorted(set(featurizer.feature_names_) - set(expected_names))
            extra = sorted(set(expected_names) - set(featurizer.feature_names_))
            raise BundleError(
                f"{folder}: feature schema does not match the installed featurizer "
                f"(unknown to it: {missing[:5]}, not in the bundle: {extra[:5]}, or another order)"
            )
        first = _pass_model(folder / MODEL_FILE)
        if first.num_features != len(featurizer.feature_names_):
            raise BundleError(f"{folder}: model has {first.num_features} features, schema lists "
                              f"{len(featurizer.feature_names_)}")
        context = None
        if schema.get("context_feature_names"):
            if not (folder / CONTEXT_MODEL_FILE).is_file():
                raise BundleError(f"{folder}: schema names a context pass but {CONTEXT_MODEL_FILE} is missing")
            context = _pass_model(folder / CONTEXT_MODEL_FILE)
            if context.feature_names != list(schema["context_feature_names"]):
                raise BundleError(f"{folder}: context model features do not match the schema")
        card_path = folder / CARD_FILE
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
        threshold = float(schema["threshold"])
        try:
            calibration = Calibration.from_dict(schema.get("calibration"))
        except (TypeError, KeyError, ValueError) as exc:
            raise BundleError(f"{folder}: unusable calibration in {SCHEMA_FILE}: {exc}") from None
        classifier = TwoPassClassifier.from_passes(featurizer.mode, first, context, threshold)
        return cls(featurizer, classifier, card, calibration, smoothing, fallback_chars).use_predictor(predictor)

