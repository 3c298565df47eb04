"""HTML segmentation by the Rust core (``chromecut._core``), held line for line to the Python reference
(:func:`chromecut.segment.html.segment_html_python`).

A batch of pages crosses into Rust once: the core decodes UTF-8 pages itself, parses each with html5ever's WHATWG
tree builder, walks it and returns the lines of every page as columns (NumPy arrays, one text buffer). Pages
whose bytes are not UTF-8 come back undecoded; they are decoded here (:func:`chromecut.segment.encoding.decode_bytes`:
declared charset, detection) and sent again as text, so both implementations decode alike. The GIL is released
while the core works. A panic inside the core fails its page only (:class:`SegmentationFailure`).

``CHROMECUT_SEGMENT_ENGINE=python`` routes :func:`chromecut.segment.html.segment_html` to the Python reference;
the default (``auto``) uses the core when the extension is built.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chromecut.segment.encoding import decode_bytes
from chromecut.segment.limits import NO_DEADLINE, Deadline, LimitError, PageTimeout

if TYPE_CHECKING:
    from chromecut._core import SegmentedBatch
    from chromecut.segment.html import Segmentation

try:
    from chromecut import _core

    _AVAILABLE = True
except ImportError:  # a checkout whose extension is not built: the Python reference serves
    _AVAILABLE = False

#: Environment variable choosing the HTML segmentation: ``auto`` (the Rust core when built), ``rust``, ``python``.
ENGINE_ENV = "CHROMECUT_SEGMENT_ENGINE"
ENGINES = ("auto", "rust", "python")


class SegmentationFailure(RuntimeError):
    """A page the core could not segment or score (a caught panic: a bug, reported with the page, never a
    crash)."""


def available() -> bool:
    """Whether the extension is built."""
    return _AVAILABLE


def engine() -> str:
    """The engine :func:`chromecut.segment.html.segment_html` uses now: ``rust`` or ``python``."""
    choice = os.environ.get(ENGINE_ENV, "auto").strip().lower() or "auto"
    if choice not in ENGINES:
        raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}, got {choice!r}")
    if choice == "rust" and not _AVAILABLE:
        raise ImportError(f"{ENGINE_ENV}=rust but chromecut._core is not built (pip install -e .)")
    return "rust" if choice == "rust" or (choice == "auto" and _AVAILABLE) else "python"


def page_error(kind: str, message: str, step: str | None, seconds: float | None) -> Exception:
    """The exception of a page the core refused or failed (``(kind, message, step)`` of its ``errors``), with
    ``seconds`` the page's time limit."""
    if kind == "timeout":
        return PageTimeout(f"page took longer than {seconds:g} s (limit --page-timeout; stopped {step})")
    if kind in ("too_large", "too_many_lines", "too_deep"):
        return LimitError(message)
    return SegmentationFailure(message)


def _segmentations(
    columns: SegmentedBatch, deadline: Deadline, encodings: Sequence[str | None] | None = None
) -> list[Segmentation | Exception | None]:
    """The pages of a batch's columns as :class:`Segmentation` objects; ``None`` for a page to decode first."""
    from chromecut.segment.html import Line, Segmentation

    text: str = columns["text"]
    offsets: list[int] = columns["text_offsets"].tolist()
    tag_names = _core.LINE_TAGS
    tags = [tag_names[t] for t in columns["tag"].tolist()]
    headings: list[int] = columns["heading"].tolist()
    list_items: list[bool] = columns["list_item"].tolist()
    depths: list[int] = columns["depth"].tolist()
    link_chars: list[int] = columns["link_chars"].tolist()
    link_counts: list[int] = columns["link_count"].tolist()
    words_table: list[str] = columns["attr_words"]
    words = [words_table[i] for i in columns["attr_words_index"].tolist()]
    landmarks: list[int] = columns["landmarks"].tolist()
    line_offsets: list[int] = columns["line_offsets"].tolist()
    out: list[Segmentation | Exception | None] = []
    for page, error in enumerate(columns["errors"]):
        if error is not None:
            out.append(None if error[0] == "needs_decoding" else page_error(*error, deadline.seconds))
            continue
        first, end = line_offsets[page], line_offsets[page + 1]
        lines = [
            Line(i - first, text[offsets[i] : offsets[i + 1]], tags[i], headings[i], list_items[i], depths[i],
                 link_chars[i], link_counts[i], words[i], landmarks[i])
            for i in range(first, end)
        ]
        encoding = columns["encodings"][page] if encodings is None else encodings[page]
        out.append(Segmentation(lines=lines, mode="html", title=columns["titles"][page],
                                summary=columns["summaries"][page],
                                language=columns["languages"][page], encoding=encoding))
    return out


def segment_html_pages(
    pages: Sequence[bytes | str],
    encoding_hints: Sequence[str | None] | None = None,
    *,
    max_attr_words: int | None = None,
    max_lines: int | None = None,
    max_depth: int | None = None,
    max_page_bytes: int | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> list[Segmentation | Exception]:
    """Segment a batch of pages with the Rust core: for each page its :class:`Segmentation`, or the exception
    that refused it (:class:`LimitError`, :class:`PageTimeout`, :class:`SegmentationFailure`). ``deadline`` is
    shared by the batch."""
    from chromecut.segment.html import MAX_ATTR_WORDS_DEFAULT, segment_html_python

    if not _AVAILABLE:
        raise ImportError("chromecut._core is not built (pip install -e .)")
    options: dict[str, Any] = {
        "max_attr_words": MAX_ATTR_WORDS_DEFAULT if max_attr_words is None else max_attr_words,
        "max_lines": max_lines,
        "max_depth": max_depth,
        "max_page_bytes": max_page_bytes,
    }
    results = _segmentations(_core.segment_html_batch(list(pages), timeout=deadline.remaining(), **options), deadline)
    retry = [i for i, r in enumerate(results) if r is None]
    if not retry:
        return results  # type: ignore[return-value]
    texts: list[str] = []
    codecs: list[str | None] = []
    for i in retry:
        page = pages[i]
        if isinstance(page, str):  # text the core cannot read (lone surrogates): the Python reference takes it
            try:
                results[i] = segment_html_python(page, max_attr_words=options["max_attr_words"], max_lines=max_lines,
                                                 max_depth=max_depth, deadline=deadline)
            except LimitError as error:
                results[i] = error
            continue
        hint = encoding_hints[i] if encoding_hints is not None else None
        text, codec = decode_bytes(page, hint)
        texts.append(text)
        codecs.append(codec)
    decoded = [i for i in retry if not isinstance(pages[i], str)]
    if decoded:
        again = _core.segment_html_batch(texts, timeout=deadline.remaining(), **options)
        for i, result in zip(decoded, _segmentations(again, deadline, codecs), strict=True):
            results[i] = result
    return results  # type: ignore[return-value]


def segment_html(
    html: bytes | str,
    *,
    encoding_hint: str | None = None,
    max_attr_words: int | None = None,
    max_lines: int | None = None,
    max_depth: int | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> Segmentation:
    """One page through :func:`segment_html_pages`; raises the page's exception as the Python reference does."""
    (result,) = segment_html_pages([html], [encoding_hint], max_attr_words=max_attr_words, max_lines=max_lines,
                                   max_depth=max_depth, deadline=deadline)
    if isinstance(result, Exception):
        raise result
    return result
