"""The Dask benchmark's table and options (no cluster is started)."""

from __future__ import annotations

from chromecut.bench import dask as bench_dask
from chromecut.bench.cli import build_parser


def test_bench_dask_prints_pages_per_second_and_the_speedup_over_one_worker() -> None:
    runs = [bench_dask.Run("local", 1, 100, 2.0, True), bench_dask.Run("dask", 1, 100, 4.0, True),
            bench_dask.Run("dask", 2, 100, 2.5, False)]
    table = bench_dask.render(runs)
    assert "50.0" in table and "25.0" in table and "40.0" in table and "1.60x" in table
    assert table.splitlines()[-2].endswith("NO") and table.splitlines()[-1] == "speedup 2 vs 1 workers: 1.60x"
    args = build_parser().parse_args(["dask", "--workers", "1,2,4", "--pages", "12"])
    assert args.workers == [1, 2, 4] and args.pages == 12 and args.handler is not None
