"""A third pass: stacking once more, on the context pass's probabilities of the line's neighbours.

The shipped classifier has two passes; the second (context) pass sees the first pass's out-of-fold probabilities
of the line's neighbours, page and container. This script trains a run of ``chromecut-train`` (its Hydra
overrides as arguments) with a third LightGBM pass that also sees the same context features of the context
pass's out-of-fold probabilities (folds by site, as the context pass's), its threshold tuned as the ``val``
policy tunes it, and prints the run's test and validation figures. The bundle it saves holds the first two
passes only: it is an experiment, not a model to ship.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/third_pass.py experiment=ship_html model.num_threads=1 \\
        ship_to=null tracking.enabled=false output_dir=outputs/p3-html

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from prototype_run import train_and_print

import chromecut.train.fit as train_fit
from chromecut.features import context_features
from chromecut.labels import Label
from chromecut.model.estimator import CONTEXT_PASS, EvalSet, TwoPassClassifier, fit_booster, tune_threshold
from chromecut.settings import ModelSettings

#: The third pass's own columns: the context features of the context pass's probabilities, prefixed.
THIRD_PREFIX = "s2_"


def _second_context(frame: pd.DataFrame, p: npt.NDArray[np.float64], mode: str) -> pd.DataFrame:
    return context_features(frame, p, mode).add_prefix(THIRD_PREFIX)


class ThreePassClassifier(TwoPassClassifier):
    """The two passes as fitted by :class:`TwoPassClassifier`, then a third over both passes' context."""

    def fit(self, X: pd.DataFrame, y: npt.NDArray[Any], groups: npt.NDArray[Any], *, frame: pd.DataFrame,
            sample_weight: npt.NDArray[np.float64] | None = None, eval_set: EvalSet | None = None,
            ) -> ThreePassClassifier:
        super().fit(X, y, groups, frame=frame, sample_weight=sample_weight, eval_set=eval_set)
        if eval_set is None or sample_weight is None:
            raise ValueError("the third pass needs the run's validation lines and line weights")
        settings = self.settings or ModelSettings()
        fit = self.booster_fit or fit_booster
        known = np.asarray(y) != Label.UNKNOWN
        y_fit, w_fit = np.asarray(y)[known].astype(np.int8), sample_weight[known]
        val_x, val_labels, val_frame, val_weights = eval_set
        val_known = np.asarray(val_labels) != Label.UNKNOWN
        val_y, val_w = np.asarray(val_labels)[val_known].astype(np.int8), np.asarray(val_weights)[val_known]
        first_oof = self._out_of_fold(X, y_fit, w_fit, known, groups, (val_x[val_known], val_y, val_w), settings)
        second_x = pd.concat([X, context_features(frame, first_oof, self.mode)], axis=1)
        val_second = self.final_features(val_x, val_frame)
        second_oof = self._out_of_fold(second_x, y_fit, w_fit, known, groups,
                                       (val_second[val_known], val_y, val_w), settings)
        third_x = pd.concat([second_x, _second_context(frame, second_oof, self.mode)], axis=1)
        val_third = pd.concat(
            [val_second, _second_context(val_frame, self._predict(CONTEXT_PASS, val_second), self.mode)], axis=1)
        self.third_ = fit(third_x[known], y_fit, w_fit, val_third[val_known], val_y, val_w, settings, self.seed)
        print(f"two-pass threshold {self.threshold_:.4f}, third pass {self.third_.best_iteration} trees", flush=True)
        self.threshold_ = tune_threshold(val_y, self.predict_proba(val_x, val_frame)[val_known], val_w)
        return self

    def predict_proba(self, X: pd.DataFrame, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        if "third_" not in vars(self) or X.empty:
            return super().predict_proba(X, frame)
        second = self.final_features(X, frame)
        third = pd.concat([second, _second_context(frame, self._predict(CONTEXT_PASS, second), self.mode)], axis=1)
        return np.asarray(self.third_.predict(third.to_numpy(dtype=np.float32), num_threads=self.predict_threads),
                          dtype=np.float64)


def main(overrides: list[str]) -> None:
    train_fit.TwoPassClassifier = ThreePassClassifier  # type: ignore[attr-defined]  # what fit_bundle builds
    train_and_print(overrides)


if __name__ == "__main__":
    main(sys.argv[1:])
