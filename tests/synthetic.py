"""Hand-made pages, line frames and WARC records shared by the tests (no dataset needed)."""

from __future__ import annotations

import textwrap
import zlib

import numpy as np
import pandas as pd

from chromecut.features import line_frame
from chromecut.segment.html import segment_html

PROSE = (
    "The council approved the new budget after a long debate that lasted well into the night.",
    "Officials said the plan would fund schools, roads and the renovation of the old library.",
    "Critics argued that the spending was too high and that taxes would have to rise next year.",
)
CHROME = ("Home", "News", "Sport", "Contact us", "Share on Facebook", "Related", "© 2024 Example News")


SITES = 5


def wrapped_dump(width: int = 64, paragraphs: int = 4) -> str:
    """A text dump hard-wrapped at ``width`` (as ``fmt`` or html2text write one): a menu, a headline, the prose as
    paragraphs with a blank line after each, a related list."""
    lines = ["Home", "News", "Council approves the budget", ""]
    for _ in range(paragraphs):
        lines += [*textwrap.wrap(" ".join(PROSE), width), ""]
    return "\n".join([*lines, "Related", "- Another headline number 3"])


def synthetic_page(i: int, summary: bool = False) -> str:
    """Page ``i``; with ``summary``, an ``og:description`` that repeats one of its paragraphs."""
    prose = "".join(f"<p>{s} Story {i}.</p>" for s in PROSE)
    nav = "".join(f"<li><a href='/{c}'>{c}</a></li>" for c in CHROME[:4])
    meta = f"<meta property='og:description' content='{PROSE[i % len(PROSE)]}'>" if summary else ""
    return (f"<html><head><title>Story {i}</title>{meta}</head><body><nav><ul>{nav}</ul></nav><h1>Story {i}</h1>"
            f"<article>{prose}</article><div class='share'>{CHROME[4]}</div><aside><h3>{CHROME[5]}</h3>"
            f"<ul><li><a href='/x{i}'>Another headline number {i}</a></li></ul></aside>"
            f"<footer>{CHROME[6]}</footer></body></html>")


def synthetic_frame(pages: int, split: str, summary: bool = False) -> pd.DataFrame:
    """The labelled line frame of ``pages`` synthetic pages; with ``summary``, each page's content is the one
    paragraph its ``og:description`` repeats."""
    frame = line_frame([(f"{split}{i}", segment_html(synthetic_page(i, summary))) for i in range(pages)])
    frame["domain"] = [f"site{zlib.crc32(d.encode()) % SITES}" for d in frame["doc"]]
    frame["label"] = np.where(frame["text"].str.startswith(("The ", "Officials", "Critics", "Story")), 1, 0)
    if summary:  # content: the paragraph the summary repeats, which only the summary family tells apart
        repeated = [PROSE[int(doc.removeprefix(split)) % len(PROSE)] for doc in frame["doc"]]
        frame["label"] = [int(text.startswith(r)) for text, r in zip(frame["text"], repeated, strict=True)]
    frame["split"] = split
    return frame


def warc_record(warc_type: str, record_id: str, uri: str, content_type: str, block: bytes) -> bytes:
    """One hand-written WARC/1.0 record."""
    head = (f"WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\n"
            f"WARC-Target-URI: {uri}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(block)}\r\n\r\n")
    return head.encode("ascii") + block + b"\r\n\r\n"


def http_response(body: bytes, content_type: str, extra_headers: str = "") -> bytes:
    """The block of a WARC response record: an HTTP/1.1 200 response."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{extra_headers}Content-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


def site_page(i: int) -> str:
    """A text dump of page ``i`` of one site: the site's template lines around prose of the page's own."""
    words = "river mountain council budget school library road garden market station harbour museum".split()
    rng = np.random.default_rng(i)
    prose = [" ".join(rng.choice(words, 25)).capitalize() + "." for _ in range(4)]
    return "\n".join(["Home", "World", "Sign in to your account", f"Headline number {i}", *prose, "",
                      "Most read", "- Ten things you missed this week", "© 2024 Daily Example"])
