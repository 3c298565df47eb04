"""Speed benchmark: chromecut beside the peer extractors on the same pages, with accuracy, memory and a profile.

``python -m chromecut.bench.speed speed`` draws a fixed sample of pages evenly from several datasets
(:func:`sample_pages`), prepares every page before any timing (HTML bytes in memory, segmented line count, the
text-mode input), then times every contender over the same pages in one run (:func:`run_benchmark`):

* ``chromecut-html`` -- ``Cleaner.load("html").clean(html)`` page by page, in this process (the baseline);
* ``chromecut-html-batch`` -- the same model through ``clean_many`` (pages featurised in batches);
* ``chromecut-html-workers`` -- ``clean_many`` in spawned worker processes (each loads the model once), fed
  chunks of pages;
* ``chromecut-text`` / ``chromecut-text-batch`` -- the text model on each page's segmented lines joined by
  ``\\n``, page by page and through ``clean_many``;
* ``chromecut-html-compiled`` / ``chromecut-text-compiled`` -- ``clean_many`` with the trees compiled to native
  code (``predictor="compiled"``, :mod:`chromecut.model.compiled`; compiled or loaded from the cache before timing);
* the peers of :mod:`chromecut.evaluate.peers` (trafilatura, resiliparse, readability, boilerpy3, jusText) through
  :func:`chromecut.evaluate.peers.extract`; a page a peer fails on is counted, not fatal.

Every contender is warmed up on the first few pages (imports, caches, the first parse) before it is timed with
:func:`time.perf_counter`. The figures are throughput (pages/s, MB/s of input, lines/s where the lines are the
page's segmented lines for every HTML contender), the ratio of the baseline's pages/s to each contender's, and
the mean page-level shingle F1 of each contender's output against the gold on the pages whose gold is full
text. ``speed`` also measures the peak RSS of ``clean_many`` over a stream of K times the sample in a fresh
process per K (``python -m chromecut.bench.speed rss``), and with ``--profile`` runs the baseline under a profiler:
pyinstrument's statistical profiler by default (it records the stack at intervals, so a function called very
often is not charged the profiler's own time on every call, as with cProfile), or :mod:`cProfile`
(``--profiler cprofile``, exact call counts). Figures are printed (and written as JSON with ``--json``), never
asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import logging
import os
import platform
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from chromecut.datasets.loaders import DATASETS, GoldKind, Page, iter_pages
from chromecut.evaluate.peers import PEERS, extract
from chromecut.io.batch import WORKER_THREADS
from chromecut.labels import shingle_prf
from chromecut.model.compiled import PREDICTOR_DEFAULT, Predictor
from chromecut.predict import WORKER_START_METHOD, Cleaner
from chromecut.segment.html import segment_html, split_text_lines
from chromecut.settings import BENCH_PAGES_DEFAULT

if TYPE_CHECKING:
    from _lsprof import profiler_entry
    from multiprocessing.queues import Queue

    from pyinstrument.frame import Frame

logger = logging.getLogger(__name__)

#: Datasets the sample is drawn from, evenly.
DEFAULT_DATASETS: tuple[str, ...] = ("wcxb", "dragnet", "cleaneval", "trafilatura", "readability", "l3s-gn1")
#: Pages in the sample.
DEFAULT_PAGES = BENCH_PAGES_DEFAULT
#: Pages (the first of the sample) each contender runs on, untimed, before it is timed.
DEFAULT_WARMUP_PAGES = 3
#: Pages per ``clean_many`` batch (the default of :meth:`chromecut.predict.Cleaner.clean_many`).
DEFAULT_BATCH_SIZE = 64
#: Worker processes of ``chromecut-html-workers``.
DEFAULT_WORKERS = 2
#: Pages per task sent to a worker process (one ``clean_many`` batch there).
DEFAULT_CHUNK_PAGES = 16
#: Stream lengths, in multiples of the sample, whose peak RSS is measured (each in a fresh process).
DEFAULT_RSS_REPEATS: tuple[int, ...] = (1, 10)
#: Entries of each profile table.
PROFILE_TOP = 15
#: The profilers ``--profiler`` chooses from: a statistical sampler (the default) and the deterministic one.
PROFILERS: tuple[str, ...] = ("pyinstrument", "cprofile")
#: Seconds between two samples of the statistical profiler.
SAMPLING_INTERVAL = 0.0005
#: Bytes in the MB of MB/s and of the memory figures (decimal).
BYTES_PER_MB = 1_000_000
#: Seconds to wait for a worker process to load its model and warm up.
WORKER_READY_TIMEOUT = 300.0
#: Characters of a failed memory subprocess's stderr kept in its figure.
MAX_ERROR_CHARS = 500
#: A tiny page each worker process cleans once after loading its model (the first parse and prediction).
WORKER_WARMUP_HTML = (
    "<html><head><title>Warm-up</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
    "<article><h1>Warm-up</h1><p>A paragraph of ordinary prose, long enough to look like content to the model."
    "</p></article><footer>Contact</footer></body></html>"
)
#: How the text-mode input and its size are encoded.
TEXT_ENCODING = "utf-8"
#: Length prefix of each page in a sample file (see :func:`write_sample`).
_SAMPLE_LENGTH = struct.Struct(">Q")
#: What ``python -m chromecut.bench.speed --help`` says it is.
DESCRIPTION = "Speed benchmark: chromecut beside the peer extractors on the same pages."
#: Name and version of the JSON layout written by ``--json``.
JSON_SCHEMA = "chromecut-bench-speed/1"

#: Contender names: chromecut's, then the peers (same names as :data:`chromecut.evaluate.peers.PEERS`).
HTML_SINGLE = "chromecut-html"
HTML_BATCH = "chromecut-html-batch"
HTML_WORKERS = "chromecut-html-workers"
TEXT_SINGLE = "chromecut-text"
TEXT_BATCH = "chromecut-text-batch"
HTML_COMPILED = "chromecut-html-compiled"
TEXT_COMPILED = "chromecut-text-compiled"
CHROMECUT_CONTENDERS: tuple[str, ...] = (
    HTML_SINGLE, HTML_BATCH, HTML_COMPILED, HTML_WORKERS, TEXT_SINGLE, TEXT_BATCH, TEXT_COMPILED
)
CONTENDERS: tuple[str, ...] = CHROMECUT_CONTENDERS + PEERS
#: The contender every other one is compared with in pages/s.
BASELINE = HTML_SINGLE
#: Loggers of the peer libraries, quieted by :func:`main`: a page a peer fails on is counted, not printed
#: (boilerpy3 logs a traceback for every page it cannot parse).
PEER_LOGGERS: tuple[str, ...] = ("trafilatura", "readability", "boilerpy3", "justext")
#: Packages whose versions the JSON records (import name is not always the distribution name).
VERSIONED_PACKAGES: dict[str, str] = {
    "chromecut": "chromecut",
    "lightgbm": "lightgbm",
    "selectolax": "selectolax",
    "numpy": "numpy",
    "trafilatura": "trafilatura",
    "resiliparse": "resiliparse",
    "readability": "readability-lxml",
    "boilerpy3": "boilerpy3",
    "justext": "justext",
}

InputKind = Literal["html", "text"]
#: A contender's output for one page: the text it kept, or ``None`` when it failed on the page.
Output = str | None
#: Runs a contender over pages: one output per page, in order.
Runner = Callable[[Sequence["BenchPage"]], list[Output]]
T = TypeVar("T")


# ----------------------------------------------------------------------------------------------------------
# Pages
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchPage:
    """A page prepared before timing: its HTML, its text-mode input and what the figures count.

    Attributes
    ----------
    dataset, page_id:
        Where the page comes from.
    html:
        The page bytes (input of every HTML contender).
    text:
        The text-mode input: the page's segmented lines joined by ``\\n``.
    lines:
        Segmented lines of the page (the line count of every HTML contender).
    text_lines:
        Lines of ``text`` as text mode reads it (the line count of the text contenders).
    text_bytes:
        Size of ``text`` encoded as UTF-8.
    language:
        The page's language, if the dataset states it (jusText picks its stoplist with it).
    gold:
        The full-text gold, or ``None`` (snippet gold, no gold text): F1 is computed where it is set.
    """

    dataset: str
    page_id: str
    html: bytes
    text: str
    lines: int
    text_lines: int
    text_bytes: int
    language: str | None = None
    gold: str | None = None

    def input(self, kind: InputKind) -> bytes | str:
        """What a contender reading ``kind`` gets: the HTML bytes or the text."""
        return self.html if kind == "html" else self.text

    def size(self, kind: InputKind) -> int:
        """Bytes of the ``kind`` input."""
        return len(self.html) if kind == "html" else self.text_bytes

    def line_count(self, kind: InputKind) -> int:
        """Lines of the ``kind`` input."""
        return self.lines if kind == "html" else self.text_lines


def bench_page(
    dataset: str, page_id: str, html: bytes, *, language: str | None = None, gold: str | None = None
) -> BenchPage:
    """Prepare a page: segment it once, build its text-mode input, count its lines and bytes."""
    segmentation = segment_html(html)
    text = "\n".join(segmentation.texts)
    return BenchPage(dataset, page_id, html, text, len(segmentation.lines), len(split_text_lines(text)),
                     len(text.encode(TEXT_ENCODING)), language, gold)


def full_text_gold(page: Page) -> str | None:
    """The page's gold text when it is full text (not snippets) and not empty, else ``None``."""
    gold = page.gold
    if gold.kind is GoldKind.SNIPPETS or not gold.text:
        return None
    return gold.text


