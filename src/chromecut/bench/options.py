"""Command-line pieces the benchmarks share: argparse value types and the options that choose the sample.

Kept apart from any one benchmark so that each (``speed``, ``rss``, ``dask``) adds the same ``--pages``,
``--datasets`` and ``--root`` without importing another benchmark.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from chromecut.bench.sample import DEFAULT_DATASETS, DEFAULT_PAGES
from chromecut.datasets import DATASETS


def names(known: Sequence[str], what: str) -> Callable[[str], list[str]]:
    """An argparse type: a comma-separated list of names from ``known``."""

    def parse(value: str) -> list[str]:
        chosen = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in known]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(unknown) or '(none given)'}; "
                                             f"choose from {', '.join(known)}")
        return chosen

    return parse


def counts(value: str) -> list[int]:
    """An argparse type: a comma-separated list of positive integers (empty: none)."""
    try:
        numbers = [int(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of integers: {value!r}") from exc
    if any(number < 1 for number in numbers):
        raise argparse.ArgumentTypeError(f"every count must be at least 1: {value!r}")
    return numbers


def positive(value: str) -> int:
    """An argparse type: an integer of at least 1."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def non_negative(value: str) -> int:
    """An argparse type: an integer of at least 0."""
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {number}")
    return number


def add_sample_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the sample (``--pages``, ``--datasets``, ``--root``)."""
    parser.add_argument("--pages", type=positive, default=DEFAULT_PAGES,
                        help=f"pages in the sample (default {DEFAULT_PAGES})")
    parser.add_argument("--datasets", type=names(tuple(DATASETS), "dataset"), default=list(DEFAULT_DATASETS),
                        help="comma-separated datasets the sample is drawn from "
                             f"(default {','.join(DEFAULT_DATASETS)})")
    parser.add_argument("--root", type=Path, default=None, help="dataset folder (default: $CHROMECUT_DATASETS)")
