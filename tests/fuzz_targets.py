"""Properties of segmentation, features and labelling, with the Hypothesis strategies that attack them.

Shared by the property tests (``tests/unit/test_properties.py``, a short run in CI) and the fuzzer
(``benchmarks/fuzz.py``, the same properties at volume for a set time). Each ``check_*`` function raises
``AssertionError`` when a property does not hold for its input.
"""

from __future__ import annotations

import gzip
import io
import json
from functools import cache
from itertools import pairwise

import numpy as np
from hypothesis import strategies as st

from chromecut.features import line_frame
from chromecut.io import readers, warc
from chromecut.io.inputs import Document, InputFailure, Source
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html, segment_text, split_text_lines
from chromecut.segment.limits import LimitError, Limits

from synthetic import http_response, synthetic_page, warc_record

#: Pieces tag soup is made of: real tags (block, inline, skipped, raw text, void), broken ones, entities,
#: comments, and characters that trip parsers and line splitters.
SOUP_PIECES = (
    "<html>", "<body>", "</body>", "<div>", "</div>", "<p>", "</p>", "<li>", "<ul>", "</ul>", "<a href='x'>",
    "</a>", "<b>", "</b>", "<pre>", "</pre>", "<br>", "<hr/>", "<table><tr><td>", "</td>", "<script>", "</script>",
    "<style>", "<!--", "-->", "<![CDATA[", "]]>", "<nav>", "<footer>", "<h1>", "<div hidden>", "<span style='"
    "display:none'>", "<noscript>", "<template>", "<svg>", "<math>", "<select><option>", "<textarea>", "<",
    ">", "</", "&amp;", "&#0;", "&#xD800;", "&nbsp;", "&", "\x00", "\r", "\n", "\r\n", "\u2028", "\u0085",
    "\ufeff", "\t", " ", "\u200b", "word", "Home", "© 2024", "北京", "مرحبا", "\U0001f600",
)
#: Characters of any kind, surrogates included (a ``str`` from a broken decoder can hold them).
any_text = st.text(alphabet=st.characters(codec=None), max_size=400)
tag_soup = st.lists(st.sampled_from(SOUP_PIECES) | any_text, max_size=60).map("".join)
any_bytes = st.binary(max_size=2000)
#: Words of wrapped prose: lower-case words mostly, a capital, a link or a bracket now and then.
_WRAP_WORDS = ("the", "council", "met", "on", "tuesday", "and", "agreed", "that", "library", "would", "stay",
               "open", "Budget", "[note", "](https://example.org/a-", "b)", "[link](https://example.org/x)", "é",
               "北京")


@st.composite
def wrapped_dump(draw: st.DrawFn) -> str:
    """A dump hard-wrapped at a drawn width: paragraphs of drawn words wrapped greedily, between menu, bullet and
    blank lines and any text (what :mod:`chromecut.segment.reflow` reads by paragraph)."""
    import textwrap

    width = draw(st.integers(40, 120))
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(("paragraph", "paragraph", "paragraph", "menu", "bullet", "blank", "any")))
        if kind == "paragraph":
            words = draw(st.lists(st.sampled_from(_WRAP_WORDS), min_size=30, max_size=150))
            lines += textwrap.wrap(" ".join(words), width, break_long_words=False, break_on_hyphens=False)
        elif kind == "menu":
            lines.append(draw(st.sampled_from(("Home", "News", "Sport", "Contact us"))))
        elif kind == "bullet":
            lines.append("- " + " ".join(draw(st.lists(st.sampled_from(_WRAP_WORDS), min_size=1, max_size=8))))
        elif kind == "blank":
            lines.append("")
        else:
            lines.append(draw(any_text))
    return "\n".join(lines)


def _mutate(draw: st.DrawFn, data: bytearray) -> bytes:
    """Flip, insert and delete random bytes."""
    for _ in range(draw(st.integers(1, 20))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("flip", "insert", "delete")))
        if action == "insert" or not data:
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "flip":
            data[min(position, len(data) - 1)] = draw(st.integers(0, 255))
        else:
            del data[position : position + draw(st.integers(1, 40))]
    return bytes(data)


@st.composite
def mutated_page(draw: st.DrawFn) -> bytes:
    """A synthetic page's bytes with random bytes flipped, inserted and deleted."""
    return _mutate(draw, bytearray(synthetic_page(draw(st.integers(0, 50))).encode("utf-8")))


def _containers() -> tuple[bytes, ...]:
    records = [warc_record("response", str(i), f"http://f.example/{i}", "application/http; msgtype=response",
                           http_response(synthetic_page(i).encode(), "text/html; charset=utf-8")) for i in range(2)]
    jsonl = b"\n".join(json.dumps({"id": i, "html": synthetic_page(i)}).encode() for i in range(3))
    return (b"".join(records), b"".join(gzip.compress(r) for r in records), jsonl, gzip.compress(jsonl))


@st.composite
def mutated_container(draw: st.DrawFn) -> bytes:
    """A WARC or JSON Lines file (plain or gzip) with random bytes flipped, inserted and deleted."""
    return _mutate(draw, bytearray(draw(st.sampled_from(_containers()))))


@cache
def cleaner(mode: str) -> Cleaner:
    return Cleaner.load(mode)


