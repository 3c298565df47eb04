"""What the training prototypes of this folder share: one ``chromecut-train`` run under a patch, its figures printed.

A prototype (``span_context.py``, ``third_pass.py``, ``comment_frames.py``, ``dated_records.py``,
``neighbour_bases.py``, ``topicality.py``, ``blank_gaps.py``) patches the package where its change goes, then
calls :func:`train_and_print` with ``chromecut-train``'s Hydra overrides. Those that add columns to the context
pass do it through :func:`add_context_columns`, and walk the pages of a line frame with :func:`page_bounds`; those
whose bundles are scored by a cleaner make it take the line-frame path with :func:`load_unfused` (the Rust
pipeline computes no prototype's columns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

import chromecut.model.estimator as estimator
from chromecut.features.batch import LineBatch
from chromecut.features.context import context_features
from chromecut.predict import Cleaner
from chromecut.train.app import compose_settings
from chromecut.train.core import project_root, train

#: Columns of a line frame's lines from the frame and the first pass's probabilities, in the frame's row order.
ContextColumns = Callable[[pd.DataFrame, npt.NDArray[np.float64]], pd.DataFrame]

#: The figures printed: the run's test and validation metrics and its threshold, not the per-dataset ones.
PRINTED_PREFIXES = ("test_", "val_", "threshold")


def train_and_print(overrides: Sequence[str]) -> dict[str, float]:
    """Train one run with ``overrides`` and print its overall figures; returns every metric."""
    metrics = train(compose_settings(list(overrides)), project_root())
    for name in sorted(metrics):
        if name.startswith(PRINTED_PREFIXES) and "." not in name:
            print(f"{name} {metrics[name]:.4f}")
    return metrics


def add_context_columns(columns: ContextColumns, modes: Sequence[str] = ("html", "text")) -> None:
    """Make the context pass (training's and the line-frame path's) also read ``columns`` in ``modes``."""

    def with_columns(frame: pd.DataFrame, probability: Any, mode: str) -> pd.DataFrame:
        features = context_features(frame, probability, mode)
        if mode not in modes:
            return features
        return pd.concat([features, columns(frame, np.asarray(probability, dtype=np.float64))], axis=1)

    estimator.context_features = with_columns  # type: ignore[attr-defined]  # what the two passes call


def page_bounds(frame: pd.DataFrame) -> Iterator[tuple[int, int]]:
    """Each page's first row and the row after its last, in the frame's order (pages contiguous)."""
    start = 0
    for size in LineBatch.from_frame(frame, with_text=False).page_size:
        yield start, start + int(size)
        start += int(size)


def load_unfused() -> None:
    """Make every ``Cleaner.load`` from now on build a cleaner on the line-frame path (``fused=False``), which
    runs the patched Python featurizer and context pass."""
    load = Cleaner.load.__func__  # type: ignore[attr-defined]

    def unfused(cls: type[Cleaner], *args: Any, **kwargs: Any) -> Cleaner:
        return load(cls, *args, **{**kwargs, "fused": False})  # type: ignore[no-any-return]

    Cleaner.load = classmethod(unfused)  # type: ignore[method-assign,assignment]
