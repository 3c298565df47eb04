"""A pass's model as its text: feature names and trees without LightGBM, the Booster only when asked for."""

from __future__ import annotations

import pickle
from importlib import resources

import lightgbm as lgb
import numpy as np
import pytest

from chromecut.model.passes import ModelTextError, PassModel, feature_names_of


def _shipped_text(mode: str = "text") -> str:
    return (resources.files("chromecut") / "bundles" / mode / "model.txt").read_text(encoding="utf-8")


def test_a_saved_pass_reads_its_names_and_trees_from_the_text_and_builds_no_booster() -> None:
    text = _shipped_text()
    model = PassModel.from_text(text)
    booster = lgb.Booster(model_str=text)
    assert model.feature_names == [str(n) for n in booster.feature_name()]
    assert model.num_features == booster.num_feature() == model.forest.num_features
    assert not model.has_booster
    rows = np.random.default_rng(0).random((50, model.num_features), dtype=np.float32)
    assert np.array_equal(model.forest.predict_proba(rows), booster.predict(rows))
    assert not model.has_booster  # the trees came from the Rust core
    assert np.array_equal(model.booster.predict(rows), booster.predict(rows))
    assert model.has_booster and model.text == text


def test_a_fitted_pass_keeps_its_booster_and_writes_its_text_when_asked() -> None:
    booster = lgb.Booster(model_str=_shipped_text())
    model = PassModel.from_booster(booster)
    assert model.booster is booster and model.text == booster.model_to_string()
    assert model.feature_names == [str(n) for n in booster.feature_name()]


def test_a_pass_survives_pickling_without_its_rust_trees() -> None:
    model = PassModel.from_text(_shipped_text())
    again = pickle.loads(pickle.dumps(model))
    rows = np.random.default_rng(1).random((20, model.num_features), dtype=np.float32)
    assert np.array_equal(again.forest.predict_proba(rows), model.forest.predict_proba(rows))
    assert again.feature_names == model.feature_names and not again.has_booster


def test_text_the_core_cannot_read_is_refused_with_its_reason() -> None:
    with pytest.raises(ModelTextError):
        PassModel.from_text("\x80 a pickle, not a model")
    text = _shipped_text()
    without_names = "\n".join(line for line in text.splitlines() if not line.startswith("feature_names="))
    with pytest.raises(ModelTextError, match="names no features"):
        PassModel.from_text(without_names)
    fewer = "\n".join(line.rsplit(" ", 1)[0] if line.startswith("feature_names=") else line
                      for line in text.splitlines())
    with pytest.raises(ModelTextError, match="features"):
        PassModel.from_text(fewer)
    with pytest.raises(ValueError, match="text or its booster"):
        PassModel()


def test_names_come_from_the_header_only() -> None:
    assert feature_names_of("tree\nversion=v4\nfeature_names=a b c\nTree=0\nfeature_names=x\n") == ["a", "b", "c"]
    with pytest.raises(ModelTextError):
        feature_names_of("tree\nTree=0\nfeature_names=a\n")
