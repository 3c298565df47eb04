"""Fitting a bundle: the featurised splits -> a fitted :class:`~chromecut.model.estimator.TwoPassClassifier`
beside its featurizer, each booster fitted in this process or, for ``model.kind=lgbm_dask``, on a Dask cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import Featurizer
from chromecut.model.bundle import Bundle
from chromecut.model.estimator import BoosterFit, TwoPassClassifier, fit_booster, line_weights
from chromecut.settings import ModelSettings

#: Model kinds and the engine that fits their boosters.
MODEL_KINDS = ("lgbm", "lgbm_dask")


@contextmanager
def booster_fit(settings: ModelSettings) -> Iterator[BoosterFit]:
    """The fit of ``settings.kind``: :func:`~chromecut.model.estimator.fit_booster` in this process, or on a Dask
    cluster for ``lgbm_dask`` (:mod:`chromecut.train.dask`, the cluster open until the block ends)."""
    if settings.kind == "lgbm":
        yield fit_booster
    elif settings.kind == "lgbm_dask":
        from chromecut.train import dask as train_dask

        with train_dask.booster_fit(settings) as fit:
            yield fit
    else:
        raise ValueError(f"unknown model kind {settings.kind!r}; known: {', '.join(MODEL_KINDS)}")


def fit_bundle(
    featurizer: Featurizer, parts: dict[str, pd.DataFrame], features: dict[str, pd.DataFrame],
    settings: ModelSettings, seed: int, fit: BoosterFit = fit_booster,
    weights: dict[str, npt.NDArray[np.float64]] | None = None,
) -> tuple[Bundle, dict[str, npt.NDArray[np.float64]]]:
    """Fit the classifier on ``train`` (early stopping and threshold on ``val``, context folds by site) beside
    the fitted ``featurizer``; every booster is fitted by ``fit``. ``weights`` multiply the line weights of
    ``train`` and ``val`` (the project's definition of content: :func:`chromecut.train.definition.split_weights`).

    Returns the bundle (deciding with the settings' smoothing and fallback) and the final probabilities of every
    line of every part.
    """
    val, train = parts["val"], parts["train"]
    weights = weights or {}
    train_w = line_weights(train["text"], settings.line_weight) * weights.get("train", 1.0)
    val_w = line_weights(val["text"], settings.line_weight) * weights.get("val", 1.0)
    classifier = TwoPassClassifier(featurizer.mode, settings, seed, fit).fit(
        features["train"], train["label"].to_numpy(), train["domain"].to_numpy(),
        frame=train, sample_weight=train_w, eval_set=(features["val"], val["label"].to_numpy(), val, val_w),
    )
    probs = {s: classifier.predict_proba(features[s], parts[s]) for s in parts}
    bundle = Bundle(featurizer, classifier, smoothing=settings.smoothing, fallback_chars=int(settings.fallback_chars))
    return bundle, probs
