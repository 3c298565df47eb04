"""The hostile input corpus: inputs written to break a cleaner, each with what must become of it.

Every entry is a file (name, bytes) and an expectation: ``None`` when the document must be processed (one
label per line of its segmentation), or a regular expression the failure reason must match (the document is
refused, named on stderr, and the batch goes on). Built in memory, a few MB compressed; the heavy entries (a
20 MB line, 200,000 nested ``<div>``\\ s, a million lines) are refused by the default limits in well under a
second, and :data:`RAISED_LIMIT_CASES` processes the first and the last with the limits raised.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from dataclasses import dataclass

from chromecut.segment.encoding import decode_text
from chromecut.segment.html import segment_html, split_text_lines
from chromecut.segment.limits import MAX_DEPTH_DEFAULT, MAX_LINES_DEFAULT, MAX_PAGE_BYTES_DEFAULT

from synthetic import http_response, synthetic_page, warc_record

#: Size of the single-line page: over the default page size limit.
LONG_LINE_BYTES = 20_000_000
#: Nesting of the deep page: far over the default depth limit (the parser would take minutes).
NESTED_DIVS = 200_000
#: Lines of the long text: over the default line limit.
MILLION = 1_000_000
#: Links of the link farm, and how many share one paragraph (1,000 lines: under the line limit).
LINKS = 100_000
LINKS_PER_PARAGRAPH = 100
#: Decompressed size of the gzip bomb (compresses about a thousandfold).
BOMB_BYTES = 64 << 20
#: Bytes of the fake image.
IMAGE_BYTES = 50_000

assert LONG_LINE_BYTES > MAX_PAGE_BYTES_DEFAULT and NESTED_DIVS > MAX_DEPTH_DEFAULT and MILLION > MAX_LINES_DEFAULT
assert LINKS // LINKS_PER_PARAGRAPH < MAX_LINES_DEFAULT < BOMB_BYTES


@dataclass(frozen=True)
class Hostile:
    """One hostile input: its file name, bytes, and ``None`` (must be processed) or the failure it must get.

    For containers, ``failures`` maps each failing document name (relative to the file) to its reason pattern
    and ``documents`` lists the record ids that must be processed.
    """

    name: str
    data: bytes
    failure: str | None = None
    kind: str = "html"
    failures: tuple[tuple[str, str], ...] = ()
    documents: tuple[str, ...] = ()


def long_line() -> bytes:
    return b"word " * (LONG_LINE_BYTES // 5)


def million_lines() -> bytes:
    return b"a\n" * MILLION


def nested_divs() -> bytes:
    return b"<div>" * NESTED_DIVS + b"deep" + b"</div>" * NESTED_DIVS


def link_farm() -> bytes:
    paragraphs = []
    for start in range(0, LINKS, LINKS_PER_PARAGRAPH):
        links = " ".join(f"<a href='/p/{i}'>link {i}</a>" for i in range(start, start + LINKS_PER_PARAGRAPH))
        paragraphs.append(f"<p>{links}</p>")
    return ("<html><body>" + "".join(paragraphs) + "</body></html>").encode("ascii")


def fake_image(seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.getrandbits(8) for _ in range(IMAGE_BYTES))


def truncated_warc() -> bytes:
    records = [
        warc_record("response", f"{i}", f"http://h.example/{i}", "application/http; msgtype=response",
                    http_response(synthetic_page(i).encode("utf-8"), "text/html; charset=utf-8"))
        for i in range(3)
    ]
    whole = b"".join(gzip.compress(record) for record in records)  # one gzip member per record, as crawlers write
    return whole[: len(whole) - len(gzip.compress(records[2])) // 2]


def broken_jsonl() -> bytes:
    lines = [
        json.dumps({"id": "good-1", "html": synthetic_page(4)}),
        "{not json",
        json.dumps({"html": "<p>no id</p>"}),
        json.dumps({"id": "no-page"}),
        json.dumps({"id": "both", "html": "<p>a</p>", "text": "a"}),
        json.dumps({"id": "wrong-type", "text": 42}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": 7, "text": "plain text\n\nwith a blank line\r\nand CRLF"}),
        "\x00\x01garbage\xff",
    ]
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def corpus() -> list[Hostile]:
    """Every hostile input (about 30 MB in memory, built in a few seconds)."""
    return [
        Hostile("empty.html", b""),
        Hostile("whitespace.txt", b"  \n\t\n\r\n   \n", kind="text"),
        Hostile("image.png", fake_image(), kind="text"),
        Hostile("invalid-utf8.html", b"<html><body><p>caf\xc3\xa9 \xff\xfe\xc3 broken \x80 bytes</p></body></html>"),
        Hostile("lying-charset.html", "<html><head><meta charset='shift_jis'></head><body><p>Zürich, naïve "
                "café — “quotes” 北京</p></body></html>".encode()),
        Hostile("mixed-charset.html", "<html><body><p>utf-8: café</p>".encode() + "<p>latin-1: café</p>"
                .encode("latin-1") + "<p>cp1252: “x”</p></body></html>".encode("cp1252")),
        Hostile("utf16.html", "<html><body><p>UTF-16 with a BOM: 北京</p></body></html>".encode("utf-16")),
        Hostile("nul.html", b"<html><body><p>before\x00after</p>\x00<p>\x00\x00</p><div>x\x00</div></body></html>"),
        Hostile("unclosed.html", b"<html><body><div><p>open <b>bold <i>italic <table><tr><td>cell <a href='x'>l"
                b"ink <ul><li>item <!-- comment never closed <script>var x = 1 <"),
        Hostile("links.html", link_farm()),
        Hostile("long-line.txt", long_line(), failure=r"larger than \d+ bytes \(limit --max-page-bytes\)",
                kind="text"),
        Hostile("nested.html", nested_divs(), failure=r"nests deeper than \d+ elements \(limit --max-depth\)"),
        Hostile("million-lines.txt", million_lines(), failure=r"more than \d+ lines \(limit --max-lines\)",
                kind="text"),
        Hostile("bomb.html.gz", gzip.compress(b" " * BOMB_BYTES, compresslevel=9),
                failure=r"larger than \d+ bytes"),
        Hostile("truncated.warc.gz", truncated_warc(), kind="warc",
                failures=(("truncated.warc.gz", r"damaged archive.*after record <urn:uuid:1>"),),
                documents=("<urn:uuid:0>", "<urn:uuid:1>")),
        Hostile("broken.jsonl", broken_jsonl(), kind="jsonl",
                failures=(("broken.jsonl:2", "invalid JSON"), ("broken.jsonl:3", "missing 'id'"),
                          ("broken.jsonl:4", "neither 'html' nor 'text'"), ("broken.jsonl:5", "both"),
                          ("broken.jsonl:6", "'text' must be a string"), ("broken.jsonl:7", "JSON object"),
                          ("broken.jsonl:10", "invalid JSON")),
                documents=("good-1", "7")),
    ]


def expected_lines(data: bytes | str, kind: str) -> list[str]:
    """The lines a page must get one label each for, computed without the cleaner: the block lines of HTML,
    the newline split of text."""
    if kind == "html":
        return segment_html(data).texts
    text = data if isinstance(data, str) else decode_text(data)
    return split_text_lines(text)


def plain_payload(item: Hostile) -> bytes:
    """The document of a plain (non-container) entry, decompressed."""
    return gzip.decompress(item.data) if item.data[:2] == b"\x1f\x8b" else item.data


def write_corpus(folder: os.PathLike[str] | str) -> list[tuple[Hostile, str]]:
    """Write the corpus into ``folder``; (entry, path) pairs."""
    out = []
    for item in corpus():
        path = os.path.join(folder, item.name)
        with open(path, "wb") as handle:
            handle.write(item.data)
        out.append((item, path))
    return out


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    """Whether ``part`` is ``whole`` with some items left out, order kept."""
    remaining = iter(whole)
    return all(any(item == candidate for candidate in remaining) for item in part)
