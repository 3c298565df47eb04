"""The pieces of Dask training that need no cluster: the early-stopping cut and the parameter mapping."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from chromecut.model.estimator import lgb_params
from chromecut.settings import ModelSettings

pytest.importorskip("dask.dataframe")

from chromecut.train import dask as train_dask  # after the skip


def _data(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4)).astype(np.float32)
    y = ((x[:, 0] + 0.8 * rng.normal(size=rows)) > 0).astype(np.int8)
    return x, y, rng.uniform(0.5, 3.0, rows)


def test_validation_losses_are_lightgbms_own_weighted_log_loss_after_each_round() -> None:
    (x, y, w), (vx, vy, vw) = _data(400, 1), _data(200, 2)
    recorded: dict[str, dict[str, list[float]]] = {}
    train = lgb.Dataset(x, y, weight=w)
    booster = lgb.train({"objective": "binary", "metric": "binary_logloss", "verbosity": -1, "num_leaves": 7,
                         "num_threads": 1}, train, num_boost_round=30,
                        valid_sets=[lgb.Dataset(vx, vy, weight=vw, reference=train)], valid_names=["val"],
                        callbacks=[lgb.record_evaluation(recorded)])
    import pandas as pd

    losses = train_dask.validation_losses(booster, pd.DataFrame(vx), vy, vw)
    np.testing.assert_allclose(losses, recorded["val"]["binary_logloss"], rtol=1e-5)


def test_the_cut_is_where_lightgbm_early_stopping_stops() -> None:
    (x, y, w), (vx, vy, vw) = _data(300, 3), _data(150, 4)
    params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1, "num_leaves": 31,
              "learning_rate": 0.3, "min_data_in_leaf": 2, "num_threads": 1, "seed": 1, "deterministic": True}
    train = lgb.Dataset(x, y, weight=w, free_raw_data=False)
    val = lgb.Dataset(vx, vy, weight=vw, reference=train)
    stopped = lgb.train(params, train, num_boost_round=200, valid_sets=[val],
                        callbacks=[lgb.early_stopping(5, first_metric_only=True, verbose=False)])
    full = lgb.train(params, train, num_boost_round=200)
    import pandas as pd

    rounds = train_dask.early_stopping_round(train_dask.validation_losses(full, pd.DataFrame(vx), vy, vw), 5)
    assert rounds == stopped.best_iteration < 200
    cut = train_dask.truncated(full, rounds)
    assert cut.current_iteration() == rounds == cut.best_iteration
    np.testing.assert_allclose(cut.predict(vx), stopped.predict(vx, num_iteration=stopped.best_iteration))


def test_sklearn_params_carry_every_lightgbm_parameter_of_the_run() -> None:
    settings = ModelSettings(num_leaves=15, min_data_in_leaf=7, feature_fraction=0.6, bagging_fraction=0.7,
                             bagging_freq=2, lambda_l2=3.0, learning_rate=0.1, num_boost_round=99)
    mapped = lgb.LGBMClassifier(**train_dask.sklearn_params(settings, seed=5))
    native = lgb_params(settings, seed=5)
    names = {"learning_rate": "learning_rate", "num_leaves": "num_leaves", "min_child_samples": "min_data_in_leaf",
             "colsample_bytree": "feature_fraction", "subsample": "bagging_fraction",
             "subsample_freq": "bagging_freq", "reg_lambda": "lambda_l2", "random_state": "seed"}
    params = mapped.get_params()
    assert all(params[sk] == native[lgb_name] for sk, lgb_name in names.items())
    assert params["n_estimators"] == 99 and params["deterministic"] and params["force_col_wise"]
