"""The stream memory benchmark's pieces: the generated stream, the process-tree RSS, one tiny measured run."""

from __future__ import annotations

import json
import os
from itertools import islice

from chromecut.bench.stream import BYTES_PER_MB, measure_stream, page_records, tree_rss_bytes


def test_the_stream_is_distinct_json_lines_pages() -> None:
    records = [json.loads(line) for line in islice(page_records(), 5)]
    assert [r["id"] for r in records] == list(range(5))
    assert len({r["html"] for r in records}) == 5 and all(r["html"].startswith("<html>") for r in records)


def test_tree_rss_counts_this_process() -> None:
    assert tree_rss_bytes(os.getpid()) > BYTES_PER_MB
    assert tree_rss_bytes(2**22 + 12345) == 0  # no such process


def test_a_small_stream_is_cleaned_whole_and_measured() -> None:
    figure = measure_stream(1)
    assert figure.exit_status == 0 and figure.documents > 10 and figure.input_mb >= 1.0
    assert figure.peak_rss_mb > 0 and figure.peak_tree_rss_mb > 0
