"""The profile summaries: cProfile's and pyinstrument's, on a recursive fake workload."""

from __future__ import annotations

import cProfile
import json
import time
from collections.abc import Callable, Sequence

import pytest

from chromecut.bench.contenders import Contender, Output
from chromecut.bench.profiling import profile_contender, summarise_profile
from chromecut.bench.report import Report, render, report_json
from chromecut.bench.sample import BenchPage

FakeContender = Callable[..., Contender]

#: Levels of the recursive fake workload, and the seconds its innermost level spins.
RECURSION_LEVELS = 6
SPIN_SECONDS = 0.3
#: Numbers summed on each turn of the spin loop (any small amount of work).
SPIN_WORK = 50
#: Numbers the cProfile'd function turns into strings.
WORK_ITEMS = 2000


def test_profile_summary_ranks_functions() -> None:
    def work() -> int:
        return sum(len(str(i)) for i in range(WORK_ITEMS))

    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    summary = summarise_profile(profiler, top=3)
    assert len(summary.by_cumulative) == 3 and len(summary.by_internal) == 3
    assert any("work" in entry.function for entry in summary.by_cumulative)
    cumulative = [entry.seconds for entry in summary.by_cumulative]
    assert cumulative == sorted(cumulative, reverse=True)
    assert all(0 <= entry.share <= 1 for entry in summary.by_internal)


def _spin(seconds: float) -> int:
    deadline = time.perf_counter() + seconds
    turns = 0
    while time.perf_counter() < deadline:
        turns += sum(range(SPIN_WORK))
    return turns


def _nest(level: int) -> int:
    return _spin(SPIN_SECONDS) if level == 0 else _nest(level - 1)


def _recursive_workload(pages: Sequence[BenchPage]) -> list[Output]:
    """A runner whose time is all spent in ``_spin``, under :data:`RECURSION_LEVELS` + 1 frames of ``_nest``."""
    _nest(RECURSION_LEVELS)
    return [page.text for page in pages]


def test_sampled_profile_ranks_functions_and_counts_a_recursion_once(bench_pages: list[BenchPage],
                                                                     fake_contender: FakeContender) -> None:
    summary = profile_contender(fake_contender("nested", _recursive_workload), bench_pages, warmup=0,
                                profiler="pyinstrument")
    assert summary.profiler == "pyinstrument"
    assert all(entry.calls is None for entry in summary.by_cumulative + summary.by_internal)
    cumulative = {entry.function.rsplit("(", 1)[-1]: entry.seconds for entry in summary.by_cumulative}
    assert list(cumulative.values()) == sorted(cumulative.values(), reverse=True)
    # Seven nested frames of _nest: counted once, never above the workload that holds them all.
    assert cumulative["_nest)"] <= cumulative["_recursive_workload)"]
    assert cumulative["_nest)"] >= SPIN_SECONDS / 2 and summary.total_seconds >= SPIN_SECONDS / 2
    internal = {entry.function.rsplit("(", 1)[-1]: entry for entry in summary.by_internal}
    # The time is spent in the innermost function (and the builtins it calls), not in the frames above it.
    assert cumulative["_spin)"] >= 0.9 * cumulative["_nest)"]
    assert "_nest)" not in internal or internal["_nest)"].share < 0.1
    assert all(0 <= entry.share <= 1 for entry in summary.by_internal)


def test_profile_contender_counts_calls_with_cprofile_and_refuses_an_unknown_profiler(
    bench_pages: list[BenchPage], fake_contender: FakeContender
) -> None:
    summary = profile_contender(fake_contender("nested", _recursive_workload), bench_pages, warmup=0,
                                profiler="cprofile")
    assert summary.profiler == "cprofile"
    assert any(entry.calls == RECURSION_LEVELS + 1 for entry in summary.by_cumulative if "_nest" in entry.function)
    with pytest.raises(ValueError, match="unknown profiler 'perf'"):
        profile_contender(fake_contender("nested", _recursive_workload), bench_pages, warmup=0, profiler="perf")


def test_a_sampled_profile_renders_without_call_counts(speed_report: Report, bench_pages: list[BenchPage],
                                                       fake_contender: FakeContender) -> None:
    report = speed_report
    report.profile = profile_contender(fake_contender("nested", _recursive_workload), bench_pages, warmup=0)
    text = render(report)
    assert "pyinstrument profile of" in text and "_spin" in text
    assert json.loads(json.dumps(report_json(report)))["profile"]["profiler"] == "pyinstrument"
