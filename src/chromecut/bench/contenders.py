"""What the speed benchmark times: chromecut's ways of cleaning pages, and the peer extractors.

* ``chromecut-html`` -- ``Cleaner.load("html").clean(html)`` page by page, in this process (the baseline);
* ``chromecut-html-batch`` -- the same model through ``clean_many`` (a batch of pages per call of the Rust core:
  :mod:`chromecut.model.fused`);
* ``chromecut-html-compiled`` / ``chromecut-text-compiled`` -- ``clean_many`` with the trees compiled to native
  code (``predictor="compiled"``, :mod:`chromecut.model.compiled`; compiled or loaded from the cache before
  timing), called by the Rust core's pipeline;
* ``chromecut-html-lines`` -- ``clean_many`` through line frames instead (``fused=False``), the trees compiled to
  native code (``predictor="compiled"``, :mod:`chromecut.model.compiled`; compiled or loaded from the cache
  before timing): the path ``clean_many`` took before the fused one;
* ``chromecut-html-workers`` -- ``clean_many`` in spawned worker processes (each loads the model once), fed
  chunks of pages;
* ``chromecut-html-threads`` / ``chromecut-text-threads`` -- ``clean_many(n_jobs=workers, backend="threads")``:
  batches on threads of this process, the GIL released by the Rust core;
* ``chromecut-text`` / ``chromecut-text-batch`` / ``chromecut-text-lines`` -- the text model on each page's
  segmented lines joined by ``\\n``, page by page, through ``clean_many``, and through line frames;
* the peers of :mod:`chromecut.evaluate.peers` (trafilatura, resiliparse, readability, boilerpy3, jusText) through
  :func:`chromecut.evaluate.peers.extract`; a page a peer fails on is counted, not fatal.

A :class:`Contender` only knows how to set itself up; everything it needs that is not timed (loading a model,
starting processes) happens when it is opened, before the clock starts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from typing import TYPE_CHECKING

from chromecut.bench.sample import BenchPage, InputKind
from chromecut.evaluate.peers import PEERS, extract
from chromecut.io.batch import WORKER_THREADS
from chromecut.model.compiled import PREDICTOR_DEFAULT, Predictor
from chromecut.predict import WORKER_START_METHOD, Cleaner

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

#: Pages per ``clean_many`` batch (the default of :meth:`chromecut.predict.Cleaner.clean_many`).
DEFAULT_BATCH_SIZE = 64
#: Worker processes of ``chromecut-html-workers``.
DEFAULT_WORKERS = 2
#: Pages per task sent to a worker process (one ``clean_many`` batch there).
DEFAULT_CHUNK_PAGES = 16
#: Seconds to wait for a worker process to load its model and warm up.
WORKER_READY_TIMEOUT = 300.0
#: A tiny page each worker process cleans once after loading its model (the first parse and prediction).
WORKER_WARMUP_HTML = (
    "<html><head><title>Warm-up</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
    "<article><h1>Warm-up</h1><p>A paragraph of ordinary prose, long enough to look like content to the model."
    "</p></article><footer>Contact</footer></body></html>"
)

#: Contender names: chromecut's, then the peers (same names as :data:`chromecut.evaluate.peers.PEERS`).
HTML_SINGLE = "chromecut-html"
HTML_BATCH = "chromecut-html-batch"
HTML_LINES = "chromecut-html-lines"
HTML_COMPILED = "chromecut-html-compiled"
TEXT_COMPILED = "chromecut-text-compiled"
HTML_WORKERS = "chromecut-html-workers"
HTML_THREADS = "chromecut-html-threads"
TEXT_THREADS = "chromecut-text-threads"
TEXT_SINGLE = "chromecut-text"
TEXT_BATCH = "chromecut-text-batch"
TEXT_LINES = "chromecut-text-lines"
CHROMECUT_CONTENDERS: tuple[str, ...] = (
    HTML_SINGLE, HTML_BATCH, HTML_COMPILED, HTML_LINES, HTML_WORKERS, HTML_THREADS, TEXT_SINGLE, TEXT_BATCH,
    TEXT_COMPILED, TEXT_LINES, TEXT_THREADS,
)
#: The predictor of the ``-compiled`` and ``-lines`` contenders: the fastest.
FASTEST_PREDICTOR: Predictor = "compiled"
CONTENDERS: tuple[str, ...] = CHROMECUT_CONTENDERS + PEERS
#: The contender every other one is compared with in pages/s.
BASELINE = HTML_SINGLE

#: A contender's output for one page: the text it kept, or ``None`` when it failed on the page.
Output = str | None
#: Runs a contender over pages: one output per page, in order.
Runner = Callable[[Sequence[BenchPage]], list[Output]]


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
    kind: InputKind, model: str, batch_size: int | None, predictor: Predictor = PREDICTOR_DEFAULT,
    fused: bool = True, threads: int = 1,
) -> Iterator[Runner]:
    """The ``kind`` model (a name, folder or URI for :meth:`Cleaner.load`) in this process, in the Rust core's
    one call (``fused``) or through line frames predicting with ``predictor``: ``clean`` page by page, or
    ``clean_many`` in batches (on ``threads`` threads)."""
    cleaner = Cleaner.load(model, predictor=predictor, fused=fused)
    if batch_size is None:
        yield per_page(lambda page: cleaner.clean(page.input(kind)))
        return

    def run(pages: Sequence[BenchPage]) -> list[Output]:
        outputs: list[Output] = list(cleaner.clean_many((page.input(kind) for page in pages), batch_size, threads,
                                                        backend="threads"))
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
        HTML_LINES: Contender(HTML_LINES, "html",
                              partial(_cleaner_runner, "html", html, batch_size, FASTEST_PREDICTOR, False)),
        TEXT_LINES: Contender(TEXT_LINES, "text",
                              partial(_cleaner_runner, "text", text, batch_size, FASTEST_PREDICTOR, False)),
        HTML_COMPILED: Contender(HTML_COMPILED, "html",
                                 partial(_cleaner_runner, "html", html, batch_size, FASTEST_PREDICTOR)),
        TEXT_COMPILED: Contender(TEXT_COMPILED, "text",
                                 partial(_cleaner_runner, "text", text, batch_size, FASTEST_PREDICTOR)),
        HTML_THREADS: Contender(HTML_THREADS, "html",
                                partial(_cleaner_runner, "html", html, batch_size, threads=workers)),
        TEXT_THREADS: Contender(TEXT_THREADS, "text",
                                partial(_cleaner_runner, "text", text, batch_size, threads=workers)),
    }
    known.update((peer, peer_contender(peer)) for peer in PEERS)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown contender(s) {', '.join(unknown)}; known: {', '.join(CONTENDERS)}")
    return [known[name] for name in names]
