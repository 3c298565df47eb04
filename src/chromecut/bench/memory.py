"""Peak memory of ``clean_many`` over a stream of K times the sample: flat when nothing accumulates.

Each K runs in a fresh process (``chromecut bench rss``, here ``python -m chromecut.bench.cli rss``) fed the same
pages through a file (:func:`chromecut.bench.sample.write_sample`), since a process's peak RSS only grows: the
figure of one stream must not carry the peak of the one before. The pages are cycled through a generator, never
held as a list of K copies, so a peak that grows with K is the cleaner's.
"""

from __future__ import annotations

import itertools
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chromecut.bench.contenders import DEFAULT_BATCH_SIZE
from chromecut.bench.sample import write_sample
from chromecut.predict import Cleaner

logger = logging.getLogger(__name__)

#: Stream lengths, in multiples of the sample, whose peak RSS is measured (each in a fresh process).
DEFAULT_RSS_REPEATS: tuple[int, ...] = (1, 10)
#: Characters of a failed memory subprocess's stderr kept in its figure.
MAX_ERROR_CHARS = 500
#: ``ru_maxrss`` is in KiB on Linux.
_KIB = 1024
#: The module whose ``rss`` command a memory subprocess runs (:func:`chromecut.bench.cli.main`).
RSS_MODULE = "chromecut.bench.cli"


@dataclass(frozen=True, slots=True)
class MemoryFigure:
    """Peak RSS of one process that cleaned ``repeat`` times the sample as a stream.

    ``max_rss_bytes`` and ``seconds`` are ``None`` when the process failed (``error`` says why).
    """

    repeat: int
    pages: int
    max_rss_bytes: int | None
    seconds: float | None
    error: str | None = None


def peak_rss_bytes() -> int:
    """This process's peak resident set size in bytes (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * _KIB


def stream_memory(
    htmls: Sequence[bytes], repeat: int, batch_size: int = DEFAULT_BATCH_SIZE, model: str = "html"
) -> MemoryFigure:
    """Clean ``repeat`` times the pages through ``clean_many`` over a generator (pages cycled, never a list).

    Meant for a fresh process (``chromecut bench rss``): the peak RSS is the process's.
    """
    cleaner = Cleaner.load(model)
    stream = itertools.chain.from_iterable(itertools.repeat(htmls, repeat))
    start = time.perf_counter()
    cleaned = sum(1 for _ in cleaner.clean_many(stream, batch_size))
    return MemoryFigure(repeat, cleaned, peak_rss_bytes(), time.perf_counter() - start)


def _memory_subprocess(sample: Path, repeat: int, batch_size: int) -> MemoryFigure:
    command = [sys.executable, "-m", RSS_MODULE, "rss", "--sample", str(sample), "--repeat", str(repeat),
               "--batch-size", str(batch_size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = f"exit status {done.returncode}: {done.stderr.strip()[-MAX_ERROR_CHARS:]}"
        return MemoryFigure(repeat, 0, None, None, reason)
    return MemoryFigure(**json.loads(lines[-1]))


def measure_memory(
    htmls: Sequence[bytes], repeats: Sequence[int] = DEFAULT_RSS_REPEATS, batch_size: int = DEFAULT_BATCH_SIZE
) -> list[MemoryFigure]:
    """Peak RSS of :func:`stream_memory` for each repeat, each in a fresh subprocess fed the same sample."""
    with tempfile.TemporaryDirectory(prefix="chromecut-bench-") as folder:
        sample = Path(folder) / "sample.bin"
        write_sample(sample, htmls)
        figures = []
        for repeat in repeats:
            logger.info("peak RSS of clean_many over %d x %d pages", repeat, len(htmls))
            figures.append(_memory_subprocess(sample, repeat, batch_size))
        return figures


def memory_growth(figures: Sequence[MemoryFigure]) -> float | None:
    """Peak RSS of the longest stream over that of the shortest; ``None`` unless both were measured."""
    measured = sorted((f for f in figures if f.max_rss_bytes), key=lambda f: f.repeat)
    if len(measured) < 2:
        return None
    first, last = measured[0].max_rss_bytes, measured[-1].max_rss_bytes
    assert first is not None and last is not None
    return last / first
