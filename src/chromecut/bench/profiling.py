"""Where the baseline's time goes: its timed loop under a profiler, summarised as two top-N tables.

pyinstrument's statistical profiler is the default: it records the stack at intervals, so a function called very
often is not charged the profiler's own time on every call, as with :mod:`cProfile`. cProfile is kept for its
exact call counts. Both summaries rank functions by cumulative and by internal time, with each one's share of
the total, named ``folder/file.py:line(qualified name)`` whichever profiler measured them.
"""

from __future__ import annotations

import cProfile
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING

from chromecut.bench.contenders import Contender
from chromecut.bench.sample import BenchPage
from chromecut.bench.timing import DEFAULT_WARMUP_PAGES, time_contender

if TYPE_CHECKING:
    from _lsprof import profiler_entry

    from pyinstrument.frame import Frame

#: Entries of each profile table.
PROFILE_TOP = 15
#: The profilers ``--profiler`` chooses from: a statistical sampler (the default) and the deterministic one.
PROFILERS: tuple[str, ...] = ("pyinstrument", "cprofile")
#: Seconds between two samples of the statistical profiler.
SAMPLING_INTERVAL = 0.0005
#: Trailing parts of a source path a profile table shows (its folder and file name).
_PATH_PARTS = 2


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
    return "/".join(Path(filename).parts[-_PATH_PARTS:])


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
    """pyinstrument's profiler behind :class:`chromecut.bench.timing.Profiling`."""

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
    """Run a contender's timed loop (as :func:`chromecut.bench.timing.time_contender`) under ``profiler`` (one of
    :data:`PROFILERS`) and summarise it."""
    if profiler == "cprofile":
        deterministic = cProfile.Profile()
        time_contender(contender, pages, warmup, deterministic)
        return summarise_profile(deterministic, top)
    if profiler == "pyinstrument":
        sampler = _Sampler(SAMPLING_INTERVAL)
        time_contender(contender, pages, warmup, sampler)
        return summarise_samples(sampler.root(), top)
    raise ValueError(f"unknown profiler {profiler!r}; known: {', '.join(PROFILERS)}")
