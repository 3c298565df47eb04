"""Native tree inference: a booster's LightGBM model text evaluated by chromecut's Rust core.

:class:`NativeForest` hands the model text to ``chromecut._core.Forest`` (``core/src/trees/``), which parses it
into one flat array of nodes and walks it as LightGBM's own predictor does: features compared as doubles
against double thresholds, NaN and zeros sent by each split's missing type, categorical bitsets, the trees summed
in order. Its raw scores are LightGBM's bit for bit (``tests/unit/model/test_native_trees.py``). Unlike the
``compiled`` predictor (:mod:`chromecut.model.compiled`) it generates no code: no LLVM, no compile step, no cache,
ready in milliseconds. Prediction runs on one thread with the GIL released.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import lightgbm as lgb

    from chromecut._core import Forest


class NativeUnavailable(RuntimeError):
    """The native predictor was asked for but the installed ``chromecut._core`` has no tree evaluator."""


def _forest_class() -> type[Forest]:
    """``chromecut._core.Forest``, or :class:`NativeUnavailable` when the extension is missing or older."""
    try:
        from chromecut import _core
    except ImportError as exc:
        raise NativeUnavailable(
            "the native predictor needs chromecut's Rust core (chromecut._core), which is not built: "
            "pip install -e . (or make install) compiles it"
        ) from exc
    forest = getattr(_core, "Forest", None)
    if forest is None:
        raise NativeUnavailable(
            "the installed chromecut._core predates the native tree evaluator: rebuild it "
            "(pip install -e . or make install), or use --predictor lightgbm"
        )
    return forest  # type: ignore[no-any-return]


class NativeForest:
    """One booster evaluated by the Rust core; :meth:`predict` returns LightGBM's probabilities of the positive
    class, :meth:`predict_raw` its raw scores.

    Parameters
    ----------
    model:
        The booster, or its model text (``Booster.model_to_string()``, a bundle's ``model.txt``). Text the core
        cannot evaluate (not LightGBM's, several classes, linear trees) raises ``ValueError``.
    """

    predictor: Final[Literal["native"]] = "native"

    def __init__(self, model: lgb.Booster | str) -> None:
        forest = _forest_class()
        text = model if isinstance(model, str) else model.model_to_string()
        self._forest = forest(text)
        self.num_feature = self._forest.num_features
        self.num_trees = self._forest.num_trees

    def _checked(self, features: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
        if features.ndim != 2 or features.shape[1] != self.num_feature:
            raise ValueError(f"{features.shape[-1]} features given, the forest has {self.num_feature}")
        return features

    def predict(self, features: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """Probabilities for a float32 or float64 feature matrix (the values LightGBM's predictor would see)."""
        return np.asarray(self._forest.predict_proba(self._checked(features)), dtype=np.float64)

    def predict_raw(self, features: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """Raw scores (LightGBM's ``predict(raw_score=True)``) for a float32 or float64 feature matrix."""
        return np.asarray(self._forest.predict_raw(self._checked(features)), dtype=np.float64)
