"""Training on a Dask cluster (``model=lgbm_dask``): the prepared table read as a Dask DataFrame, every booster of
the two-pass model fitted by ``lightgbm.dask`` and exported with ``to_local()`` into the usual bundle.

What runs where: the line table is read with ``dask.dataframe.read_parquet`` (only the selected datasets'
row groups) on the cluster; the featurizer is fitted on the client, since its corpus line-frequency table is
a statistic of the whole training split; each booster (the first pass, the out-of-fold first passes and the
context pass of :func:`chromecut.train.fit.fit_bundle`) is fitted data-parallel by
:class:`lightgbm.dask.DaskLGBMClassifier` on the feature table spread over the workers, with the parameters of
``conf/model/lgbm.yaml``.

``lightgbm.dask`` has no early stopping (each worker only sees its own part of a validation set), so a fit runs
``num_boost_round`` rounds and is then cut where early stopping would have stopped: the validation loss of
every round is computed on the client, tree by tree, with the rule of :func:`lightgbm.early_stopping` (the
first metric, ``binary_logloss``, weighted; stop ``early_stopping_rounds`` rounds after the best).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import categorical_features
from chromecut.settings import ModelSettings

if TYPE_CHECKING:
    from distributed import Client

#: ``kind`` of the model settings that trains on Dask.
KIND = "lgbm_dask"
#: Probabilities are clipped this far from 0 and 1 in the log loss, as LightGBM does.
LOG_LOSS_EPSILON = 1e-15
_LABEL = "__label__"
_WEIGHT = "__weight__"


def sklearn_params(settings: ModelSettings, seed: int) -> dict[str, Any]:
    """:func:`chromecut.model.estimator.lgb_params` in the names of LightGBM's scikit-learn API (``num_threads``
    is set by ``lightgbm.dask`` to each worker's threads)."""
    return {
        "n_estimators": settings.num_boost_round,
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_child_samples": settings.min_data_in_leaf,
        "colsample_bytree": settings.feature_fraction,
        "subsample": settings.bagging_fraction,
        "subsample_freq": settings.bagging_freq,
        "reg_lambda": settings.lambda_l2,
        "random_state": seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }


def validation_losses(
    booster: lgb.Booster, x: pd.DataFrame, y: npt.NDArray[np.int8], w: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Weighted binary log loss of the validation lines after each round (index 0: after the first tree)."""
    matrix = x.to_numpy(dtype=np.float32)
    raw = np.zeros(len(matrix))
    losses = np.empty(booster.current_iteration())
    for iteration in range(len(losses)):
        raw += booster.predict(matrix, start_iteration=iteration, num_iteration=1, raw_score=True)
        p = np.clip(1.0 / (1.0 + np.exp(-raw)), LOG_LOSS_EPSILON, 1.0 - LOG_LOSS_EPSILON)
        losses[iteration] = float(np.average(-(y * np.log(p) + (1 - y) * np.log(1.0 - p)), weights=w))
    return losses


def early_stopping_round(losses: npt.NDArray[np.float64], patience: int) -> int:
    """The number of rounds :func:`lightgbm.early_stopping` keeps for this validation curve: the best round so
    far when ``patience`` rounds pass without a better one (else the best of all)."""
    best, best_loss = 0, np.inf
    for iteration, loss in enumerate(losses):
        if loss < best_loss:
            best, best_loss = iteration, loss
        elif iteration - best >= patience:
            break
    return best + 1


def truncated(booster: lgb.Booster, rounds: int) -> lgb.Booster:
    """The booster's first ``rounds`` trees as a booster of its own, its best iteration set."""
    cut = lgb.Booster(model_str=booster.model_to_string(num_iteration=rounds))
    cut.best_iteration = rounds
    return cut


class DaskBoosterFit:
    """:func:`chromecut.model.estimator.fit_booster` on a Dask cluster (same arguments, same result: a local booster).

    Parameters
    ----------
    client:
        The cluster's client.
    partitions:
        Partitions of each feature table (one per worker spreads the work evenly).
    """

    def __init__(self, client: Client, partitions: int) -> None:
        self.client = client
        self.partitions = partitions

    def __call__(
        self,
        train_x: pd.DataFrame,
        train_y: npt.NDArray[np.int8],
        train_w: npt.NDArray[np.float64],
        val_x: pd.DataFrame,
        val_y: npt.NDArray[np.int8],
        val_w: npt.NDArray[np.float64],
        settings: ModelSettings,
        seed: int,
    ) -> lgb.Booster:
        import dask.dataframe as dd
        from lightgbm.dask import DaskLGBMClassifier

        table = train_x.reset_index(drop=True)
        table[_LABEL] = train_y
        table[_WEIGHT] = train_w
        spread = self.client.persist(dd.from_pandas(table, npartitions=self.partitions, sort=False))
        features = list(train_x.columns)
        model = DaskLGBMClassifier(client=self.client, **sklearn_params(settings, seed))
        model.fit(spread[features], spread[_LABEL], sample_weight=spread[_WEIGHT],
                  categorical_feature=categorical_features(features))
        booster: lgb.Booster = model.to_local().booster_
        del spread
        if len(val_y) and len(np.unique(val_y)) > 1:
            rounds = early_stopping_round(validation_losses(booster, val_x, val_y, val_w),
                                          settings.early_stopping_rounds)
            booster = truncated(booster, rounds)
        return booster

    @staticmethod
    def read_lines(path: Path, datasets: list[str]) -> pd.DataFrame:
        """:func:`read_lines` (how :func:`chromecut.train.frame.load_table` reads the table on this engine)."""
        return read_lines(path, datasets)


def read_lines(path: Path, datasets: list[str]) -> pd.DataFrame:
    """The prepared line table's rows of ``datasets``, read as a Dask DataFrame (on the current client)."""
    import dask.dataframe as dd

    lines = dd.read_parquet(path, filters=[("dataset", "in", datasets)])
    frame: pd.DataFrame = lines.compute()
    return frame.reset_index(drop=True)


@contextmanager
def booster_fit(settings: ModelSettings) -> Iterator[DaskBoosterFit]:
    """A :class:`DaskBoosterFit` on the cluster at ``settings.dask_scheduler`` or on a new LocalCluster of
    ``settings.dask_workers`` workers of ``settings.num_threads`` threads each; the client is the current one
    (so :func:`read_lines` runs there) until the block ends."""
    from distributed import Client, LocalCluster

    from chromecut.io.dask import DASHBOARD_ADDRESS

    if settings.dask_scheduler:
        with Client(settings.dask_scheduler) as client:
            yield DaskBoosterFit(client, max(len(client.nthreads()), 1))
        return
    with (LocalCluster(n_workers=settings.dask_workers, threads_per_worker=settings.num_threads, processes=True,
                       dashboard_address=DASHBOARD_ADDRESS) as cluster,
          Client(cluster) as client):
        yield DaskBoosterFit(client, settings.dask_workers)
