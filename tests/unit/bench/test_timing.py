"""The timing harness and its arithmetic, on hand-made pages and fake contenders (nothing asserts on speed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from chromecut.bench.contenders import BASELINE, Contender, Output, Runner, per_page
from chromecut.bench.sample import BenchPage
from chromecut.bench.timing import Figures, measure, rate, run_benchmark, speed_ratio, speed_ratios

FakeContender = Callable[..., Contender]
FakeFigures = Callable[..., Figures]


def test_rates_on_fake_timings(fake_figures: FakeFigures) -> None:
    figures = fake_figures("x", 2.0)
    assert figures.pages_per_second == 5.0
    assert figures.mb_per_second == 1.0
    assert figures.lines_per_second == 250.0
    assert rate(3, 0.0) is None and rate(3, None) is None
    assert fake_figures("broken", None).pages_per_second is None


def test_speed_ratios_against_the_baseline(fake_figures: FakeFigures) -> None:
    figures = [fake_figures(BASELINE, 2.0), fake_figures("slow", 8.0), fake_figures("fast", 1.0),
               fake_figures("dead", None)]
    assert speed_ratios(figures) == {BASELINE: 1.0, "slow": 4.0, "fast": 0.5, "dead": None}
    assert speed_ratios(figures[1:]) == {"slow": None, "fast": None, "dead": None}  # no baseline, no ratio
    assert speed_ratio(None, 3.0) is None and speed_ratio(3.0, 0.0) is None


def test_tiny_run_of_the_harness(bench_pages: list[BenchPage], fake_contender: FakeContender,
                                 keep_paragraphs: Runner, article: str, page_a: bytes, page_b: bytes) -> None:
    pages = bench_pages
    calls: list[int] = []

    def counting(pages_: Sequence[BenchPage]) -> list[Output]:
        calls.append(len(pages_))
        return keep_paragraphs(pages_)

    def flaky(page: BenchPage) -> str:
        if page.page_id == "b":
            raise ValueError("no content")
        return article

    def broken(pages_: Sequence[BenchPage]) -> list[Output]:
        raise RuntimeError("cannot start")

    contenders = [fake_contender(BASELINE, counting), fake_contender("text-fake", keep_paragraphs, "text"),
                  fake_contender("flaky", per_page(flaky)), fake_contender("broken", broken)]
    figures = {f.name: f for f in run_benchmark(pages, contenders, warmup=1, rounds=1)}
    assert calls == [1, 2]  # warm-up on one page, then the timed run on both
    base = figures[BASELINE]
    assert (base.pages, base.failures, base.f1_pages) == (2, 0, 1)
    assert base.f1 == pytest.approx(1.0)
    assert base.lines == sum(page.lines for page in pages)
    assert base.input_bytes == len(page_a) + len(page_b)
    assert base.seconds is not None and base.seconds >= 0
    assert figures["text-fake"].input_bytes == sum(page.text_bytes for page in pages)
    assert figures["flaky"].failures == 1 and figures["flaky"].f1 == pytest.approx(1.0)
    assert figures["broken"].error == "RuntimeError: cannot start" and figures["broken"].seconds is None


def test_a_contender_giving_too_few_outputs_is_an_error(bench_pages: list[BenchPage],
                                                         fake_contender: FakeContender) -> None:
    figures = measure(fake_contender("short", lambda pages_: ["x"]), bench_pages, warmup=0)
    assert figures.error is not None and "1 outputs for 2 pages" in figures.error


def test_passes_are_taken_in_turns_and_the_fastest_counts(
        bench_pages: list[BenchPage], fake_contender: FakeContender, keep_paragraphs: Runner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    def runner(name: str, fail_on_pass: int | None = None) -> Runner:
        timed = 0

        def run(pages_: Sequence[BenchPage]) -> list[Output]:
            nonlocal timed
            if len(pages_) == len(bench_pages):  # the timed pass (the warm-up reads fewer pages)
                timed += 1
                order.append(name)
                if timed == fail_on_pass:
                    raise RuntimeError("gone")
            return keep_paragraphs(pages_)
        return run

    # A clock that moves by each pass's given seconds: a's passes take 5, 2, 4 s; b's 1, 3, 2 s; c's first 7 s,
    # its second fails after the clock started (one tick) and it keeps its first.
    ticks = iter([0, 5, 0, 1, 0, 7, 0, 2, 0, 3, 0, 0, 4, 0, 2])
    monkeypatch.setattr("chromecut.bench.timing.time.perf_counter", lambda: float(next(ticks)))
    contenders = [fake_contender("a", runner("a")), fake_contender("b", runner("b")),
                  fake_contender("c", runner("c", fail_on_pass=2))]
    figures = {f.name: f for f in run_benchmark(bench_pages, contenders, warmup=1, rounds=3)}
    assert order == ["a", "b", "c", "a", "b", "c", "a", "b"]  # in turns; c out after its failed pass
    assert figures["a"].round_seconds == (5.0, 2.0, 4.0) and figures["a"].seconds == 2.0
    assert figures["b"].round_seconds == (1.0, 3.0, 2.0) and figures["b"].seconds == 1.0
    assert figures["c"].round_seconds == (7.0,) and figures["c"].seconds == 7.0 and figures["c"].error is None
    assert figures["a"].f1 == figures["b"].f1  # the first pass's outputs are scored