def prepare(page: Page) -> BenchPage:
    """A dataset page as a :class:`BenchPage`."""
    return bench_page(page.dataset, page.page_id, page.html, language=page.language, gold=full_text_gold(page))


def even_indices(total: int, count: int) -> list[int]:
    """``count`` positions spread evenly over ``range(total)``: the middle of each of ``count`` equal strides.

    Every position when ``count >= total``; none when ``count <= 0``.
    """
    if count >= total:
        return list(range(total))
    return [(2 * i + 1) * total // (2 * count) for i in range(max(count, 0))]


def quotas(count: int, groups: int) -> list[int]:
    """Split ``count`` into ``groups`` shares that differ by at most one (the larger shares first)."""
    base, extra = divmod(count, groups)
    return [base + (i < extra) for i in range(groups)]


def spread(items: Iterable[T], total: int, count: int) -> list[T]:
    """The items at :func:`even_indices` ``(total, count)``, in order.

    ``total`` is the expected length of ``items``. When ``items`` turns out shorter and too few positions are
    reached, the last items not picked make up the difference (so a dataset with a few broken pages still gives
    its share). Iteration stops at the last wanted position.
    """
    wanted = set(even_indices(total, count))
    picked: list[tuple[int, T]] = []
    spare: deque[tuple[int, T]] = deque(maxlen=max(count, 0))
    for position, item in enumerate(items):
        if position in wanted:
            picked.append((position, item))
            if len(picked) == count:
                break
        else:
            spare.append((position, item))
    shortfall = count - len(picked)
    if shortfall > 0:
        picked.extend(list(spare)[-shortfall:])
    return [item for _, item in sorted(picked, key=lambda pair: pair[0])]


def sample_pages(
    datasets: Sequence[str],
    count: int,
    *,
    root: str | os.PathLike[str] | None = None,
    load: Callable[[str], Iterable[Page]] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> list[Page]:
    """A fixed, deterministic sample: ``count`` pages shared evenly by ``datasets``, spread over each one.

    Each dataset's share (:func:`quotas`) is taken with :func:`spread` over its pages in page-id order.

    Parameters
    ----------
    datasets:
        Names of :data:`chromecut.datasets.loaders.DATASETS`.
    count:
        Pages in the sample.
    root:
        The dataset folder (see :func:`chromecut.datasets.loaders.datasets_root`).
    load:
        Yields a dataset's pages in a fixed order; :func:`chromecut.datasets.loaders.iter_pages` by default.
    sizes:
        Expected number of pages per dataset; the page counts of :data:`chromecut.datasets.loaders.DATASETS` by default.

    Raises
    ------
    ValueError
        If ``datasets`` is empty.
    """
    if not datasets:
        raise ValueError("no dataset to sample from")
    source = load if load is not None else partial(iter_pages, root=root)
    expected = sizes if sizes is not None else {name: info.pages for name, info in DATASETS.items()}
    sample: list[Page] = []
    for name, share in zip(datasets, quotas(count, len(datasets)), strict=True):
        if share > 0:
            sample.extend(spread(source(name), expected[name], share))
    return sample


def load_sample(datasets: Sequence[str], count: int, root: str | os.PathLike[str] | None = None) -> list[BenchPage]:
    """:func:`sample_pages`, each page prepared (:func:`prepare`)."""
    return [prepare(page) for page in sample_pages(datasets, count, root=root)]


def write_sample(path: Path, htmls: Iterable[bytes]) -> None:
    """Write pages to a file (each a length prefix and its bytes) for a memory subprocess to read."""
    with path.open("wb") as handle:
        for html in htmls:
            handle.write(_SAMPLE_LENGTH.pack(len(html)))
            handle.write(html)


def read_sample(path: Path) -> list[bytes]:
    """The pages of a file written by :func:`write_sample`."""
    data = path.read_bytes()
    pages: list[bytes] = []
    offset = 0
    while offset < len(data):
        (length,) = _SAMPLE_LENGTH.unpack_from(data, offset)
        offset += _SAMPLE_LENGTH.size
        pages.append(data[offset : offset + length])
        offset += length
    return pages


# ----------------------------------------------------------------------------------------------------------
# Contenders
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contender:
    """Something that turns pages into their main text.

    Attributes
    ----------
    name:
        Its name in the report.
    kind:
        The input it reads (``html``: the page bytes; ``text``: the text-mode input).
    open:
        Sets it up (loads a model, starts processes: untimed) and gives its :data:`Runner` for as long as the
        context lasts.
    """

    name: str
    kind: InputKind
    open: Callable[[], AbstractContextManager[Runner]]


def per_page(extract_one: Callable[[BenchPage], str]) -> Runner:
    """A runner calling ``extract_one`` page by page; a page it raises on gives ``None`` (a failure)."""

    def run(pages: Sequence[BenchPage]) -> list[Output]:
        outputs: list[Output] = []
        for page in pages:
            try:
                outputs.append(extract_one(page))
            except Exception:  # a failure on one page is a figure, whatever the contender raises
                outputs.append(None)
        return outputs

    return run


@contextmanager
def _cleaner_runner(
    kind: InputKind, model: str, batch_size: int | None, predictor: Predictor = PREDICTOR_DEFAULT
) -> Iterator[Runner]:
    """The ``kind`` model (a name, folder or URI for :meth:`Cleaner.load`) in this process, predicting with
    ``predictor``: ``clean`` page by page, or ``clean_many`` in batches."""
    cleaner = Cleaner.load(model, predictor=predictor)
    if batch_size is None:
        yield per_page(lambda page: cleaner.clean(page.input(kind)))
        return

    def run(pages: Sequence[BenchPage]) -> list[Output]:
        outputs: list[Output] = list(cleaner.clean_many((page.input(kind) for page in pages), batch_size))
        return outputs

    yield run


_WORKER_CLEANER: Cleaner | None = None


def _init_worker(model: str, ready: Queue[int]) -> None:
    """Worker start: one OpenMP thread, the model loaded once and warmed up, then ``ready`` told."""
    from threadpoolctl import threadpool_limits

    global _WORKER_CLEANER
    threadpool_limits(limits=WORKER_THREADS)
    _WORKER_CLEANER = Cleaner.load(model)
    _WORKER_CLEANER.clean(WORKER_WARMUP_HTML)
    ready.put(os.getpid())


def _clean_chunk(chunk: list[bytes]) -> list[str]:
    assert _WORKER_CLEANER is not None, "worker process used before its initializer ran"
    return list(_WORKER_CLEANER.clean_many(chunk, batch_size=len(chunk)))


@contextmanager
def _pool_runner(model: str, workers: int, chunk_pages: int) -> Iterator[Runner]:
    """``clean_many`` in ``workers`` spawned processes, each fed chunks of ``chunk_pages`` pages.

    Every worker is started, has loaded its model and cleaned a warm-up page before the runner is given out.
    """
    context = get_context(WORKER_START_METHOD)
    ready: Queue[int] = context.Queue()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(model, ready)) as pool:
        for _ in range(workers):  # spawned processes start on demand: one task each while none is idle
            pool.submit(os.getpid)
        for _ in range(workers):
            ready.get(timeout=WORKER_READY_TIMEOUT)

        def run(pages: Sequence[BenchPage]) -> list[Output]:
            chunks = [[page.html for page in pages[i : i + chunk_pages]] for i in range(0, len(pages), chunk_pages)]
            return [text for texts in pool.map(_clean_chunk, chunks) for text in texts]

        yield run


def peer_contender(peer: str) -> Contender:
    """A peer of :data:`chromecut.evaluate.peers.PEERS` through :func:`chromecut.evaluate.peers.extract`."""
    runner = per_page(lambda page: extract(peer, page.html, language=page.language))
    return Contender(peer, "html", lambda: nullcontext(runner))


def build_contenders(
    names: Sequence[str] = CONTENDERS,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = DEFAULT_WORKERS,
    chunk_pages: int = DEFAULT_CHUNK_PAGES,
    models: Mapping[InputKind, str] | None = None,
) -> list[Contender]:
    """The contenders named (from :data:`CONTENDERS`), in the order given; chromecut runs ``models[kind]``
    (a bundle name, folder or MLflow URI; default the shipped bundle of each kind).

    Raises
    ------
    ValueError
        If a name is unknown.
    """
    html = (models or {}).get("html", "html")
    text = (models or {}).get("text", "text")
    known: dict[str, Contender] = {
        HTML_SINGLE: Contender(HTML_SINGLE, "html", partial(_cleaner_runner, "html", html, None)),
        HTML_BATCH: Contender(HTML_BATCH, "html", partial(_cleaner_runner, "html", html, batch_size)),
        HTML_WORKERS: Contender(HTML_WORKERS, "html", partial(_pool_runner, html, workers, chunk_pages)),
        TEXT_SINGLE: Contender(TEXT_SINGLE, "text", partial(_cleaner_runner, "text", text, None)),
        TEXT_BATCH: Contender(TEXT_BATCH, "text", partial(_cleaner_runner, "text", text, batch_size)),
        HTML_COMPILED: Contender(HTML_COMPILED, "html",
                                 partial(_cleaner_runner, "html", html, batch_size, "compiled")),
        TEXT_COMPILED: Contender(TEXT_COMPILED, "text",
                                 partial(_cleaner_runner, "text", text, batch_size, "compiled")),
    }
    known.update((peer, peer_contender(peer)) for peer in PEERS)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown contender(s) {', '.join(unknown)}; known: {', '.join(CONTENDERS)}")
    return [known[name] for name in names]


# ----------------------------------------------------------------------------------------------------------
# Timing and figures
# ----------------------------------------------------------------------------------------------------------


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
        Wall time of the timed run; ``None`` when the contender could not run (see ``error``).
    failures:
        Pages it failed on.
    f1:
        Mean page-level shingle F1 on the pages with full-text gold (a failure scores its empty output).
    f1_pages:
        How many pages ``f1`` averages.
    error:
        Why the contender as a whole failed, if it did.
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
    return Figures(contender.name, kind, len(pages), size, lines, seconds, failures, f1, f1_pages)


def run_benchmark(
    pages: Sequence[BenchPage], contenders: Sequence[Contender], warmup: int = DEFAULT_WARMUP_PAGES
) -> list[Figures]:
    """:func:`measure` every contender on the same pages, one after the other."""
    figures = []
    for contender in contenders:
        logger.info("timing %s on %d pages", contender.name, len(pages))
        figures.append(measure(contender, pages, warmup))
    return figures


# ----------------------------------------------------------------------------------------------------------
# Memory
# ----------------------------------------------------------------------------------------------------------


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
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def stream_memory(
    htmls: Sequence[bytes], repeat: int, batch_size: int = DEFAULT_BATCH_SIZE, model: str = "html"
) -> MemoryFigure:
    """Clean ``repeat`` times the pages through ``clean_many`` over a generator (pages cycled, never a list).

    Meant for a fresh process (``python -m chromecut.bench.speed rss``): the peak RSS is the process's.
    """
    cleaner = Cleaner.load(model)
    stream = itertools.chain.from_iterable(itertools.repeat(htmls, repeat))
    start = time.perf_counter()
    cleaned = sum(1 for _ in cleaner.clean_many(stream, batch_size))
    return MemoryFigure(repeat, cleaned, peak_rss_bytes(), time.perf_counter() - start)


def _memory_subprocess(sample: Path, repeat: int, batch_size: int) -> MemoryFigure:
    command = [sys.executable, "-m", "chromecut.bench.speed", "rss", "--sample", str(sample), "--repeat", str(repeat),
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


# ----------------------------------------------------------------------------------------------------------
# Profile
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    """One function of a profile: its calls (``None`` from a sampler, which does not count them), its time
    (cumulative or internal) and that time's share."""

    function: str
    calls: int | None
    seconds: float
    share: float


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    """The top functions of a profile by cumulative and by internal time; ``total_seconds`` is all internal
    time; ``profiler`` names the profiler (one of :data:`PROFILERS`)."""

    total_seconds: float
    by_cumulative: list[ProfileEntry]
    by_internal: list[ProfileEntry]
    profiler: str


def _short_path(filename: str) -> str:
    """The last folder and the file name of a source path, as profile tables show it."""
    return "/".join(Path(filename).parts[-2:])


def function_name(code: CodeType | str) -> str:
    """``folder/file.py:line(qualified name)`` of a profiled function, or the name cProfile gives a builtin."""
    if isinstance(code, str):
        return code
    return f"{_short_path(code.co_filename)}:{code.co_firstlineno}({code.co_qualname})"


def summarise_profile(profiler: cProfile.Profile, top: int = PROFILE_TOP) -> ProfileSummary:
    """The ``top`` functions by cumulative and by internal time, with their share of the total time."""
    entries = profiler.getstats()
    total = sum(entry.inlinetime for entry in entries)

    def ranked(seconds: Callable[[profiler_entry], float]) -> list[ProfileEntry]:
        best = sorted(entries, key=seconds, reverse=True)[:top]
        return [ProfileEntry(function_name(entry.code), entry.callcount, seconds(entry),
                             seconds(entry) / total if total > 0 else 0.0) for entry in best]

    return ProfileSummary(total, ranked(lambda entry: entry.totaltime), ranked(lambda entry: entry.inlinetime),
                          profiler="cprofile")


def frame_name(frame: Frame) -> str:
    """``folder/file.py:line(Class.function)`` of a sampled frame, named like :func:`function_name`."""
    name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
    if frame.file_path is None:
        return name
    return f"{_short_path(frame.file_path)}:{frame.line_no}({name})"


def summarise_samples(root: Frame | None, top: int = PROFILE_TOP) -> ProfileSummary:
    """The ``top`` functions of a sampled call tree by cumulative and by internal time.

    A function's internal time adds up its frames' self time wherever it was called from; its cumulative time
    adds up the time of its outermost frames only, so a recursive call is not counted twice.
    """
    internal: defaultdict[str, float] = defaultdict(float)
    cumulative: defaultdict[str, float] = defaultdict(float)
    total = 0.0
    stack: list[tuple[Frame, frozenset[str]]] = [] if root is None else [(root, frozenset())]
    while stack:
        frame, outer = stack.pop()
        name = frame_name(frame)
        internal[name] += frame.total_self_time
        total += frame.total_self_time
        if name not in outer:
            cumulative[name] += frame.time
        inner = outer | {name}
        stack.extend((child, inner) for child in frame.children if not child.is_synthetic)

    def ranked(seconds: Mapping[str, float]) -> list[ProfileEntry]:
        best = sorted(seconds.items(), key=lambda item: item[1], reverse=True)[:top]
        return [ProfileEntry(name, None, value, value / total if total > 0 else 0.0) for name, value in best]

    return ProfileSummary(total, ranked(cumulative), ranked(internal), profiler="pyinstrument")


class _Sampler:
    """pyinstrument's profiler behind :class:`Profiling`."""

    def __init__(self, interval: float) -> None:
        from pyinstrument import Profiler  # a dev dependency, imported only to profile

        self.profiler = Profiler(interval=interval)

    def enable(self) -> None:
        self.profiler.start()

    def disable(self) -> None:
        self.profiler.stop()

    def root(self) -> Frame | None:
        return self.profiler.last_session.root_frame() if self.profiler.last_session is not None else None


def profile_contender(
    contender: Contender,
    pages: Sequence[BenchPage],
    warmup: int = DEFAULT_WARMUP_PAGES,
    top: int = PROFILE_TOP,
    profiler: str = PROFILERS[0],
) -> ProfileSummary:
    """Run a contender's timed loop (as :func:`time_contender`) under ``profiler`` (one of :data:`PROFILERS`)
    and summarise it."""
    if profiler == "cprofile":
        deterministic = cProfile.Profile()
        time_contender(contender, pages, warmup, deterministic)
        return summarise_profile(deterministic, top)
    if profiler == "pyinstrument":
        sampler = _Sampler(SAMPLING_INTERVAL)
        time_contender(contender, pages, warmup, sampler)
        return summarise_samples(sampler.root(), top)
    raise ValueError(f"unknown profiler {profiler!r}; known: {', '.join(PROFILERS)}")


# ----------------------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------------------


def package_versions() -> dict[str, str | None]:
    """Installed versions of :data:`VERSIONED_PACKAGES` (``None`` for one that is not installed)."""
    versions: dict[str, str | None] = {}
    for name, distribution in VERSIONED_PACKAGES.items():
        try:
            versions[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def describe_environment() -> dict[str, Any]:
    """The machine and software the figures come from, and when."""
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": package_versions(),
    }


@dataclass(frozen=True, slots=True)
class Settings:
    """How the benchmark ran (recorded in the report)."""

    warmup: int = DEFAULT_WARMUP_PAGES
    batch_size: int = DEFAULT_BATCH_SIZE
    workers: int = DEFAULT_WORKERS
    chunk_pages: int = DEFAULT_CHUNK_PAGES


@dataclass
class Report:
    """Everything ``speed`` measured, with the machine it ran on."""

    pages: Sequence[BenchPage]
    figures: list[Figures]
    settings: Settings = field(default_factory=Settings)
    memory: list[MemoryFigure] | None = None
    profile: ProfileSummary | None = None
    baseline: str = BASELINE
    environment: dict[str, Any] = field(default_factory=describe_environment)


def describe_sample(pages: Sequence[BenchPage]) -> dict[str, Any]:
    """Size of the sample: pages (per dataset), HTML and text bytes, lines, pages with full-text gold."""
    return {
        "pages": len(pages),
        "datasets": dict(Counter(page.dataset for page in pages)),
        "html_bytes": sum(page.size("html") for page in pages),
        "text_bytes": sum(page.size("text") for page in pages),
        "lines": sum(page.line_count("html") for page in pages),
        "text_lines": sum(page.line_count("text") for page in pages),
        "f1_pages": sum(page.gold is not None for page in pages),
    }


def _figures_json(figures: Figures, ratio: float | None) -> dict[str, Any]:
    return {**asdict(figures), "pages_per_second": figures.pages_per_second,
            "mb_per_second": figures.mb_per_second, "lines_per_second": figures.lines_per_second,
            "speed_ratio": ratio}


def report_json(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (layout :data:`JSON_SCHEMA`; undefined figures are ``null``)."""
    ratios = speed_ratios(report.figures, report.baseline)
    memory = None
    if report.memory is not None:
        memory = {"runs": [asdict(figure) for figure in report.memory], "growth": memory_growth(report.memory)}
    return {
        "schema": JSON_SCHEMA,
        **report.environment,
        "sample": describe_sample(report.pages),
        "settings": asdict(report.settings),
        "baseline": report.baseline,
        "contenders": [_figures_json(figures, ratios[figures.name]) for figures in report.figures],
        "memory": memory,
        "profile": asdict(report.profile) if report.profile is not None else None,
    }


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """Rows in aligned columns; ``align`` has one letter per column, ``l`` (left-aligned) or ``r`` (right)."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) if how == "l" else cell.rjust(width)
                         for cell, width, how in zip(cells, widths, align, strict=True)).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)]


