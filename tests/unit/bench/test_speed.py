"""The speed benchmark's arithmetic, sampler, report and harness, on hand-made pages and fake contenders.

Nothing here loads a model, reads a dataset or runs a peer, and nothing asserts on speed.
"""

from __future__ import annotations

import cProfile
import itertools
import json
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from chromecut.bench import speed as bench
from chromecut.bench.speed import (
    BenchPage,
    Contender,
    Figures,
    MemoryFigure,
    Output,
    Report,
    Runner,
    bench_page,
    even_indices,
    full_text_gold,
    measure,
    memory_growth,
    per_page,
    quotas,
    rate,
    read_sample,
    render,
    report_json,
    run_benchmark,
    sample_pages,
    speed_ratio,
    speed_ratios,
    spread,
    summarise_profile,
    write_sample,
)
from chromecut.datasets.loaders import Gold, GoldKind, Page

ARTICLE = ("The harbour town voted on Tuesday to restore its old lighthouse, dark since the storm of 1987 tore "
           "away its lantern room.")
PAGE_A = (f"<html><body><nav><a href='/'>Home</a></nav><article><p>{ARTICLE}</p></article>"
          "<footer>Contact us</footer></body></html>").encode()
PAGE_B = b"<html><body><ul><li>One</li><li>Two</li></ul><pre>a\nb</pre></body></html>"


def _pages() -> list[BenchPage]:
    return [bench_page("set", "a", PAGE_A, gold=ARTICLE), bench_page("set", "b", PAGE_B)]


def _fake(name: str, run: Runner, kind: bench.InputKind = "html") -> Contender:
    @contextmanager
    def open_() -> Iterator[Runner]:
        yield run

    return Contender(name, kind, open_)


def _keep_paragraphs(pages: Sequence[BenchPage]) -> list[Output]:
    """A fake extractor: the lines of the text input longer than 40 characters."""
    return ["\n".join(line for line in page.text.split("\n") if len(line) > 40) for page in pages]


def _figures(
    name: str, seconds: float | None, *, failures: int = 0, f1: float | None = None, f1_pages: int = 0,
    error: str | None = None,
) -> Figures:
    return Figures(name, "html", 10, 2_000_000, 500, seconds, failures, f1, f1_pages, error)


# --- Arithmetic ---------------------------------------------------------------------------------------------


def test_rates_on_fake_timings() -> None:
    figures = _figures("x", 2.0)
    assert figures.pages_per_second == 5.0
    assert figures.mb_per_second == 1.0
    assert figures.lines_per_second == 250.0
    assert rate(3, 0.0) is None and rate(3, None) is None
    assert _figures("broken", None).pages_per_second is None


def test_speed_ratios_against_the_baseline() -> None:
    figures = [_figures(bench.BASELINE, 2.0), _figures("slow", 8.0), _figures("fast", 1.0), _figures("dead", None)]
    assert speed_ratios(figures) == {bench.BASELINE: 1.0, "slow": 4.0, "fast": 0.5, "dead": None}
    assert speed_ratios(figures[1:]) == {"slow": None, "fast": None, "dead": None}  # no baseline, no ratio
    assert speed_ratio(None, 3.0) is None and speed_ratio(3.0, 0.0) is None


def test_memory_growth_is_largest_stream_over_smallest() -> None:
    runs = [MemoryFigure(10, 100, 220, 1.0), MemoryFigure(1, 10, 200, 0.1)]
    assert memory_growth(runs) == pytest.approx(1.1)
    assert memory_growth([*runs[:1], MemoryFigure(1, 0, None, None, "boom")]) is None


# --- Pages and the sampler ----------------------------------------------------------------------------------


def test_bench_page_counts_lines_and_builds_the_text_input() -> None:
    page = bench_page("set", "a", PAGE_A, gold=ARTICLE)
    assert ARTICLE in page.text.split("\n")
    assert page.lines == len(page.text.split("\n")) == page.text_lines
    assert page.input("html") is PAGE_A and page.size("html") == len(PAGE_A)
    assert page.size("text") == len(page.text.encode()) and page.input("text") == page.text


def test_even_indices_and_quotas() -> None:
    assert even_indices(10, 5) == [1, 3, 5, 7, 9]
    assert even_indices(100, 4) == [12, 37, 62, 87]
    assert even_indices(3, 5) == [0, 1, 2]
    assert even_indices(5, 0) == []
    assert quotas(10, 3) == [4, 3, 3]
    assert sum(quotas(300, 6)) == 300


def test_spread_fills_a_short_iterable_from_its_end() -> None:
    assert spread(range(100), 100, 4) == [12, 37, 62, 87]
    assert spread(range(80), 100, 4) == [12, 37, 62, 79]  # position 87 never came: the last spare item instead
    assert spread(range(2), 100, 4) == [0, 1]


def _fake_page(dataset: str, i: int) -> Page:
    return Page(dataset, f"{i:04d}", "example.org", b"<p>x</p>", Gold(GoldKind.TEXT, text=f"gold {i}"))


