"""What the speed benchmark measured, with the machine and software it ran on: a text table and JSON.

Figures are printed (and written as JSON, layout :data:`JSON_SCHEMA`), never asserted: speed depends on the
machine, so the report records the machine (CPUs, Python, platform, package versions) beside every figure.
"""

from __future__ import annotations

import os
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from chromecut.bench.contenders import BASELINE, DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_PAGES, DEFAULT_WORKERS
from chromecut.bench.memory import MemoryFigure, memory_growth
from chromecut.bench.profiling import ProfileEntry, ProfileSummary
from chromecut.bench.sample import BenchPage
from chromecut.bench.timing import BYTES_PER_MB, DEFAULT_ROUNDS, DEFAULT_WARMUP_PAGES, Figures, speed_ratios

#: Name and version of the JSON layout written by ``--json``.
JSON_SCHEMA = "chromecut-bench-speed/1"
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
    rounds: int = DEFAULT_ROUNDS


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
        f"{report.settings.workers} workers fed {report.settings.chunk_pages} pages a task; "
        f"each contender's fastest of {report.settings.rounds} passes, taken in turns",
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
