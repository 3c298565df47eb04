"""The two-pass line classifier, with the scikit-learn estimator contract.

The first pass is a LightGBM booster over each line's own features. The context pass (optional) is a second
booster that also sees the first pass's probabilities of the line's neighbours, its page and its container
(:func:`chromecut.features.context_features`), learnt from out-of-fold first-pass probabilities so that it
trains on probabilities like those it meets on unseen pages.

``__init__`` only stores parameters; :meth:`TwoPassClassifier.fit` sets the fitted attributes (ending in
``_``); :meth:`TwoPassClassifier.predict_proba` and :meth:`TwoPassClassifier.predict` use them. Lines labelled
:data:`chromecut.labels.Label.UNKNOWN` are not fitted on, but their features and first-pass probabilities still
count as context of their neighbours. scikit-learn is imported by ``fit`` only: a fitted classifier predicts
without it. Each pass is a :class:`~chromecut.model.passes.PassModel`: a loaded classifier imports LightGBM only
when asked for a LightGBM prediction or explanation (the Rust core and lleaves read the model text).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import categorical_features, context_features
from chromecut.labels import Label
from chromecut.model.compiled import PREDICTOR_DEFAULT, PREDICTORS, Predictor, TreePredictor, tree_predictor
from chromecut.model.passes import PassModel
from chromecut.settings import ModelSettings

if TYPE_CHECKING:  # LightGBM (and the scikit-learn it imports) load to fit or to predict with LightGBM only
    import lightgbm as lgb

#: Decision threshold when none is tuned.
THRESHOLD_DEFAULT = 0.5
#: Threads LightGBM uses to predict: one, since a page is small and parallelism comes from worker processes
#: (more threads per process only spin against each other on a busy machine).
PREDICT_THREADS_DEFAULT = 1
#: The two passes, as indices of :attr:`TwoPassClassifier.compiled_`.
FIRST_PASS, CONTEXT_PASS = 0, 1
#: The context pass needs out-of-fold predictions, so at least this many sites (groups) among the training lines.
MIN_CONTEXT_FOLDS = 2
#: Line weight cap: a line's weight grows with the square root of its tokens up to this many tokens.
WEIGHT_TOKEN_CAP = 400
#: Line weighting schemes of :func:`line_weights`.
LINE_WEIGHTS = ("none", "sqrt_tokens")
#: Guards the F1 of a threshold against a zero denominator.
_F1_EPSILON = 1e-12
SEED_DEFAULT = 0
#: LightGBM's metrics on the validation lines; early stopping watches the first
#: (:attr:`chromecut.settings.ModelSettings.early_stopping_metric`).
EVAL_METRICS = ("binary_logloss", "average_precision")
#: The threshold policy tuned on the training sites' out-of-fold probabilities and the validation sites'
#: (:attr:`chromecut.settings.ModelSettings.threshold_policy`).
OOF_POLICY = "oof"

Array = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int8]
#: An evaluation set for early stopping and the threshold: line features, labels, line frame, line weights.
EvalSet = tuple[pd.DataFrame, npt.NDArray[Any], pd.DataFrame, Array]


def lgb_params(settings: ModelSettings, seed: int) -> dict[str, Any]:
    """LightGBM parameters of a run."""
    if settings.early_stopping_metric not in EVAL_METRICS:
        raise ValueError(f"unknown early_stopping_metric {settings.early_stopping_metric!r}; use one of "
                         f"{', '.join(EVAL_METRICS)}")
    return {
        "objective": "binary",
        "metric": [settings.early_stopping_metric,
                   *(name for name in EVAL_METRICS if name != settings.early_stopping_metric)],
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "feature_fraction": settings.feature_fraction,
        "bagging_fraction": settings.bagging_fraction,
        "bagging_freq": settings.bagging_freq,
        "lambda_l2": settings.lambda_l2,
        "num_threads": settings.num_threads,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }


def fit_booster(
    train_x: pd.DataFrame,
    train_y: Labels,
    train_w: Array,
    val_x: pd.DataFrame,
    val_y: Labels,
    val_w: Array,
    settings: ModelSettings,
    seed: int,
) -> lgb.Booster:
    """LightGBM with early stopping on the validation lines (none when they hold a single class)."""
    import lightgbm as lgb

    categorical = categorical_features(train_x.columns)
    train_set = lgb.Dataset(train_x, train_y, weight=train_w, categorical_feature=categorical, free_raw_data=True)
    callbacks: list[Callable[..., Any]] = [lgb.log_evaluation(period=0)]
    valid_sets = [train_set]
    if len(val_y) and len(np.unique(val_y)) > 1:
        valid_sets = [lgb.Dataset(val_x, val_y, weight=val_w, categorical_feature=categorical, reference=train_set)]
        callbacks.append(lgb.early_stopping(settings.early_stopping_rounds, first_metric_only=True, verbose=False))
    return lgb.train(
        lgb_params(settings, seed),
        train_set,
        num_boost_round=settings.num_boost_round,
        valid_sets=valid_sets,
        callbacks=callbacks,
    )


#: How a booster is fitted: :func:`fit_booster`'s signature (the Dask engine fits on its cluster).
BoosterFit = Callable[[pd.DataFrame, Labels, Array, pd.DataFrame, Labels, Array, ModelSettings, int], "lgb.Booster"]


def line_weights(texts: pd.Series, how: str) -> Array:
    """Training weight of each line: ``sqrt_tokens`` makes token-heavy lines count more, as the page score does."""
    if how == "none":
        return np.ones(len(texts))
    if how == "sqrt_tokens":
        words = np.fromiter((len(t.split()) for t in texts.tolist()), dtype=np.float64, count=len(texts))
        return 1.0 + np.sqrt(np.minimum(words, WEIGHT_TOKEN_CAP))
    raise ValueError(f"unknown line_weight {how!r}; use one of {', '.join(LINE_WEIGHTS)}")


def tune_threshold(y: Labels, p: Array, w: Array) -> float:
    """The probability threshold of best weighted line F1 (:data:`THRESHOLD_DEFAULT` without both classes)."""
    from sklearn.metrics import precision_recall_curve

    if len(y) == 0 or len(np.unique(y)) < 2:
        return THRESHOLD_DEFAULT
    precision, recall, thresholds = precision_recall_curve(y, p, sample_weight=w)
    f1 = 2 * precision * recall / np.maximum(precision + recall, _F1_EPSILON)
    return float(thresholds[int(np.argmax(f1[:-1]))])


class NotFittedError(ValueError, AttributeError):
    """The classifier is used before :meth:`TwoPassClassifier.fit` (the same bases as scikit-learn's)."""


class TwoPassClassifier:
    """Line classifier: a first LightGBM pass over each line, then a context pass over its neighbourhood.

    Parameters
    ----------
    mode : {"html", "text"}
        The featurizer mode, which decides the context features.
    settings : ModelSettings
        LightGBM parameters, early stopping, line weighting, the context pass and the threshold policy.
    seed : int
        Seed of LightGBM's bagging and feature sampling.
    booster_fit : callable, optional
        Fits one booster (signature :data:`BoosterFit`); default :func:`fit_booster` in this process. The Dask
        engine passes one that fits on its cluster.

    Attributes
    ----------
    passes_ : (PassModel, PassModel or None)
        The first pass and the context pass (when fitted): model text, feature names, the Rust core's trees.
    booster_ : lightgbm.Booster
        The first pass as LightGBM's booster (a property: a loaded classifier builds it when first asked).
    context_booster_ : lightgbm.Booster or None
        The context pass, when fitted (a property, as ``booster_``).
    threshold_ : float
        Decision threshold on the final probability: ``settings.threshold`` when ``settings.threshold_policy``
        is ``fixed``, else tuned for weighted line F1 on the evaluation set, for ``oof`` on it and on the
        training lines' out-of-fold probabilities (folds by site) together (training replaces it for the
        ``lodo`` policy: :mod:`chromecut.train.threshold`).
    feature_names_in_ : list of str
        The line features, in the first pass's order.
    n_features_in_ : int
    compiled_ : tuple or None
        The boosters compiled to native code or evaluated by the Rust core (:meth:`use_predictor`), else
        ``None``.
    predict_threads : int
        LightGBM threads per prediction (a setting of use, not learnt).
    """

    def __init__(
        self,
        mode: str = "html",
        settings: ModelSettings | None = None,
        seed: int = SEED_DEFAULT,
        booster_fit: BoosterFit | None = None,
    ) -> None:
        self.mode = mode
        self.settings = settings
        self.seed = seed
        self.booster_fit = booster_fit
        self.predict_threads = PREDICT_THREADS_DEFAULT
        self.compiled_: tuple[TreePredictor, TreePredictor | None] | None = None

    # -- the scikit-learn contract -------------------------------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters (``deep`` is accepted for scikit-learn and has no effect)."""
        return {"mode": self.mode, "settings": self.settings, "seed": self.seed, "booster_fit": self.booster_fit}

    def set_params(self, **params: Any) -> TwoPassClassifier:
        """Set constructor parameters; unknown names are an error."""
        unknown = sorted(set(params) - set(self.get_params()))
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown} of TwoPassClassifier")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"TwoPassClassifier(mode={self.mode!r}, seed={self.seed})"

    @classmethod
    def from_boosters(
        cls, mode: str, booster: lgb.Booster, context_booster: lgb.Booster | None, threshold: float
    ) -> TwoPassClassifier:
        """A fitted classifier from LightGBM boosters."""
        context = None if context_booster is None else PassModel.from_booster(context_booster)
        return cls.from_passes(mode, PassModel.from_booster(booster), context, threshold)

    @classmethod
    def from_passes(
        cls, mode: str, first: PassModel, context: PassModel | None, threshold: float
    ) -> TwoPassClassifier:
        """A fitted classifier from its passes' models (how a bundle is loaded: from their text)."""
        classifier = cls(mode)
        classifier._set_fitted(first, context, threshold)
        return classifier

    def _set_fitted(self, first: PassModel, context: PassModel | None, threshold: float) -> None:
        self.passes_ = (first, context)
        self.threshold_ = float(threshold)
        self.feature_names_in_ = first.feature_names
        self.n_features_in_ = len(self.feature_names_in_)
        self.compiled_ = None

    @property
    def booster_(self) -> lgb.Booster:
        """The first pass as LightGBM's booster."""
        self._check_fitted()
        first, _ = self.passes_
        return first.booster

    @property
    def context_booster_(self) -> lgb.Booster | None:
        """The context pass as LightGBM's booster, ``None`` without a context pass."""
        self._check_fitted()
        _, context = self.passes_
        return None if context is None else context.booster

    @property
    def has_context(self) -> bool:
        """Whether a context pass makes the decision."""
        self._check_fitted()
        _, context = self.passes_
        return context is not None

    def _decision_pass(self) -> PassModel:
        first, context = self.passes_
        return first if context is None else context

    def fit(
        self,
        X: pd.DataFrame,
        y: npt.NDArray[Any],
        groups: npt.NDArray[Any],
        *,
        frame: pd.DataFrame,
        sample_weight: Array | None = None,
        eval_set: EvalSet | None = None,
    ) -> TwoPassClassifier:
        """Fit both passes.

        Parameters
        ----------
        X : DataFrame
            Line features of every line of the training pages (the featurizer's output).
        y : array
            Line labels (:class:`chromecut.labels.Label`); ``UNKNOWN`` lines are not fitted on.
        groups : array
            Each line's site: the context pass's out-of-fold folds never split a site.
        frame : DataFrame
            The line frame ``X`` was computed from (page keys and structure for the context features).
        sample_weight : array, optional
            Weight of every line; default from ``settings.line_weight``.
        eval_set : (X, y, frame, weight), optional
            Validation lines for early stopping and the threshold.
        """
        settings = self.settings or ModelSettings()
        fit = self.booster_fit or fit_booster
        weights = line_weights(frame["text"], settings.line_weight) if sample_weight is None else sample_weight
        known = np.asarray(y) != Label.UNKNOWN
        y_fit = np.asarray(y)[known].astype(np.int8)
        if eval_set is None:
            val_x, val_frame = X.iloc[:0], frame.iloc[:0]
            val_labels, val_weights = np.zeros(0, dtype=np.int8), np.zeros(0)
        else:
            val_x, val_labels, val_frame, val_weights = eval_set
        val_known = np.asarray(val_labels) != Label.UNKNOWN
        val_y, val_w = np.asarray(val_labels)[val_known].astype(np.int8), np.asarray(val_weights)[val_known]
        val_known_x = val_x[val_known]
        booster = fit(X[known], y_fit, weights[known], val_known_x, val_y, val_w, settings, self.seed)
        self._set_fitted(PassModel.from_booster(booster), None, settings.threshold)
        # Training predicts whole splits: all the run's threads (a loaded classifier predicts with one).
        self.predict_threads = settings.num_threads
        by_site = len(np.unique(groups)) >= MIN_CONTEXT_FOLDS
        decision_x = X  # what the deciding pass reads of the training lines
        if settings.context_pass and by_site:
            oof = self._out_of_fold(X, y_fit, weights[known], known, groups, (val_known_x, val_y, val_w), settings)
            decision_x = pd.concat([X, context_features(frame, oof, self.mode)], axis=1)
            val_known_x = pd.concat([val_x, context_features(val_frame, self.first_pass(val_x), self.mode)],
                                    axis=1)[val_known]
            context = fit(decision_x[known], y_fit, weights[known], val_known_x, val_y, val_w, settings, self.seed)
            first, _ = self.passes_
            self.passes_ = (first, PassModel.from_booster(context))
        if settings.threshold_policy == "fixed":
            return self
        val_p = self.predict_proba(val_x, val_frame)[val_known]
        if settings.threshold_policy == OOF_POLICY and by_site:
            # The training sites' out-of-fold probabilities of the deciding pass beside the validation sites':
            # many more sites than the validation split alone, so the threshold moves less from fit to fit.
            train_p = self._out_of_fold(decision_x, y_fit, weights[known], known, groups,
                                        (val_known_x, val_y, val_w), settings)
            self.threshold_ = tune_threshold(np.concatenate([y_fit, val_y]), np.concatenate([train_p[known], val_p]),
                                             np.concatenate([weights[known], val_w]))
        else:
            self.threshold_ = tune_threshold(val_y, val_p, val_w)
        return self

    def _out_of_fold(
        self, X: pd.DataFrame, y: Labels, w: Array, known: npt.NDArray[np.bool_], groups: npt.NDArray[Any],
        val: tuple[pd.DataFrame, Labels, Array], settings: ModelSettings,
    ) -> Array:
        """Out-of-fold probabilities of every training line (folds by site) from boosters fitted on ``X``'s
        columns: the first pass's, or the context pass's when ``X`` holds the context features."""
        from sklearn.model_selection import GroupKFold

        fit = self.booster_fit or fit_booster
        oof = np.zeros(len(X))
        folds = GroupKFold(n_splits=min(settings.context_folds, len(np.unique(groups))))
        for fit_rows, held_rows in folds.split(X, groups=groups):
            fit_mask = np.zeros(len(X), dtype=bool)
            fit_mask[fit_rows] = True
            fit_mask &= known
            booster = fit(X[fit_mask], y[fit_mask[known]], w[fit_mask[known]], *val, settings, self.seed)
            oof[held_rows] = booster.predict(X.iloc[held_rows].to_numpy(dtype=np.float32))
        return oof

    def _check_fitted(self) -> None:
        if "passes_" not in vars(self):
            raise NotFittedError("this TwoPassClassifier is not fitted yet: call fit() first")

    # -- prediction ----------------------------------------------------------------------------------------

    @property
    def predictor(self) -> Predictor:
        """``compiled`` when the boosters run as native code (:mod:`chromecut.model.compiled`), ``native`` when
        the Rust core evaluates them (:mod:`chromecut.model.native`), else ``lightgbm``."""
        return "lightgbm" if self.compiled_ is None else self.compiled_[0].predictor

    def use_predictor(self, predictor: Predictor = PREDICTOR_DEFAULT) -> TwoPassClassifier:
        """Predict with LightGBM (the default), with the boosters compiled to native code (same probabilities,
        several times faster than LightGBM; compiled once per machine, then cached) or evaluated by the Rust core
        (same probabilities, no compile step, faster still on processors with AVX2). Returns ``self``."""
        if predictor not in PREDICTORS:
            raise ValueError(f"unknown predictor {predictor!r}: choose one of {', '.join(PREDICTORS)}")
        self._check_fitted()
        if predictor == "lightgbm":
            self.compiled_ = None
        elif self.predictor != predictor:
            first, context_pass = self.passes_
            context = None if context_pass is None else tree_predictor(predictor, context_pass.text)
            self.compiled_ = (tree_predictor(predictor, first.text), context)
        return self

    @property
    def final_feature_names(self) -> list[str]:
        """Features of the booster that makes the decision (the context pass when there is one)."""
        self._check_fitted()
        return self._decision_pass().feature_names

    def _predict(self, which: int, features: pd.DataFrame) -> Array:
        matrix = features.to_numpy(dtype=np.float32)
        forest = None if self.compiled_ is None else self.compiled_[which]
        if forest is not None:
            return forest.predict(matrix)
        model = self.passes_[which]
        assert model is not None
        return np.asarray(model.booster.predict(matrix, num_threads=self.predict_threads), dtype=np.float64)

    def first_pass(self, X: pd.DataFrame) -> Array:
        """Probability of content from the line-by-line pass."""
        self._check_fitted()
        if X.empty:
            return np.zeros(0, dtype=np.float64)
        return self._predict(FIRST_PASS, X)

    def final_features(self, X: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
        """The decision booster's input: line features, plus the context of first-pass probabilities."""
        if not self.has_context:
            return X
        return pd.concat([X, context_features(frame, self.first_pass(X), self.mode)], axis=1)

    def predict_proba(self, X: pd.DataFrame, frame: pd.DataFrame) -> Array:
        """Probability of content of every line (one column: the positive class only)."""
        self._check_fitted()
        if X.empty:
            return np.zeros(0, dtype=np.float64)
        if not self.has_context:
            return self.first_pass(X)
        return self._predict(CONTEXT_PASS, self.final_features(X, frame))

    def predict(self, X: pd.DataFrame, frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
        """``True`` for the lines the classifier keeps as content."""
        return self.predict_proba(X, frame) >= self.threshold_

    def contributions(self, X: pd.DataFrame, frame: pd.DataFrame) -> Array:
        """Per-feature contributions (SHAP values from LightGBM) of the decision booster, one row per line, in
        :attr:`final_feature_names` order plus a last bias column."""
        self._check_fitted()
        if X.empty:
            return np.zeros((0, len(self.final_feature_names) + 1), dtype=np.float64)
        booster = self._decision_pass().booster
        final = self.final_features(X, frame)
        return np.asarray(
            booster.predict(final.to_numpy(dtype=np.float32), pred_contrib=True, num_threads=self.predict_threads),
            dtype=np.float64,
        )
