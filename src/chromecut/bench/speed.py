"""``chromecut bench speed``: chromecut beside the peer extractors on the same pages, with accuracy, memory and a
profile; and ``chromecut bench rss``, the one-process memory run ``speed`` starts for each stream length.

``speed`` draws a fixed sample of pages evenly from several datasets (:mod:`chromecut.bench.sample`), prepares
every page before any timing, then times every contender (:mod:`chromecut.bench.contenders`) over the same pages
in one run, several passes taken in turns, the fastest of each counting
(:func:`chromecut.bench.timing.run_benchmark`). It also measures the peak RSS of ``clean_many`` over a stream of
K times the sample in a fresh process per K (:mod:`chromecut.bench.memory`), and with ``--profile`` runs the
baseline under a profiler (:mod:`chromecut.bench.profiling`). Figures are printed (and written as JSON
with ``--json``, :mod:`chromecut.bench.report`), never asserted.

This module holds the two commands' options and what they run; :mod:`chromecut.bench.cli` puts them in the
parser tree of ``chromecut``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from chromecut.bench.contenders import (
    BASELINE,
    CONTENDERS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_CHUNK_PAGES,
    DEFAULT_WORKERS,
    HTML_WORKERS,
    build_contenders,
)
from chromecut.bench.memory import DEFAULT_RSS_REPEATS, measure_memory, stream_memory
from chromecut.bench.options import add_sample_arguments, counts, names, non_negative, positive
from chromecut.bench.profiling import PROFILERS, profile_contender
from chromecut.bench.report import Report, Settings, render, report_json
from chromecut.bench.sample import InputKind, load_sample, read_sample, sample_pages
from chromecut.bench.timing import DEFAULT_ROUNDS, DEFAULT_WARMUP_PAGES, run_benchmark
from chromecut.evaluate.tables import refresh_after_report

logger = logging.getLogger(__name__)

#: Times ``rss`` streams the sample unless told.
DEFAULT_RSS_REPEAT = 1


def add_batch_size(parser: argparse.ArgumentParser) -> None:
    """``--batch-size``: pages per ``clean_many`` batch."""
    parser.add_argument("--batch-size", type=positive, default=DEFAULT_BATCH_SIZE,
                        help=f"pages per clean_many batch (default {DEFAULT_BATCH_SIZE})")


def add_speed_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``chromecut bench speed``."""
    add_sample_arguments(parser)
    parser.add_argument("--contenders", type=names(CONTENDERS, "contender"), default=list(CONTENDERS),
                        help=f"comma-separated contenders (default all: {','.join(CONTENDERS)})")
    parser.add_argument("--warmup", type=non_negative, default=DEFAULT_WARMUP_PAGES,
                        help=f"untimed warm-up pages per contender (default {DEFAULT_WARMUP_PAGES})")
    parser.add_argument("--rounds", type=positive, default=DEFAULT_ROUNDS,
                        help=f"timed passes of each contender, taken in turns; the fastest counts "
                             f"(default {DEFAULT_ROUNDS})")
    add_batch_size(parser)
    parser.add_argument("--workers", type=positive, default=DEFAULT_WORKERS,
                        help=f"worker processes of {HTML_WORKERS} (default {DEFAULT_WORKERS})")
    parser.add_argument("--chunk-pages", type=positive, default=DEFAULT_CHUNK_PAGES,
                        help=f"pages per worker task (default {DEFAULT_CHUNK_PAGES})")
    parser.add_argument("--rss-repeats", type=counts, default=list(DEFAULT_RSS_REPEATS),
                        help="comma-separated stream lengths, in samples, whose peak RSS is measured "
                             f"(default {','.join(map(str, DEFAULT_RSS_REPEATS))}; empty: skip)")
    parser.add_argument("--html-model", default="html", metavar="M",
                        help="the html model timed: html (shipped), a bundle folder or an MLflow URI")
    parser.add_argument("--text-model", default="text", metavar="M",
                        help="the text model timed: text (shipped), a bundle folder or an MLflow URI")
    parser.add_argument("--profile", action="store_true", help=f"profile {BASELINE}")
    parser.add_argument("--profiler", choices=PROFILERS, default=PROFILERS[0],
                        help=f"the profiler of --profile (default {PROFILERS[0]}, a sampler; cprofile counts calls)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write every figure as JSON")


def run_speed(args: argparse.Namespace) -> int:
    """``speed``: sample, time every contender, measure memory, profile; print (and write) the report."""
    started = time.perf_counter()
    pages = load_sample(args.datasets, args.pages, args.root)
    logger.info("sampled %d pages in %.1f s", len(pages), time.perf_counter() - started)
    settings = Settings(args.warmup, args.batch_size, args.workers, args.chunk_pages, args.rounds)
    models: dict[InputKind, str] = {"html": args.html_model, "text": args.text_model}
    contenders = build_contenders(args.contenders, batch_size=settings.batch_size, workers=settings.workers,
                                  chunk_pages=settings.chunk_pages, models=models)
    report = Report(pages, run_benchmark(pages, contenders, settings.warmup, settings.rounds), settings)
    if args.rss_repeats:
        report.memory = measure_memory([page.html for page in pages], args.rss_repeats, settings.batch_size)
    if args.profile:
        logger.info("profiling %s", BASELINE)
        (baseline,) = build_contenders([BASELINE], models=models)
        report.profile = profile_contender(baseline, pages, settings.warmup, profiler=args.profiler)
    print(render(report))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report_json(report), indent=2) + "\n", encoding="utf-8")
        refresh_after_report(args.json)
    return 0


def add_rss_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``chromecut bench rss``."""
    parser.add_argument("--repeat", type=positive, default=DEFAULT_RSS_REPEAT,
                        help=f"times the sample is streamed (default {DEFAULT_RSS_REPEAT})")
    parser.add_argument("--sample", type=Path, default=None,
                        help="pages file (see write_sample; speed writes one) instead of sampling the datasets")
    add_sample_arguments(parser)
    add_batch_size(parser)


def run_rss(args: argparse.Namespace) -> int:
    """``rss``: clean a stream of ``--repeat`` times the sample; print its memory figure as JSON."""
    if args.sample is not None:
        htmls = read_sample(args.sample)
    else:
        htmls = [page.html for page in sample_pages(args.datasets, args.pages, root=args.root)]
    print(json.dumps(asdict(stream_memory(htmls, args.repeat, args.batch_size))))
    return 0
