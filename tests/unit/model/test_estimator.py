"""The two-pass classifier keeps the scikit-learn estimator contract."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from chromecut.features import Featurizer
from chromecut.labels import Label
from chromecut.model.estimator import (
    THRESHOLD_DEFAULT,
    NotFittedError,
    TwoPassClassifier,
    lgb_params,
    line_weights,
)
from chromecut.settings import ModelSettings

from synthetic import synthetic_frame

SETTINGS = ModelSettings(num_boost_round=20, min_data_in_leaf=2, num_threads=1, early_stopping_rounds=5)


def _data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    train, val = synthetic_frame(12, "train"), synthetic_frame(4, "val")
    featurizer = Featurizer("html")
    return train, featurizer.fit_transform(train), val, featurizer.transform(val)


def _fit(train: pd.DataFrame, x: pd.DataFrame, val: pd.DataFrame, val_x: pd.DataFrame,
         labels: np.ndarray | None = None) -> TwoPassClassifier:
    y = train["label"].to_numpy() if labels is None else labels
    eval_set = (val_x, val["label"].to_numpy(), val, line_weights(val["text"], SETTINGS.line_weight))
    return TwoPassClassifier("html", SETTINGS, seed=1).fit(x, y, train["domain"].to_numpy(), frame=train,
                                                         eval_set=eval_set)


def test_init_only_stores_parameters_and_clone_copies_them() -> None:
    classifier = TwoPassClassifier("text", SETTINGS, seed=7)
    assert classifier.get_params() == {"mode": "text", "settings": SETTINGS, "seed": 7, "booster_fit": None}
    assert not hasattr(classifier, "booster_")
    copy = clone(classifier)
    assert copy is not classifier and copy.get_params() == classifier.get_params()
    assert classifier.set_params(seed=3).seed == 3
    with pytest.raises(ValueError, match="unknown parameter"):
        classifier.set_params(depth=3)


def test_an_unfitted_classifier_says_so() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        TwoPassClassifier().predict_proba(pd.DataFrame({"a": [1.0]}), pd.DataFrame())


def test_fit_sets_the_fitted_attributes_and_predict_follows_the_threshold() -> None:
    train, x, val, val_x = _data()
    classifier = _fit(train, x, val, val_x)
    assert classifier.context_booster_ is not None  # five sites: the context pass is fitted out of fold
    assert classifier.feature_names_in_ == list(x.columns) and classifier.n_features_in_ == x.shape[1]
    p = classifier.predict_proba(val_x, val)
    assert p.shape == (len(val),) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_array_equal(classifier.predict(val_x, val), p >= classifier.threshold_)
    assert classifier.predict(val_x, val)[val["label"].to_numpy() == 1].mean() > 0.9


def test_unknown_lines_are_not_learnt_from_but_their_rows_are_kept() -> None:
    """LightGBM's binary objective refuses any label but 0 and 1, so a fit that passed unknown lines on fails."""
    train, x, val, val_x = _data()
    labels = train["label"].to_numpy().copy()
    labels[np.arange(len(labels)) % 7 == 0] = Label.UNKNOWN
    classifier = _fit(train, x, val, val_x, labels)
    assert classifier.predict_proba(x, train).shape == (len(train),)
    assert classifier.predict(val_x, val)[val["label"].to_numpy() == 1].mean() > 0.9


def test_without_sites_enough_for_folds_there_is_no_context_pass() -> None:
    train, x, _, _ = _data()
    one_site = train.assign(domain="only")
    classifier = TwoPassClassifier("html", SETTINGS, seed=1).fit(
        x, one_site["label"].to_numpy(), one_site["domain"].to_numpy(), frame=one_site)
    assert classifier.context_booster_ is None
    assert classifier.final_feature_names == list(x.columns)


def test_the_oof_policy_tunes_the_threshold_on_the_training_sites_too_and_fits_the_same_passes() -> None:
    """Validation lines of one class leave nothing to tune on (the default threshold); the ``oof`` policy also
    reads the training lines' out-of-fold probabilities, and changes the threshold only, never the trees."""
    train, x, val, val_x = _data()
    content = (val["label"] == Label.CONTENT).to_numpy()
    val, val_x = val[content], val_x[content]
    eval_set = (val_x, val["label"].to_numpy(), val, line_weights(val["text"], SETTINGS.line_weight))
    fitted = {}
    for policy in ("val", "oof"):
        settings = dataclasses.replace(SETTINGS, threshold_policy=policy)
        fitted[policy] = TwoPassClassifier("html", settings, seed=1).fit(
            x, train["label"].to_numpy(), train["domain"].to_numpy(), frame=train, eval_set=eval_set)
    assert fitted["val"].threshold_ == THRESHOLD_DEFAULT
    assert fitted["oof"].threshold_ != THRESHOLD_DEFAULT
    assert [p.text for p in fitted["oof"].passes_] == [p.text for p in fitted["val"].passes_]
    tuned = fitted["oof"]
    assert tuned.predict(x, train)[train["label"].to_numpy() == Label.CONTENT].mean() > 0.9


def test_early_stopping_watches_the_chosen_metric_first() -> None:
    assert lgb_params(SETTINGS, 0)["metric"] == ["binary_logloss", "average_precision"]
    by_ap = dataclasses.replace(SETTINGS, early_stopping_metric="average_precision")
    assert lgb_params(by_ap, 0)["metric"] == ["average_precision", "binary_logloss"]
    with pytest.raises(ValueError, match="early_stopping_metric"):
        lgb_params(dataclasses.replace(SETTINGS, early_stopping_metric="auc"), 0)
