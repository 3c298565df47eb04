"""Shared fixtures: tiny trained bundles built from hand-made pages (no dataset needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chromecut.features.frame import Featurizer
from chromecut.model.bundle import Bundle
from chromecut.settings import ModelSettings
from chromecut.train.core import fit_bundle

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import synthetic_frame


def _tiny_bundle(mode: str) -> Bundle:
    parts = {s: synthetic_frame(n, s) for s, n in (("train", 12), ("val", 4), ("test", 4))}
    if mode == "text":
        parts = {s: p[["doc", "line", "text", "domain", "label", "split"]] for s, p in parts.items()}
    featurizer = Featurizer(mode)  # type: ignore[arg-type]
    features = {"train": featurizer.fit_transform(parts["train"])}
    features.update({s: featurizer.transform(parts[s]) for s in ("val", "test")})
    settings = ModelSettings(num_boost_round=20, min_data_in_leaf=2, num_threads=1, early_stopping_rounds=5)
    bundle, _ = fit_bundle(featurizer, parts, features, settings, seed=1)
    return bundle


@pytest.fixture(scope="session")
def tiny_bundle() -> Bundle:
    return _tiny_bundle("html")


@pytest.fixture(scope="session")
def tiny_text_bundle() -> Bundle:
    return _tiny_bundle("text")


@pytest.fixture()
def saved_bundle(tiny_bundle: Bundle, tmp_path: Path) -> Path:
    return tiny_bundle.save(tmp_path / "bundle")