def _content(cleaned: str) -> list[str]:
    return cleaned.split("\n") if cleaned else []


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    remaining = iter(whole)
    return all(any(item == candidate for candidate in remaining) for item in part)


def check_text_labels(text: str) -> None:
    """``label`` gives one record per line of the split, in order, texts unchanged; ``clean`` keeps a
    subsequence of those lines."""
    lines = split_text_lines(text)
    labeled = cleaner("text").label(text, mode="text")
    assert [line.index for line in labeled] == list(range(len(lines)))
    assert [line.text for line in labeled] == lines
    assert all(0.0 <= line.p_content <= 1.0 and (line.text.strip() or not line.content) for line in labeled)
    assert _is_subsequence(_content(cleaner("text").clean(text, mode="text")), lines)


def check_wrapped_labels(text: str) -> None:
    """A text page's lines: one label each (:func:`check_text_labels`); when it is read by paragraph, every line of
    a paragraph has the paragraph's probability and decision, as in the fused and the line-frame path."""
    from chromecut.segment.reflow import text_blocks

    check_text_labels(text)
    labeled = cleaner("text").label(text, mode="text")
    blocks = text_blocks(segment_text(text))
    if blocks is not None:
        for start, end in pairwise(blocks.starts):
            assert len({(line.p_content, line.content) for line in labeled[start:end]}) == 1
    check_fused_equals_lines(text)


def check_html_labels(page: str | bytes) -> None:
    """An HTML page: one label per segmented line, in order; ``clean`` keeps a subsequence of them."""
    lines = segment_html(page).texts
    labeled = cleaner("html").label(page)
    assert [line.index for line in labeled] == list(range(len(lines)))
    assert [line.text for line in labeled] == lines
    assert _is_subsequence(_content(cleaner("html").clean(page)), lines)


@cache
def line_frame_cleaner(mode: str) -> Cleaner:
    """The shipped model of ``mode`` through line frames (``fused=False``), tight limits included."""
    return Cleaner(cleaner(mode).bundle, limits=Limits(max_lines=200, max_depth=40), fused=False)


def _outcome(result: object) -> object:
    return (type(result), str(result)) if isinstance(result, Exception) else result


def check_fused_equals_lines(page: str | bytes) -> None:
    """The Rust core's one call cleans and labels a page, as HTML and as text, as the line-frame path does: the
    same text, the same labels and probabilities, or the same exception with the same message."""
    for mode in ("html", "text"):
        lines = line_frame_cleaner(mode)
        fused = Cleaner(lines.bundle, limits=lines.limits)
        assert [_outcome(r) for r in fused.clean_pages([page, page])] == [
            _outcome(r) for r in lines.clean_pages([page, page])]
        assert [_outcome(r) for r in fused.label_pages([page])] == [_outcome(r) for r in lines.label_pages([page])]


def check_segmentation(data: bytes) -> None:
    """Segmentation never raises on any bytes, and its lines are numbered in order (HTML lines are never blank)."""
    html = segment_html(data)
    assert [line.index for line in html.lines] == list(range(len(html.lines)))
    assert all(line.text.strip() for line in html.lines)
    text = segment_text(data)
    assert len(text.lines) >= 1 and [line.index for line in text.lines] == list(range(len(text.lines)))


def check_limits_raise_only_limit_errors(data: bytes) -> None:
    """With tight limits, a page is labelled or refused with a LimitError, never another exception."""
    tight = Cleaner(cleaner("html").bundle, limits=Limits(max_page_bytes=1500, max_lines=20, max_depth=10))
    try:
        labeled = tight.label(data)
    except LimitError:
        return
    assert len(labeled) == len(segment_html(data).lines) <= 20


def check_features(page: str | bytes) -> None:
    """Both featurizers give one finite-or-missing row per non-blank line, never an infinity."""
    seg = segment_html(page)
    frame = line_frame([(0, seg)])
    for mode in ("html", "text"):
        part = frame if mode == "html" else frame[["doc", "line", "text"]]
        features = cleaner(mode).bundle.featurizer.transform(part)
        assert len(features) == len(part)
        values = features.to_numpy(dtype=np.float64)
        assert not np.isinf(values).any()


#: Page size limit of the reader checks (a mutated container's records are a few KB).
READER_MAX_BYTES = 4096


def check_readers(data: bytes) -> None:
    """Every reader (plain, JSON Lines, WARC; gzip or not) turns any bytes into documents and failures, never an
    exception, and never hands on a document over the size limit."""
    formats = (("sniff", lambda s, f: [readers._read_plain(s, f, READER_MAX_BYTES)]),
               ("jsonl", lambda s, f: list(readers._read_jsonl(s, f, READER_MAX_BYTES))),
               ("warc", lambda s, f: list(warc.read_warc(s, f, READER_MAX_BYTES))))
    for source_format, read in formats:
        items = read(Source("fuzz", source_format), io.BytesIO(data))  # type: ignore[arg-type]
        assert all(isinstance(item, Document | InputFailure) for item in items)
        for item in items:
            if isinstance(item, Document):
                size = len(item.data) if isinstance(item.data, bytes) else len(item.data.encode("utf-8", "replace"))
                assert size <= READER_MAX_BYTES

