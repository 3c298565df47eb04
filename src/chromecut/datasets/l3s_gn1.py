"""L3S-GN1: per-block human labels; the annotated copy of each page carries them, the original is the input."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from chromecut.datasets.base import (
    ARCHIVE_NAME,
    Entry,
    Gold,
    GoldKind,
    Page,
    dataset_info,
    html_pages,
    member,
    read_archive,
)
from chromecut.datasets.sites import locate
from chromecut.segment.html import BLOCK_TAGS, SKIP_TAGS

INFO = dataset_info("l3s-gn1", "L3S research-only", GoldKind.BLOCKS, 621, "en")

_L3S_SELECTION = re.compile(r"\bx-nc-sel(\d)\b")
_L3S_INVISIBLE = re.compile(r"\bx-nc-invisible\b")
_L3S_URL_LINE = re.compile(r"^<urn:uuid:([0-9a-fA-F-]+)>\t(\S+)[ \t\r]*$", re.MULTILINE)
#: L3S selection classes: not content, headline, full text, supplemental, related content, comments.
L3S_NOT_CONTENT, L3S_HEADLINE, L3S_FULL_TEXT, L3S_SUPPLEMENTAL, L3S_RELATED, L3S_COMMENTS = range(6)
L3S_CONTENT_LABELS = frozenset({L3S_HEADLINE, L3S_FULL_TEXT})
L3S_CHROME_LABELS = frozenset({L3S_NOT_CONTENT, L3S_RELATED, L3S_COMMENTS})
_LINE_BREAK_TAGS = frozenset({"br", "hr"})
_TEXT_NODE = "-text"


def _l3s_blocks(annotated: bytes) -> tuple[tuple[str, int], ...]:
    """The labelled text blocks of an annotated L3S-GN1 page, in document order.

    A block is a run of text under one selection class inside one block-level element (links and other
    inline markup do not split it; ``<br>`` does). Text inside ``x-nc-invisible`` elements, scripts and
    styles is skipped. Visible text in no ``x-nc-selN`` span gets class 0: L3S-GN1 counts unselected text
    as not content.
    """
    tree = LexborHTMLParser(annotated.decode("utf-8", errors="replace"))
    root = tree.body
    if root is None:
        return ()
    blocks: list[tuple[str, int]] = []
    parts: list[str] = []
    current: tuple[int, int, int] | None = None
    breaks = 0

    def flush() -> None:
        text = " ".join("".join(parts).split())
        if text and current is not None:
            blocks.append((text, current[0]))
        parts.clear()

    # Explicit stack of (node, selection class, id of the nearest block-level element): no recursion limit.
    stack: list[tuple[LexborNode, int, int]] = [(root, L3S_NOT_CONTENT, root.mem_id)]
    while stack:
        node, label, block = stack.pop()
        tag = node.tag or ""
        if tag == _TEXT_NODE:
            text = node.text_content or ""
            if not text.strip():
                parts.append(" ")  # spacing between inline elements, not a block of its own
                continue
            key = (label, block, breaks)
            if key != current:
                flush()
                current = key
            parts.append(text)
            continue
        if tag in _LINE_BREAK_TAGS:
            breaks += 1
            continue
        if tag.startswith("-") or tag in SKIP_TAGS:
            continue
        classes = node.attributes.get("class") or ""
        if _L3S_INVISIBLE.search(classes):
            continue
        selection = _L3S_SELECTION.search(classes)
        child_label = int(selection.group(1)) if selection else label
        child_block = node.mem_id if tag in BLOCK_TAGS else block
        children = [(child, child_label, child_block) for child in node.iter(include_text=True)]
        stack.extend(reversed(children))
    flush()
    return tuple(blocks)


def _l3s_gold(annotated: bytes) -> Gold:
    blocks = _l3s_blocks(annotated)
    return Gold(
        GoldKind.BLOCKS,
        text="\n".join(text for text, label in blocks if label in L3S_CONTENT_LABELS),
        blocks=blocks,
        chrome_text="\n".join(text for text, label in blocks if label in L3S_CHROME_LABELS),
    )


def load(folder: Path) -> Iterator[Entry]:
    """One page per ``original/*.html``, its URL from ``url-mapping.txt``."""
    mapping = (folder / "url-mapping.txt").read_text(encoding="utf-8")
    urls = {uuid.lower(): url for uuid, url in _L3S_URL_LINE.findall(mapping)}
    files = read_archive(folder / ARCHIVE_NAME)
    for page_id in html_pages(files, "original/"):
        yield page_id, partial(_l3s_page, page_id, files, urls.get(page_id.lower()))


def _l3s_page(page_id: str, files: Mapping[str, bytes], url: str | None) -> Page:
    # The page is the original; the annotated copy carries the labels and must never be the input.
    html = member(files, f"original/{page_id}.html")
    gold = _l3s_gold(member(files, f"annotated/{page_id}.html"))
    url, domain = locate(INFO.name, page_id, html, url)
    return Page(INFO.name, page_id, domain, html, gold, url=url, language=INFO.language)
