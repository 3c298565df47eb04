"""What the training prototypes of this folder share: one ``chromecut-train`` run under a patch, its figures printed.

A prototype (``span_context.py``, ``third_pass.py``, ``comment_frames.py``, ``neighbour_bases.py``) patches the
package where its change goes, then calls :func:`train_and_print` with ``chromecut-train``'s Hydra overrides.
"""

from __future__ import annotations

from collections.abc import Sequence

from chromecut.train.app import compose_settings
from chromecut.train.core import project_root, train

#: The figures printed: the run's test and validation metrics and its threshold, not the per-dataset ones.
PRINTED_PREFIXES = ("test_", "val_", "threshold")


def train_and_print(overrides: Sequence[str]) -> dict[str, float]:
    """Train one run with ``overrides`` and print its overall figures; returns every metric."""
    metrics = train(compose_settings(list(overrides)), project_root())
    for name in sorted(metrics):
        if name.startswith(PRINTED_PREFIXES) and "." not in name:
            print(f"{name} {metrics[name]:.4f}")
    return metrics
