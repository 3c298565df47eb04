"""What each research-only dataset adds to a model trained on the permissive ones, measured leave-one-dataset-out.

The shipped bundles train on the datasets whose licence permits it (``data.include_research=false``); a
``data=all`` model adds the research-only ones. To see which of those carry over to pages of other sources, the
same leave-one-dataset-out folds (:func:`~chromecut.evaluate.lodo.leave_one_dataset_out`) are trained on the
permissive datasets alone (the *base* pool), and then on the base pool plus one research dataset at a time, and
every held-out dataset is scored by each. A candidate is never scored on its own dataset (that fold would train
on the base pool alone), so its mean gain is taken over the other held-out datasets only.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chromecut.datasets import DATASETS
from chromecut.evaluate.lodo import leave_one_dataset_out
from chromecut.settings import TrainSettings

#: The report's name of the base pool's scores.
BASE = "base"
#: Seven pools of about ten folds each: each fold trains on at most this many pages per dataset (half of a
#: full leave-one-dataset-out fold's) and scores at most this many pages of its held-out dataset (the same ones
#: for every pool), to keep the seventy-odd fits affordable.
FOLD_MAX_PAGES_DEFAULT = 150
HELD_OUT_MAX_PAGES_DEFAULT = 300

Lodo = Callable[..., dict[str, Any]]


def permissive_datasets() -> list[str]:
    """The datasets the shipped bundles may train on."""
    return [name for name, spec in DATASETS.items() if spec.permissive]


def research_datasets() -> list[str]:
    """The datasets only a ``data=all`` bundle trains on."""
    return [name for name, spec in DATASETS.items() if not spec.permissive]


def dataset_contributions(
    settings: TrainSettings, held_out: Sequence[str] | None = None, candidates: Sequence[str] | None = None,
    base: Sequence[str] | None = None, *, root: Path | None = None,
    fold_max_pages: int | None = FOLD_MAX_PAGES_DEFAULT, held_out_max_pages: int | None = HELD_OUT_MAX_PAGES_DEFAULT,
    lodo: Lodo = leave_one_dataset_out,
) -> dict[str, Any]:
    """Held-out page F1 of fold models trained on ``base`` (default: the permissive datasets) and on ``base`` plus
    each of ``candidates`` (default: the research-only datasets), on every ``held_out`` dataset (default: all).

    Returns
    -------
    dict
        ``mode``, ``fold_max_pages``, ``held_out_max_pages``, ``base`` (the pool), ``candidates``, and
        ``datasets``: per held-out dataset its ``pages`` and ``page_f1`` per pool (:data:`BASE` and each candidate
        it is not); ``gains``: per candidate, the mean over the held-out datasets it scored of its page F1 minus
        the base pool's.
    """
    base = list(base or permissive_datasets())
    candidates = [c for c in (candidates or research_datasets()) if c not in base]
    names = list(held_out or DATASETS)
    pools = {BASE: base, **{c: [*base, c] for c in candidates}}
    datasets: dict[str, dict[str, Any]] = {}
    for pool_name, pool in pools.items():
        targets = [d for d in names if d != pool_name]
        if not targets:
            continue
        report = lodo(settings, targets, peers=False, root=root, fold_max_pages=fold_max_pages, train_datasets=pool,
                      held_out_max_pages=held_out_max_pages)
        for dataset, entry in report["datasets"].items():
            record = datasets.setdefault(dataset, {"pages": entry["pages"], "page_f1": {}})
            record["page_f1"][pool_name] = entry["chromecut"]["page_f1"]
    gains: dict[str, float] = {}
    for candidate in candidates:
        deltas = [r["page_f1"][candidate] - r["page_f1"][BASE] for r in datasets.values()
                  if candidate in r["page_f1"] and BASE in r["page_f1"]]
        if deltas:
            gains[candidate] = statistics.fmean(deltas)
    return {"mode": settings.features.mode, "fold_max_pages": fold_max_pages,
            "held_out_max_pages": held_out_max_pages, "base": base,
            "candidates": candidates, "datasets": datasets, "gains": gains}