def _profile_lines(title: str, entries: Sequence[ProfileEntry]) -> list[str]:
    rows = [[_number(e.seconds, 3), f"{e.share:.1%}", "-" if e.calls is None else f"{e.calls:,}", e.function]
            for e in entries]
    return ["", title, *_table(["seconds", "share", "calls", "function"], rows, "rrrl")]


def render(report: Report) -> str:
    """The report as a readable text table (throughput and F1, then memory, then the profile)."""
    sample = describe_sample(report.pages)
    env = report.environment
    per_dataset = ", ".join(f"{name} {count}" for name, count in sample["datasets"].items())
    out = [
        f"chromecut bench speed, {env['timestamp']}: {sample['pages']} pages ({per_dataset}), "
        f"{sample['html_bytes'] / BYTES_PER_MB:,.1f} MB of HTML, {sample['lines']:,} lines; "
        f"{env['cpu_count']} CPUs, Python {env['python']}",
        f"warm-up {report.settings.warmup} pages; batch {report.settings.batch_size} pages; "
        f"{report.settings.workers} workers fed {report.settings.chunk_pages} pages a task",
        "",
    ]
    ratios = speed_ratios(report.figures, report.baseline)
    headers = ["contender", "input", "pages", "failed", "seconds", "pages/s", "MB/s", "lines/s",
               f"{report.baseline} x", f"F1 ({sample['f1_pages']} pages)"]
    rows = [[f.name, f.kind, f"{f.pages:,}", "all" if f.error else f"{f.failures:,}", _number(f.seconds, 2),
             _number(f.pages_per_second, 1), _number(f.mb_per_second, 2), _number(f.lines_per_second, 0),
             _number(ratios[f.name], 2), _number(f.f1, 3)] for f in report.figures]
    out += _table(headers, rows, "llrrrrrrrr")
    out.append(f"({report.baseline} x: its pages/s over the contender's; above 1, {report.baseline} is faster. "
               "Text contenders read the segmented lines: their MB and lines are the text's.)")
    out += [f"{f.name} could not run: {f.error}" for f in report.figures if f.error is not None]
    if report.memory is not None:
        out += ["", "peak RSS of clean_many over a stream of K x the sample (a fresh process each):"]
        for m in report.memory:
            if m.max_rss_bytes is None:
                out.append(f"  K={m.repeat}: failed ({m.error})")
            else:
                out.append(f"  K={m.repeat:<3} {m.pages:>7,} pages  {m.max_rss_bytes / BYTES_PER_MB:>9,.1f} MB  "
                           f"({_number(m.seconds, 1)} s)")
        out.append(f"  growth (largest K over smallest): {_number(memory_growth(report.memory), 3)}")
    if report.profile is not None:
        total = report.profile.total_seconds
        out += _profile_lines(f"{report.profile.profiler} profile of {report.baseline} ({total:.2f} s), "
                              "by cumulative time:",
                              report.profile.by_cumulative)
        out += _profile_lines("by internal time:", report.profile.by_internal)
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------------------


