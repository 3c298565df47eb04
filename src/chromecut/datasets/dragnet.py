"""Dragnet: corrected main text per page, user comments after a ``!@#$%^&*()  COMMENTS`` line, train / test lists."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

from chromecut.datasets.base import (
    ARCHIVE_NAME,
    Entry,
    Gold,
    GoldKind,
    Page,
    dataset_info,
    decode_gold,
    html_pages,
    member,
    read_archive,
)
from chromecut.datasets.sites import locate

INFO = dataset_info("dragnet", "AGPL-3.0 (data)", GoldKind.TEXT, 1381)

#: The line separating article from comments, ``!@#$%^&*()  COMMENTS``; some files mistype it
#: (``!@ $%^&*()``, ``#$%^&*()``, one space or three).
_DRAGNET_COMMENTS_LINE = re.compile(r"^[ \t]*[!@#$%^&*()][!@#$%^&*() \t]*COMMENTS[ \t]*$", re.MULTILINE)
_DRAGNET_SPLIT_FILES = {"train": "training.txt", "test": "test.txt"}


def _read_id_list(path: Path) -> list[str]:
    """Ids one per line; read on its own (``training.txt`` lacks a final newline, so never concatenate)."""
    return path.read_text(encoding="utf-8").split()


def load(folder: Path) -> Iterator[Entry]:
    """One page per ``HTML/*.html``, with the split its id is listed in, if any."""
    split_of = {
        page_id: split
        for split, file_name in _DRAGNET_SPLIT_FILES.items()
        for page_id in _read_id_list(folder / file_name)
    }
    files = read_archive(folder / ARCHIVE_NAME)
    for page_id in html_pages(files, "HTML/"):
        yield page_id, partial(_dragnet_page, page_id, files, split_of.get(page_id))


def _dragnet_page(page_id: str, files: Mapping[str, bytes], split: str | None) -> Page:
    html = member(files, f"HTML/{page_id}.html")
    parts = _DRAGNET_COMMENTS_LINE.split(decode_gold(member(files, f"Corrected/{page_id}.html.corrected.txt")), 1)
    comments = parts[1].strip() if len(parts) > 1 else None
    gold = Gold(GoldKind.TEXT, text=parts[0].strip(), comments=comments)
    url, domain = locate(INFO.name, page_id, html)
    extra = {"split": split} if split else {}
    return Page(INFO.name, page_id, domain, html, gold, url=url, extra=extra)
