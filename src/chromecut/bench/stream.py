"""Peak memory of ``chromecut clean`` over a long input stream: flat, whatever the stream's size.

``python -m chromecut.bench.stream --sizes-mb 100 1000`` runs, for each size, ``chromecut clean --input-format
jsonl -`` in a fresh process and writes that many MB of JSON Lines page records into its standard input,
generated on the fly (nothing is stored), its output going to ``/dev/null``. It prints, per size: documents,
input MB, seconds, MB/s, the exit status, the command's peak RSS (exact: ``ru_maxrss`` from ``wait4``) and the
peak RSS of its whole process tree (workers included with ``--jobs`` > 1; sampled every
:data:`SAMPLE_SECONDS`). Figures are printed (and written as JSON with ``--json``), never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from chromecut.bench.serving import generated_page

#: What ``--help`` says the benchmark is (the first paragraph of this docstring).
DESCRIPTION = (__doc__ or "").split("\n\n")[0]
SIZES_MB_DEFAULT = (100, 1000)
BYTES_PER_MB = 1_000_000
KIB = 1024
#: How often the process tree's RSS is sampled.
SAMPLE_SECONDS = 0.2
#: Inline script bytes per generated page: real pages carry most of their bytes in scripts and styles.
SCRIPT_BYTES_DEFAULT = 30_000
SEED_DEFAULT = 7
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def page_records(seed: int = SEED_DEFAULT, script_bytes: int = SCRIPT_BYTES_DEFAULT) -> Iterator[bytes]:
    """An endless stream of JSON Lines records ``{"id", "html"}`` of distinct generated pages."""
    rng = random.Random(seed)
    index = 0
    while True:
        script = "".join(f"var v{i}=function(a,b){{return a<b?a:b}};" for i in range(script_bytes // 40))
        page = generated_page(index, rng).replace("<head>", f"<head><script>{script}</script>", 1)
        yield (json.dumps({"id": index, "html": page}) + "\n").encode("utf-8")
        index += 1


def tree_rss_bytes(root: int) -> int:
    """Resident bytes of a process and all its descendants (0 once it is gone)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)  # field 4: parent pid
        rss[pid] = int(fields[21]) * _PAGE_SIZE  # field 24: resident pages
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@dataclass(frozen=True)
class StreamFigure:
    """One stream's measurement."""

    target_mb: int
    input_mb: float
    documents: int
    seconds: float
    mb_per_second: float
    exit_status: int
    peak_rss_mb: float
    peak_tree_rss_mb: float
    jobs: int


def measure_stream(size_mb: int, jobs: int = 1, extra: Sequence[str] = ()) -> StreamFigure:
    """Stream ``size_mb`` MB of page records through ``chromecut clean`` in a fresh process and measure it."""
    command = [str(Path(sys.executable).parent / "chromecut"), "clean", "--input-format", "jsonl", "-j", str(jobs),
               *extra, "-"]
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=sink, stderr=subprocess.DEVNULL)
    assert process.stdin is not None
    written = documents = 0
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, tree_rss_bytes(process.pid))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    sampler.start()
    try:
        for record in page_records():
            if written >= size_mb * BYTES_PER_MB:
                break
            process.stdin.write(record)
            written += len(record)
            documents += 1
        process.stdin.close()
    except BrokenPipeError:
        pass
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return StreamFigure(size_mb, round(written / BYTES_PER_MB, 1), documents, round(seconds, 1),
                        round(written / BYTES_PER_MB / seconds, 2), process.returncode,
                        round(usage.ru_maxrss * KIB / BYTES_PER_MB, 1), round(peak_tree / BYTES_PER_MB, 1), jobs)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``chromecut bench stream`` (and ``python -m chromecut.bench.stream``)."""
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=list(SIZES_MB_DEFAULT),
                        help="stream sizes in MB (default: 100 1000)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="worker processes of chromecut clean")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")


def run(args: argparse.Namespace) -> int:
    """Measure every size, print (and write) the figures; 0 when every run exited 0."""
    figures = []
    for size in args.sizes_mb:
        figure = measure_stream(size, args.jobs)
        figures.append(figure)
        print(json.dumps(asdict(figure)), flush=True)
    for figure in figures:
        print(f"{figure.input_mb:>8.1f} MB, {figure.documents} documents, {figure.seconds} s "
              f"({figure.mb_per_second} MB/s), exit {figure.exit_status}: peak RSS {figure.peak_rss_mb} MB "
              f"(process tree {figure.peak_tree_rss_mb} MB)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=2) + "\n", encoding="utf-8")
        from chromecut.evaluate.tables import refresh_after_report

        refresh_after_report(args.json)
    return 0 if all(f.exit_status == 0 for f in figures) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chromecut.bench.stream [--sizes-mb 100 1000] [--jobs N] [--json PATH]``: the same as
    ``chromecut bench stream [options]``."""
    parser = argparse.ArgumentParser(prog="python -m chromecut.bench.stream", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
