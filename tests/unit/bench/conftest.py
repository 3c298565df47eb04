"""What the benchmark's tests share: two hand-made pages, fake contenders and figures, a report of them.

Nothing here loads a model, reads a dataset or runs a peer, and nothing asserts on speed.
"""

from __future__ import annotations

import cProfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest

from chromecut.bench.contenders import BASELINE, Contender, Output, Runner
from chromecut.bench.memory import MemoryFigure
from chromecut.bench.profiling import summarise_profile
from chromecut.bench.report import Report
from chromecut.bench.sample import BenchPage, InputKind, bench_page
from chromecut.bench.timing import Figures

ARTICLE = ("The harbour town voted on Tuesday to restore its old lighthouse, dark since the storm of 1987 tore "
           "away its lantern room.")
PAGE_A = (f"<html><body><nav><a href='/'>Home</a></nav><article><p>{ARTICLE}</p></article>"
          "<footer>Contact us</footer></body></html>").encode()
PAGE_B = b"<html><body><ul><li>One</li><li>Two</li></ul><pre>a\nb</pre></body></html>"
#: Characters a line of the text input needs for the fake extractor to keep it.
KEPT_LINE_CHARS = 40

FakeContender = Callable[..., Contender]
FakeFigures = Callable[..., Figures]


@pytest.fixture(scope="session")
def article() -> str:
    """The article's prose: the only content of page ``a`` and its full-text gold."""
    return ARTICLE


@pytest.fixture(scope="session")
def page_a() -> bytes:
    """A page with navigation, the article and a footer."""
    return PAGE_A


@pytest.fixture(scope="session")
def page_b() -> bytes:
    """A page with a list and preformatted text, and no gold."""
    return PAGE_B


@pytest.fixture
def bench_pages() -> list[BenchPage]:
    """Page ``a`` (with its gold) and page ``b`` (without), prepared."""
    return [bench_page("set", "a", PAGE_A, gold=ARTICLE), bench_page("set", "b", PAGE_B)]


@pytest.fixture(scope="session")
def fake_contender() -> FakeContender:
    """A contender named ``name`` reading ``kind`` whose runner is ``run`` (no set-up)."""

    def fake(name: str, run: Runner, kind: InputKind = "html") -> Contender:
        @contextmanager
        def open_() -> Iterator[Runner]:
            yield run

        return Contender(name, kind, open_)

    return fake


def _keep_paragraphs(pages: Sequence[BenchPage]) -> list[Output]:
    """A fake extractor: the lines of the text input longer than 40 characters."""
    return ["\n".join(line for line in page.text.split("\n") if len(line) > KEPT_LINE_CHARS) for page in pages]


@pytest.fixture(scope="session")
def keep_paragraphs() -> Runner:
    """A fake extractor: the lines of the text input longer than 40 characters."""
    return _keep_paragraphs


@pytest.fixture(scope="session")
def fake_figures() -> FakeFigures:
    """Figures of 10 pages, 2 MB and 500 lines, with the time and scores given."""

    def figures(name: str, seconds: float | None, *, failures: int = 0, f1: float | None = None, f1_pages: int = 0,
                error: str | None = None) -> Figures:
        return Figures(name, "html", 10, 2_000_000, 500, seconds, failures, f1, f1_pages, error)

    return figures


@pytest.fixture
def speed_report(bench_pages: list[BenchPage], fake_figures: FakeFigures) -> Report:
    """A report of three contenders (the baseline, a slow one, a broken one), two memory runs and a cProfile
    profile of the fake extractor."""
    profiler = cProfile.Profile()
    profiler.enable()
    _keep_paragraphs(bench_pages)
    profiler.disable()
    figures = [fake_figures(BASELINE, 2.0, f1=0.9, f1_pages=1), fake_figures("slow", 4.0, failures=3),
               fake_figures("broken", None, error="RuntimeError: cannot start")]
    memory = [MemoryFigure(1, 2, 100_000_000, 0.5), MemoryFigure(10, 20, 101_000_000, 4.0)]
    return Report(bench_pages, figures, memory=memory, profile=summarise_profile(profiler))
