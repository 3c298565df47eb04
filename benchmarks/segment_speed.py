"""Milliseconds per page of HTML segmentation: the Rust core against the Python reference and selectolax's bare
parse, on the same dataset pages, in this process (run it on one core: ``taskset -c 0``).

    OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/segment_speed.py --pages 30 --repeats 3

``--pages`` pages of each dataset (the first ones, by page id); every figure is the best of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable

from selectolax.lexbor import LexborHTMLParser

from chromecut import _core
from chromecut.datasets import DATASETS, iter_pages
from chromecut.segment import native
from chromecut.segment.encoding import decode_bytes
from chromecut.segment.html import segment_html_python


def best_ms_per_page(run: Callable[[], object], pages: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1e3 / pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30, help="pages per dataset")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    pages = [p for name in DATASETS for p in itertools.islice(iter_pages(name), args.pages)]
    raw = [p.html for p in pages]
    hints = [p.encoding_hint for p in pages]
    texts = [decode_bytes(p.html, p.encoding_hint)[0] for p in pages]
    n = len(pages)
    mib = sum(map(len, raw)) / 2**20
    print(f"{n} pages ({mib:.1f} MiB, {mib * 1024 / n:.0f} KiB a page) of {len(DATASETS)} datasets, best of "
          f"{args.repeats}")
    rows = {
        "selectolax (lexbor) bare parse, str in": lambda: [LexborHTMLParser(t) for t in texts],
        "Python segment_html_python, bytes in": lambda: [
            segment_html_python(h, encoding_hint=e) for h, e in zip(raw, hints, strict=True)],
        "Rust, one page a call (native.segment_html)": lambda: [
            native.segment_html(h, encoding_hint=e) for h, e in zip(raw, hints, strict=True)],
        "Rust, one batch, Segmentation objects out": lambda: native.segment_html_pages(raw, hints),
        "Rust, one batch, columns out (_core), str in": lambda: _core.segment_html_batch(texts),
    }
    reference = None
    for name, run in rows.items():
        ms = best_ms_per_page(run, n, args.repeats)
        reference = reference or ms
        print(f"  {name:48} {ms:8.3f} ms/page {1e3 / ms:9.0f} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
