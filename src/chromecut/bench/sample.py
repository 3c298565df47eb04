"""The benchmarks' sample: a fixed set of dataset pages, each prepared once before anything is timed.

:func:`sample_pages` draws pages evenly from several datasets, deterministically, so two runs (or two machines)
time the same pages. :func:`prepare` turns each into a :class:`BenchPage` (HTML bytes in memory, segmented line
count, the text-mode input) so no contender is charged for reading or segmenting. :func:`write_sample` and
:func:`read_sample` hand the pages to a fresh process (the memory measurement) without re-sampling.
"""

from __future__ import annotations

import os
import struct
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

from chromecut.datasets import DATASETS, GoldKind, Page, iter_pages
from chromecut.segment.html import segment_html, split_text_lines
from chromecut.settings import BENCH_PAGES_DEFAULT

#: Datasets the sample is drawn from, evenly.
DEFAULT_DATASETS: tuple[str, ...] = ("wcxb", "dragnet", "cleaneval", "trafilatura", "readability", "l3s-gn1")
#: Pages in the sample.
DEFAULT_PAGES = BENCH_PAGES_DEFAULT
#: How the text-mode input and its size are encoded.
TEXT_ENCODING = "utf-8"
#: Length prefix of each page in a sample file (see :func:`write_sample`).
_SAMPLE_LENGTH = struct.Struct(">Q")

InputKind = Literal["html", "text"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BenchPage:
    """A page prepared before timing: its HTML, its text-mode input and what the figures count.

    Attributes
    ----------
    dataset, page_id:
        Where the page comes from.
    html:
        The page bytes (input of every HTML contender).
    text:
        The text-mode input: the page's segmented lines joined by ``\\n``.
    lines:
        Segmented lines of the page (the line count of every HTML contender).
    text_lines:
        Lines of ``text`` as text mode reads it (the line count of the text contenders).
    text_bytes:
        Size of ``text`` encoded as UTF-8.
    language:
        The page's language, if the dataset states it (jusText picks its stoplist with it).
    gold:
        The full-text gold, or ``None`` (snippet gold, no gold text): F1 is computed where it is set.
    """

    dataset: str
    page_id: str
    html: bytes
    text: str
    lines: int
    text_lines: int
    text_bytes: int
    language: str | None = None
    gold: str | None = None

    def input(self, kind: InputKind) -> bytes | str:
        """What a contender reading ``kind`` gets: the HTML bytes or the text."""
        return self.html if kind == "html" else self.text

    def size(self, kind: InputKind) -> int:
        """Bytes of the ``kind`` input."""
        return len(self.html) if kind == "html" else self.text_bytes

    def line_count(self, kind: InputKind) -> int:
        """Lines of the ``kind`` input."""
        return self.lines if kind == "html" else self.text_lines


def bench_page(
    dataset: str, page_id: str, html: bytes, *, language: str | None = None, gold: str | None = None
) -> BenchPage:
    """Prepare a page: segment it once, build its text-mode input, count its lines and bytes."""
    segmentation = segment_html(html)
    text = "\n".join(segmentation.texts)
    return BenchPage(dataset, page_id, html, text, len(segmentation.lines), len(split_text_lines(text)),
                     len(text.encode(TEXT_ENCODING)), language, gold)


def full_text_gold(page: Page) -> str | None:
    """The page's gold text when it is full text (not snippets) and not empty, else ``None``."""
    gold = page.gold
    if gold.kind is GoldKind.SNIPPETS or not gold.text:
        return None
    return gold.text


def prepare(page: Page) -> BenchPage:
    """A dataset page as a :class:`BenchPage`."""
    return bench_page(page.dataset, page.page_id, page.html, language=page.language, gold=full_text_gold(page))


def even_indices(total: int, count: int) -> list[int]:
    """``count`` positions spread evenly over ``range(total)``: the middle of each of ``count`` equal strides.

    Every position when ``count >= total``; none when ``count <= 0``.
    """
    if count >= total:
        return list(range(total))
    return [(2 * i + 1) * total // (2 * count) for i in range(max(count, 0))]


def quotas(count: int, groups: int) -> list[int]:
    """Split ``count`` into ``groups`` shares that differ by at most one (the larger shares first)."""
    base, extra = divmod(count, groups)
    return [base + (i < extra) for i in range(groups)]


def spread(items: Iterable[T], total: int, count: int) -> list[T]:
    """The items at :func:`even_indices` ``(total, count)``, in order.

    ``total`` is the expected length of ``items``. When ``items`` turns out shorter and too few positions are
    reached, the last items not picked make up the difference (so a dataset with a few broken pages still gives
    its share). Iteration stops at the last wanted position.
    """
    wanted = set(even_indices(total, count))
    picked: list[tuple[int, T]] = []
    spare: deque[tuple[int, T]] = deque(maxlen=max(count, 0))
    for position, item in enumerate(items):
        if position in wanted:
            picked.append((position, item))
            if len(picked) == count:
                break
        else:
            spare.append((position, item))
    shortfall = count - len(picked)
    if shortfall > 0:
        picked.extend(list(spare)[-shortfall:])
    return [item for _, item in sorted(picked, key=lambda pair: pair[0])]


def sample_pages(
    datasets: Sequence[str],
    count: int,
    *,
    root: str | os.PathLike[str] | None = None,
    load: Callable[[str], Iterable[Page]] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> list[Page]:
    """A fixed, deterministic sample: ``count`` pages shared evenly by ``datasets``, spread over each one.

    Each dataset's share (:func:`quotas`) is taken with :func:`spread` over its pages in page-id order.

    Parameters
    ----------
    datasets:
        Names of :data:`chromecut.datasets.DATASETS`.
    count:
        Pages in the sample.
    root:
        The dataset folder (see :func:`chromecut.datasets.datasets_root`).
    load:
        Yields a dataset's pages in a fixed order; :func:`chromecut.datasets.iter_pages` by default.
    sizes:
        Expected number of pages per dataset; the page counts of :data:`chromecut.datasets.DATASETS` by default.

    Raises
    ------
    ValueError
        If ``datasets`` is empty.
    """
    if not datasets:
        raise ValueError("no dataset to sample from")
    source = load if load is not None else partial(iter_pages, root=root)
    expected = sizes if sizes is not None else {name: info.pages for name, info in DATASETS.items()}
    sample: list[Page] = []
    for name, share in zip(datasets, quotas(count, len(datasets)), strict=True):
        if share > 0:
            sample.extend(spread(source(name), expected[name], share))
    return sample


def load_sample(datasets: Sequence[str], count: int, root: str | os.PathLike[str] | None = None) -> list[BenchPage]:
    """:func:`sample_pages`, each page prepared (:func:`prepare`)."""
    return [prepare(page) for page in sample_pages(datasets, count, root=root)]


def write_sample(path: Path, htmls: Iterable[bytes]) -> None:
    """Write pages to a file (each a length prefix and its bytes) for a memory subprocess to read."""
    with path.open("wb") as handle:
        for html in htmls:
            handle.write(_SAMPLE_LENGTH.pack(len(html)))
            handle.write(html)


def read_sample(path: Path) -> list[bytes]:
    """The pages of a file written by :func:`write_sample`."""
    data = path.read_bytes()
    pages: list[bytes] = []
    offset = 0
    while offset < len(data):
        (length,) = _SAMPLE_LENGTH.unpack_from(data, offset)
        offset += _SAMPLE_LENGTH.size
        pages.append(data[offset : offset + length])
        offset += length
    return pages