def _names(known: Sequence[str], what: str) -> Callable[[str], list[str]]:
    """An argparse type: a comma-separated list of names from ``known``."""

    def parse(value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(unknown) or '(none given)'}; "
                                             f"choose from {', '.join(known)}")
        return names

    return parse


def _counts(value: str) -> list[int]:
    """An argparse type: a comma-separated list of positive integers (empty: none)."""
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of integers: {value!r}") from exc
    if any(count < 1 for count in counts):
        raise argparse.ArgumentTypeError(f"every count must be at least 1: {value!r}")
    return counts


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {number}")
    return number


def add_sample_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the sample (``--pages``, ``--datasets``, ``--root``)."""
    parser.add_argument("--pages", type=_positive, default=DEFAULT_PAGES,
                        help=f"pages in the sample (default {DEFAULT_PAGES})")
    parser.add_argument("--datasets", type=_names(tuple(DATASETS), "dataset"), default=list(DEFAULT_DATASETS),
                        help="comma-separated datasets the sample is drawn from "
                             f"(default {','.join(DEFAULT_DATASETS)})")
    parser.add_argument("--root", type=Path, default=None, help="dataset folder (default: $CHROMECUT_DATASETS)")


def _add_batch_size(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=_positive, default=DEFAULT_BATCH_SIZE,
                        help=f"pages per clean_many batch (default {DEFAULT_BATCH_SIZE})")


def add_speed_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``speed`` (for ``chromecut bench speed`` as well as ``python -m chromecut.bench.speed``)."""
    add_sample_arguments(parser)
    parser.add_argument("--contenders", type=_names(CONTENDERS, "contender"), default=list(CONTENDERS),
                        help=f"comma-separated contenders (default all: {','.join(CONTENDERS)})")
    parser.add_argument("--warmup", type=_non_negative, default=DEFAULT_WARMUP_PAGES,
                        help=f"untimed warm-up pages per contender (default {DEFAULT_WARMUP_PAGES})")
    _add_batch_size(parser)
    parser.add_argument("--workers", type=_positive, default=DEFAULT_WORKERS,
                        help=f"worker processes of {HTML_WORKERS} (default {DEFAULT_WORKERS})")
    parser.add_argument("--chunk-pages", type=_positive, default=DEFAULT_CHUNK_PAGES,
                        help=f"pages per worker task (default {DEFAULT_CHUNK_PAGES})")
    parser.add_argument("--rss-repeats", type=_counts, default=list(DEFAULT_RSS_REPEATS),
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
    settings = Settings(args.warmup, args.batch_size, args.workers, args.chunk_pages)
    models: dict[InputKind, str] = {"html": args.html_model, "text": args.text_model}
    contenders = build_contenders(args.contenders, batch_size=settings.batch_size, workers=settings.workers,
                                  chunk_pages=settings.chunk_pages, models=models)
    report = Report(pages, run_benchmark(pages, contenders, settings.warmup), settings)
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
    return 0


def run_rss(args: argparse.Namespace) -> int:
    """``rss``: clean a stream of ``--repeat`` times the sample; print its :class:`MemoryFigure` as JSON."""
    if args.sample is not None:
        htmls = read_sample(args.sample)
    else:
        htmls = [page.html for page in sample_pages(args.datasets, args.pages, root=args.root)]
    print(json.dumps(asdict(stream_memory(htmls, args.repeat, args.batch_size))))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m chromecut.bench.speed`` parser: ``speed`` and ``rss``."""
    parser = argparse.ArgumentParser(prog="python -m chromecut.bench.speed", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    speed = commands.add_parser("speed", help="time chromecut and the peers on the same pages",
                                description="Time chromecut and the peer extractors on the same sample of pages.")
    add_speed_arguments(speed)
    speed.set_defaults(handler=run_speed)
    rss = commands.add_parser("rss", help="peak RSS of clean_many over a stream of K x the sample (one process)")
    rss.add_argument("--repeat", type=_positive, default=1, help="times the sample is streamed (default 1)")
    rss.add_argument("--sample", type=Path, default=None,
                     help="pages file (see write_sample; speed writes one) instead of sampling the datasets")
    add_sample_arguments(rss)
    _add_batch_size(rss)
    rss.set_defaults(handler=run_rss)
    from chromecut.bench import dask as bench_dask

    dask = commands.add_parser("dask", help="pages/s of chromecut clean --engine dask with 1 and 2 workers",
                               description="Clean the same pages on LocalClusters of 1 and 2 workers; pages/s "
                                           "and speedup, the local engine beside.")
    bench_dask.add_arguments(dask)
    dask.set_defaults(handler=_run_dask)
    # Listed for --help only: main() hands these to their own modules' parsers.
    commands.add_parser("serve", help="the model server under concurrent clients: p50/p99 latency, requests/s "
                                      "(chromecut.bench.serving)")
    commands.add_parser("stream", help="peak RSS of chromecut clean over N MB of generated JSON Lines "
                                       "(chromecut.bench.stream)")
    return parser


def _run_dask(args: argparse.Namespace) -> int:
    from chromecut.bench import dask as bench_dask

    return bench_dask.run(args)


#: Benchmarks with a module (and parser) of their own: ``chromecut bench serve|stream [options]``.
DELEGATED = {"serve": "chromecut.bench.serving", "stream": "chromecut.bench.stream"}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chromecut.bench.speed speed|rss|serve|stream [options]``; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] and arguments[0] in DELEGATED:
        from importlib import import_module

        delegate: Callable[[Sequence[str]], int] = import_module(DELEGATED[arguments[0]]).main
        return delegate(arguments[1:])
    args = build_parser().parse_args(arguments)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for name in PEER_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
