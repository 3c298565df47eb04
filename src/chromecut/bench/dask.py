"""Dask benchmark: ``chromecut bench dask`` cleans the same pages on LocalClusters of 1 and 2 (or more) workers
and prints pages/s and the speedup over one worker, with the local engine (``chromecut clean -j 1``) beside.

The sample is the speed benchmark's (:func:`chromecut.bench.sample.sample_pages`), written as one HTML file per page
(the bytes as the datasets hold them) into a scratch folder. Each run cleans every file with ``--out-dir``, as
``chromecut clean --engine dask`` does; a cluster is started and every worker has loaded the model before the
clock starts. The outputs of every run are compared with the local engine's, byte for byte. Figures are
printed (and written as JSON with ``--json``), never asserted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from chromecut.bench.options import add_sample_arguments
from chromecut.bench.sample import sample_pages
from chromecut.evaluate.tables import refresh_after_report
from chromecut.io import batch

#: Worker counts compared (the speedup is over the first).
DEFAULT_WORKERS: tuple[int, ...] = (1, 2)
#: Plain files per Dask task (:func:`chromecut.io.dask.partitions`).
DEFAULT_FILES_PER_PARTITION = 16
JSON_SCHEMA = "chromecut-bench-dask/1"


@dataclass(frozen=True, slots=True)
class Run:
    """One timed run: the engine, its workers, the pages cleaned, the seconds, and whether its output files
    equal the local engine's."""

    engine: str
    workers: int
    pages: int
    seconds: float
    identical: bool

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else float("nan")


def _outputs(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def run_local(names: list[str], model: str, out_dir: Path) -> float:
    """Seconds of ``chromecut clean -j 1 --out-dir`` over the files (model loaded before the clock)."""
    plan = batch.plan(names, batch.Settings(model=model), out_dir=out_dir)
    started = time.perf_counter()
    with batch.OutputWriter(plan, open("/dev/null", "wb")) as writer:  # nothing goes to stdout
        for outcome in batch.outcomes(plan):
            writer.write(outcome)
    return time.perf_counter() - started


def run_dask(names: list[str], model: str, out_dir: Path, workers: int, files_per_partition: int) -> float:
    """Seconds of ``chromecut clean --engine dask -j WORKERS --out-dir`` over the files, on a LocalCluster that
    is started, and whose workers have loaded the model, before the clock starts."""
    from chromecut.io import dask as engine

    plan = batch.plan(names, batch.Settings(model=model), out_dir=out_dir)
    with engine.open_client(None, workers) as client:
        shipped = engine.ship(plan.settings.model)
        client.run(engine.worker_processor, plan.settings, shipped)
        started = time.perf_counter()
        failures = [f for result in engine.run_plan(plan, client, files_per_partition=files_per_partition)
                    for f in result.failures]
        seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} pages failed, first: {failures[0]}")
    return seconds


def benchmark(names: list[str], model: str, workers: Sequence[int], files_per_partition: int,
              scratch: Path) -> list[Run]:
    """The local run, then one Dask run per worker count, over the same files."""
    reference = scratch / "out-local"
    runs = [Run("local", 1, len(names), run_local(names, model, reference), True)]
    expected = _outputs(reference)
    for count in workers:
        out = scratch / f"out-dask-{count}"
        seconds = run_dask(names, model, out, count, files_per_partition)
        runs.append(Run("dask", count, len(names), seconds, _outputs(out) == expected))
    return runs


def render(runs: Sequence[Run]) -> str:
    """The table: engine, workers, pages, seconds, pages/s, speedup over one Dask worker, identical output."""
    base = next((r.pages_per_second for r in runs if r.engine == "dask"), float("nan"))
    lines = [f"{'engine':<8}{'workers':>8}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'speedup':>9}  identical"]
    for r in runs:
        speedup = r.pages_per_second / base if r.engine == "dask" else float("nan")
        lines.append(f"{r.engine:<8}{r.workers:>8}{r.pages:>7}{r.seconds:>9.2f}{r.pages_per_second:>9.1f}"
                     f"{'-' if r.engine == 'local' else f'{speedup:.2f}x':>9}  {'yes' if r.identical else 'NO'}")
    dask_runs = [r for r in runs if r.engine == "dask"]
    if len(dask_runs) > 1:
        lines.append(f"speedup {dask_runs[-1].workers} vs {dask_runs[0].workers} workers: "
                     f"{dask_runs[-1].pages_per_second / dask_runs[0].pages_per_second:.2f}x")
    return "\n".join(lines)


def _workers(value: str) -> list[int]:
    counts = [int(v) for v in value.split(",") if v.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"a comma-separated list of positive worker counts: {value!r}")
    return counts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``chromecut bench dask``."""
    add_sample_arguments(parser)
    parser.add_argument("--workers", type=_workers, default=list(DEFAULT_WORKERS),
                        help="comma-separated worker counts (default: 1,2)")
    parser.add_argument("--model", default="html", help="html, text, a bundle folder or an MLflow URI")
    parser.add_argument("--files-per-partition", type=int, default=DEFAULT_FILES_PER_PARTITION,
                        help=f"plain files per Dask task (default {DEFAULT_FILES_PER_PARTITION})")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the figures as JSON")


def run(args: argparse.Namespace) -> int:
    """``chromecut bench dask``: sample, write one file per page, time every engine, print the table."""
    pages = sample_pages(args.datasets, args.pages, root=args.root)
    with tempfile.TemporaryDirectory(prefix="chromecut-bench-dask-") as tmp:
        scratch = Path(tmp)
        (scratch / "pages").mkdir()
        names = []
        for i, page in enumerate(pages):
            path = scratch / "pages" / f"{i:05d}.html"
            path.write_bytes(page.html)
            names.append(str(path))
        runs = benchmark(names, args.model, args.workers, args.files_per_partition, scratch)
    print(render(runs))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = [{**asdict(r), "pages_per_second": r.pages_per_second} for r in runs]
        args.json.write_text(json.dumps({"schema": JSON_SCHEMA, "runs": figures}, indent=2) + "\n",
                             encoding="utf-8")
        refresh_after_report(args.json)
    return 0