def test_sampler_is_deterministic_and_evenly_spread() -> None:
    sizes = {"big": 1000, "small": 40, "short": 30}
    actual = {"big": 1000, "small": 40, "short": 25}  # "short" has fewer pages than expected

    def load(name: str) -> Iterator[Page]:
        return (_fake_page(name, i) for i in range(actual[name]))

    first = sample_pages(list(sizes), 30, load=load, sizes=sizes)
    second = sample_pages(list(sizes), 30, load=load, sizes=sizes)
    assert [(p.dataset, p.page_id) for p in first] == [(p.dataset, p.page_id) for p in second]
    assert len(first) == 30
    for name in sizes:
        ids = [int(p.page_id) for p in first if p.dataset == name]
        assert len(ids) == 10 and ids == sorted(ids) and len(set(ids)) == 10
        gaps = [b - a for a, b in itertools.pairwise(ids)]
        assert max(gaps) - min(gaps) <= 2  # evenly spaced
        assert ids[0] < sizes[name] / 10 and ids[-1] >= actual[name] - sizes[name] / 10  # spans the dataset
    with pytest.raises(ValueError, match="no dataset"):
        sample_pages([], 3, load=load, sizes=sizes)


def test_full_text_gold_skips_snippets_and_empty_gold() -> None:
    page = _fake_page("set", 1)
    assert full_text_gold(page) == "gold 1"
    snippets = Page("t", "1", "d", b"", Gold(GoldKind.SNIPPETS, with_snippets=("a",)))
    assert full_text_gold(snippets) is None
    assert full_text_gold(Page("t", "1", "d", b"", Gold(GoldKind.TEXT, text=""))) is None


def test_sample_file_round_trip(tmp_path: Path) -> None:
    pages = [PAGE_A, b"", PAGE_B]
    write_sample(tmp_path / "s.bin", pages)
    assert read_sample(tmp_path / "s.bin") == pages


# --- Harness ------------------------------------------------------------------------------------------------


def test_tiny_run_of_the_harness() -> None:
    pages = _pages()
    calls: list[int] = []

    def counting(pages_: Sequence[BenchPage]) -> list[Output]:
        calls.append(len(pages_))
        return _keep_paragraphs(pages_)

    def flaky(page: BenchPage) -> str:
        if page.page_id == "b":
            raise ValueError("no content")
        return ARTICLE

    def broken(pages_: Sequence[BenchPage]) -> list[Output]:
        raise RuntimeError("cannot start")

    contenders = [_fake(bench.BASELINE, counting), _fake("text-fake", _keep_paragraphs, "text"),
                  _fake("flaky", per_page(flaky)), _fake("broken", broken)]
    figures = {f.name: f for f in run_benchmark(pages, contenders, warmup=1)}
    assert calls == [1, 2]  # warm-up on one page, then the timed run on both
    base = figures[bench.BASELINE]
    assert (base.pages, base.failures, base.f1_pages) == (2, 0, 1)
    assert base.f1 == pytest.approx(1.0)
    assert base.lines == sum(page.lines for page in pages)
    assert base.input_bytes == len(PAGE_A) + len(PAGE_B)
    assert base.seconds is not None and base.seconds >= 0
    assert figures["text-fake"].input_bytes == sum(page.text_bytes for page in pages)
    assert figures["flaky"].failures == 1 and figures["flaky"].f1 == pytest.approx(1.0)
    assert figures["broken"].error == "RuntimeError: cannot start" and figures["broken"].seconds is None


def test_a_contender_giving_too_few_outputs_is_an_error() -> None:
    figures = measure(_fake("short", lambda pages_: ["x"]), _pages(), warmup=0)
    assert figures.error is not None and "1 outputs for 2 pages" in figures.error


def test_profile_summary_ranks_functions() -> None:
    def work() -> int:
        return sum(len(str(i)) for i in range(2000))

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


#: Levels of the recursive fake workload, and the seconds its innermost level spins.
RECURSION_LEVELS = 6
SPIN_SECONDS = 0.3


def _spin(seconds: float) -> int:
    deadline = time.perf_counter() + seconds
    turns = 0
    while time.perf_counter() < deadline:
        turns += sum(range(50))
    return turns


def _nest(level: int) -> int:
    return _spin(SPIN_SECONDS) if level == 0 else _nest(level - 1)


def _recursive_workload(pages: Sequence[BenchPage]) -> list[Output]:
    _nest(RECURSION_LEVELS)
    return _keep_paragraphs(pages)


