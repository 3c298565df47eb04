"""The labelled datasets: one reader module per dataset, the registry, and ``prepare`` (the labelled line table).

Import the public API from here (``from chromecut.datasets import DATASETS, Page, iter_pages``). This package
loads nothing the inference path does not already load (no pandas, no LightGBM): :mod:`chromecut.datasets.prepare`
is imported on its own, by those that need it.
"""

from chromecut.datasets.base import (
    ARCHIVE_NAME,
    DATASETS_ENV_VAR,
    PAGE_TYPE,
    PERMISSIVE_LICENSES,
    DatasetInfo,
    Gold,
    GoldKind,
    Page,
    datasets_root,
    read_archive,
)
from chromecut.datasets.registry import DATASETS, iter_pages, register_own

__all__ = [
    "ARCHIVE_NAME",
    "DATASETS",
    "DATASETS_ENV_VAR",
    "PAGE_TYPE",
    "PERMISSIVE_LICENSES",
    "DatasetInfo",
    "Gold",
    "GoldKind",
    "Page",
    "datasets_root",
    "iter_pages",
    "read_archive",
    "register_own",
]
