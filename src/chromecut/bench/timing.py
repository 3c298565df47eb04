"""Timing the contenders on the sample, and the figures that come out: throughput, speed ratio, F1.

Every contender is warmed up on the first few pages (imports, caches, the first parse) before it is timed with
:func:`time.perf_counter`. The figures are throughput (pages/s, MB/s of input, lines/s where the lines are the
page's segmented lines for every HTML contender), the ratio of the baseline's pages/s to each contender's, and
the mean page-level shingle F1 of each contender's output against the gold on the pages whose gold is full
text. A contender that fails as a whole gives a figure with its error; it never stops the others.
"""

from __future__ import annotations

import gc
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from chromecut.bench.contenders import BASELINE, Contender, Output
from chromecut.bench.sample import BenchPage, InputKind
from chromecut.evaluate.metrics import shingle_prf
from chromecut.settings import BENCH_ROUNDS_DEFAULT

logger = logging.getLogger(__name__)

#: Pages (the first of the sample) each contender runs on, untimed, before it is timed.
DEFAULT_WARMUP_PAGES = 3
#: Timed passes of every contender over the sample, taken in turns (the figures are each one's fastest pass).
DEFAULT_ROUNDS = BENCH_ROUNDS_DEFAULT
#: Bytes in the MB of MB/s and of the memory figures (decimal).
BYTES_PER_MB = 1_000_000


def best_of(run: Callable[[], object], repeats: int) -> float:
    """Fewest seconds of ``repeats`` calls of ``run`` (the benchmarks' timer of a step)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def rate(amount: float, seconds: float | None) -> float | None:
    """``amount`` per second; ``None`` when there is no positive time to divide by."""
    if seconds is None or seconds <= 0:
        return None
    return amount / seconds


def speed_ratio(baseline: float | None, other: float | None) -> float | None:
    """How many times faster the baseline is than the other (pages/s over pages/s); ``None`` if undefined."""
    if baseline is None or other is None or other <= 0:
        return None
    return baseline / other


@dataclass(frozen=True, slots=True)
class Figures:
    """What one contender did on the sample.

    Attributes
    ----------
    name, kind:
        The contender and its input.
    pages, input_bytes, lines:
        The sample as this contender reads it.
    seconds:
        Wall time of the fastest timed pass; ``None`` when the contender could not run (see ``error``).
    failures:
        Pages it failed on.
    f1:
        Mean page-level shingle F1 on the pages with full-text gold (a failure scores its empty output).
    f1_pages:
        How many pages ``f1`` averages.
    error:
        Why the contender as a whole failed, if it did.
    round_seconds:
        Wall time of every timed pass, in order (``seconds`` is the least).
    """

    name: str
    kind: InputKind
    pages: int
    input_bytes: int
    lines: int
    seconds: float | None
    failures: int = 0
    f1: float | None = None
    f1_pages: int = 0
    error: str | None = None
    round_seconds: tuple[float, ...] = ()

    @property
    def pages_per_second(self) -> float | None:
        """Pages per second."""
        return rate(self.pages, self.seconds)

    @property
    def mb_per_second(self) -> float | None:
        """Input megabytes (:data:`BYTES_PER_MB`) per second."""
        return rate(self.input_bytes / BYTES_PER_MB, self.seconds)

    @property
    def lines_per_second(self) -> float | None:
        """Input lines per second."""
        return rate(self.lines, self.seconds)


def speed_ratios(figures: Sequence[Figures], baseline: str = BASELINE) -> dict[str, float | None]:
    """Each contender's :func:`speed_ratio` against ``baseline`` (all ``None`` when the baseline did not run)."""
    reference = next((f.pages_per_second for f in figures if f.name == baseline), None)
    return {f.name: speed_ratio(reference, f.pages_per_second) for f in figures}


def mean_f1(pages: Sequence[BenchPage], outputs: Sequence[Output]) -> tuple[float | None, int]:
    """Mean shingle F1 of the outputs against the full-text gold, and the number of pages it averages."""
    scores = [shingle_prf(output or "", page.gold).f1
              for page, output in zip(pages, outputs, strict=True) if page.gold is not None]
    return (statistics.fmean(scores) if scores else None), len(scores)


class Profiling(Protocol):
    """What :func:`time_contender` profiles its timed run with: ``enable`` before it, ``disable`` after it."""

    def enable(self) -> None: ...

    def disable(self) -> None: ...


def time_contender(
    contender: Contender, pages: Sequence[BenchPage], warmup: int, profiler: Profiling | None = None
) -> tuple[list[Output], float]:
    """Set the contender up, warm it up on ``pages[:warmup]``, then time it over all ``pages``.

    Returns the outputs and the seconds of the timed run; with a ``profiler``, only the timed run is profiled.
    """
    with contender.open() as run:
        run(pages[:warmup])
        gc.collect()
        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            outputs = run(pages)
        finally:
            if profiler is not None:
                profiler.disable()
        seconds = time.perf_counter() - start
    return outputs, seconds


def measure(contender: Contender, pages: Sequence[BenchPage], warmup: int = DEFAULT_WARMUP_PAGES) -> Figures:
    """Time one contender on the pages and score its output; a contender that raises gives ``error``."""
    kind = contender.kind
    size = sum(page.size(kind) for page in pages)
    lines = sum(page.line_count(kind) for page in pages)
    try:
        outputs, seconds = time_contender(contender, pages, warmup)
        if len(outputs) != len(pages):
            raise RuntimeError(f"{len(outputs)} outputs for {len(pages)} pages")
    except Exception as exc:  # one contender failing must not stop the others
        logger.warning("%s failed: %s: %s", contender.name, type(exc).__name__, exc)
        return Figures(contender.name, kind, len(pages), size, lines, None, error=f"{type(exc).__name__}: {exc}")
    f1, f1_pages = mean_f1(pages, outputs)
    failures = sum(output is None for output in outputs)
    return Figures(contender.name, kind, len(pages), size, lines, seconds, failures, f1, f1_pages,
                   round_seconds=(seconds,))


def run_benchmark(
    pages: Sequence[BenchPage], contenders: Sequence[Contender], warmup: int = DEFAULT_WARMUP_PAGES,
    rounds: int = DEFAULT_ROUNDS,
) -> list[Figures]:
    """:func:`measure` every contender on the same pages, one after the other, then time them again in turns
    until each has ``rounds`` passes: a slow spell of the machine falls on one pass of each, not on one contender.
    Each one's figures are those of its fastest pass (its outputs and F1 those of the first); a contender that
    fails in a later pass keeps the passes it made."""
    figures = []
    for contender in contenders:
        logger.info("timing %s on %d pages", contender.name, len(pages))
        figures.append(measure(contender, pages, warmup))
    for round_ in range(1, rounds):
        for k, (contender, figure) in enumerate(zip(contenders, figures, strict=True)):
            if figure.seconds is None or len(figure.round_seconds) < round_:
                continue
            logger.info("timing %s again (pass %d of %d)", contender.name, round_ + 1, rounds)
            try:
                _, seconds = time_contender(contender, pages, warmup)
            except Exception as exc:  # one contender failing must not stop the others
                logger.warning("%s failed in pass %d: %s: %s", contender.name, round_ + 1, type(exc).__name__, exc)
                continue
            passes = (*figure.round_seconds, seconds)
            figures[k] = replace(figure, seconds=min(passes), round_seconds=passes)
    return figures
