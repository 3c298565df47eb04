"""``chromecut bench speed`` and ``rss``: their options (nothing is timed, no model is loaded)."""

from __future__ import annotations

import pytest

from chromecut.bench import contenders as bench
from chromecut.bench.cli import build_parser, main
from chromecut.bench.memory import DEFAULT_RSS_REPEATS
from chromecut.bench.sample import DEFAULT_DATASETS, DEFAULT_PAGES
from chromecut.bench.timing import DEFAULT_ROUNDS


def test_command_line_rejects_unknown_names() -> None:
    with pytest.raises(SystemExit):
        main(["speed", "--contenders", "nope"])
    with pytest.raises(SystemExit):
        main(["speed", "--datasets", "nope"])
    with pytest.raises(ValueError, match="unknown contender"):
        bench.build_contenders(["nope"])
    assert [c.name for c in bench.build_contenders()] == list(bench.CONTENDERS)


def test_speed_defaults_come_from_the_leaf_modules() -> None:
    args = build_parser().parse_args(["speed"])
    assert args.pages == DEFAULT_PAGES and args.datasets == list(DEFAULT_DATASETS)
    assert args.contenders == list(bench.CONTENDERS) and args.batch_size == bench.DEFAULT_BATCH_SIZE
    assert args.rounds == DEFAULT_ROUNDS
    assert args.handler is not None


def test_rss_reads_a_sample_file_or_samples_the_datasets() -> None:
    args = build_parser().parse_args(["rss", "--sample", "pages.bin", "--repeat", "3"])
    assert str(args.sample) == "pages.bin" and args.repeat == 3 and args.batch_size == bench.DEFAULT_BATCH_SIZE
    assert build_parser().parse_args(["rss"]).sample is None
    assert build_parser().parse_args(["speed", "--rss-repeats", ""]).rss_repeats == []
    assert build_parser().parse_args(["speed"]).rss_repeats == list(DEFAULT_RSS_REPEATS)
