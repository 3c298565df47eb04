"""The benchmark's sample: prepared pages, the even spread over each dataset, the sample file."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from chromecut.bench.sample import (
    bench_page,
    even_indices,
    full_text_gold,
    quotas,
    read_sample,
    sample_pages,
    spread,
    write_sample,
)
from chromecut.datasets import Gold, GoldKind, Page


def test_bench_page_counts_lines_and_builds_the_text_input(page_a: bytes, article: str) -> None:
    page = bench_page("set", "a", page_a, gold=article)
    assert article in page.text.split("\n")
    assert page.lines == len(page.text.split("\n")) == page.text_lines
    assert page.input("html") is page_a and page.size("html") == len(page_a)
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


def test_sample_file_round_trip(tmp_path: Path, page_a: bytes, page_b: bytes) -> None:
    pages = [page_a, b"", page_b]
    write_sample(tmp_path / "s.bin", pages)
    assert read_sample(tmp_path / "s.bin") == pages