def test_sampled_profile_ranks_functions_and_counts_a_recursion_once() -> None:
    summary = bench.profile_contender(_fake("nested", _recursive_workload), _pages(), warmup=0,
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


def test_profile_contender_counts_calls_with_cprofile_and_refuses_an_unknown_profiler() -> None:
    summary = bench.profile_contender(_fake("nested", _recursive_workload), _pages(), warmup=0, profiler="cprofile")
    assert summary.profiler == "cprofile"
    assert any(entry.calls == RECURSION_LEVELS + 1 for entry in summary.by_cumulative if "_nest" in entry.function)
    with pytest.raises(ValueError, match="unknown profiler 'perf'"):
        bench.profile_contender(_fake("nested", _recursive_workload), _pages(), warmup=0, profiler="perf")


# --- Report -------------------------------------------------------------------------------------------------


def _report() -> Report:
    pages = _pages()
    profiler = cProfile.Profile()
    profiler.enable()
    _keep_paragraphs(pages)
    profiler.disable()
    figures = [_figures(bench.BASELINE, 2.0, f1=0.9, f1_pages=1), _figures("slow", 4.0, failures=3),
               _figures("broken", None, error="RuntimeError: cannot start")]
    memory = [MemoryFigure(1, 2, 100_000_000, 0.5), MemoryFigure(10, 20, 101_000_000, 4.0)]
    return Report(pages, figures, memory=memory, profile=summarise_profile(profiler))


def test_report_renders() -> None:
    text = render(_report())
    assert "pages/s" in text and "F1 (1 pages)" in text
    assert "slow" in text and "2.00" in text  # the baseline is twice as fast as "slow"
    assert "broken could not run: RuntimeError: cannot start" in text
    assert "growth" in text and "1.010" in text
    assert "by internal time" in text and "cprofile profile of" in text


def test_a_sampled_profile_renders_without_call_counts() -> None:
    report = _report()
    report.profile = bench.profile_contender(_fake("nested", _recursive_workload), _pages(), warmup=0)
    text = render(report)
    assert "pyinstrument profile of" in text and "_spin" in text
    assert json.loads(json.dumps(report_json(report)))["profile"]["profiler"] == "pyinstrument"


def test_report_json_has_every_key() -> None:
    data = json.loads(json.dumps(report_json(_report())))
    assert data["schema"] == bench.JSON_SCHEMA
    assert {"timestamp", "cpu_count", "python", "platform", "versions", "sample", "settings", "baseline",
            "contenders", "memory", "profile"} <= set(data)
    assert {"trafilatura", "resiliparse", "readability", "boilerpy3", "justext", "chromecut"} <= set(data["versions"])
    assert data["sample"]["pages"] == 2 and data["sample"]["datasets"] == {"set": 2} and data["sample"]["f1_pages"] == 1
    assert set(data["settings"]) == {"warmup", "batch_size", "workers", "chunk_pages"}
    first, slow, broken = data["contenders"]
    assert {"name", "kind", "pages", "input_bytes", "lines", "seconds", "failures", "f1", "f1_pages", "error",
            "pages_per_second", "mb_per_second", "lines_per_second", "speed_ratio"} <= set(first)
    assert slow["speed_ratio"] == 2.0 and slow["pages_per_second"] == 2.5
    assert broken["pages_per_second"] is None and broken["speed_ratio"] is None
    assert data["memory"]["growth"] == pytest.approx(1.01) and len(data["memory"]["runs"]) == 2
    assert {"total_seconds", "by_cumulative", "by_internal"} <= set(data["profile"])
    assert not math.isnan(data["profile"]["total_seconds"])


def test_command_line_rejects_unknown_names() -> None:
    with pytest.raises(SystemExit):
        bench.main(["speed", "--contenders", "nope"])
    with pytest.raises(SystemExit):
        bench.main(["speed", "--datasets", "nope"])
    with pytest.raises(ValueError, match="unknown contender"):
        bench.build_contenders(["nope"])
    assert [c.name for c in bench.build_contenders()] == list(bench.CONTENDERS)


def test_bench_dask_prints_pages_per_second_and_the_speedup_over_one_worker() -> None:
    from chromecut.bench import dask as bench_dask
    from chromecut.bench.speed import build_parser

    runs = [bench_dask.Run("local", 1, 100, 2.0, True), bench_dask.Run("dask", 1, 100, 4.0, True),
            bench_dask.Run("dask", 2, 100, 2.5, False)]
    table = bench_dask.render(runs)
    assert "50.0" in table and "25.0" in table and "40.0" in table and "1.60x" in table
    assert table.splitlines()[-2].endswith("NO") and table.splitlines()[-1] == "speedup 2 vs 1 workers: 1.60x"
    args = build_parser().parse_args(["dask", "--workers", "1,2,4", "--pages", "12"])
    assert args.workers == [1, 2, 4] and args.pages == 12 and args.handler is not None


@pytest.mark.parametrize(
    ("command", "prog"), [("serve", "chromecut.bench.serving"), ("stream", "chromecut.bench.stream")]
)
def test_bench_hands_serve_and_stream_to_their_modules(command: str, prog: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from chromecut.cli import main as cli_main

    with pytest.raises(SystemExit) as exited:
        cli_main(["bench", command, "--help"])
    assert exited.value.code == 0 and f"python -m {prog}" in capsys.readouterr().out
