"""Chinese Web Content Extraction Dataset: original HTML, cleaned text, and author and date where given."""

from __future__ import annotations

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

INFO = dataset_info("chinese-wce", "MIT", GoldKind.TEXT, 69, "zh")

_CHINESE_WCE_FIELDS = ("author", "date")


def load(folder: Path) -> Iterator[Entry]:
    """One page per ``original/*.html``."""
    files = read_archive(folder / ARCHIVE_NAME)
    for page_id in html_pages(files, "original/"):
        yield page_id, partial(_chinese_wce_page, page_id, files)


def _chinese_wce_page(page_id: str, files: Mapping[str, bytes]) -> Page:
    html = member(files, f"original/{page_id}.html")
    text = decode_gold(member(files, f"cleaned/{page_id}.txt"))
    extra = {
        name: decode_gold(files[f"{name}/{page_id}.txt"])
        for name in _CHINESE_WCE_FIELDS
        if f"{name}/{page_id}.txt" in files
    }
    url, domain = locate(INFO.name, page_id, html)
    return Page(
        INFO.name, page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=INFO.language, extra=extra,
    )
