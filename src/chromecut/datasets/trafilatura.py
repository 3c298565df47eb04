"""Trafilatura's evaluation set: must / must-not snippets per page (``evaldata.json``), no full text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from chromecut.datasets.base import (
    ARCHIVE_NAME,
    Entry,
    Gold,
    GoldKind,
    MissingFile,
    Page,
    dataset_info,
    read_archive,
    snippets_of,
)
from chromecut.datasets.sites import locate

INFO = dataset_info("trafilatura", "Apache-2.0", GoldKind.SNIPPETS, 990)

_TRAFILATURA_HTML_DIRS = ("tests/eval/", "tests/cache/")
_URL_IN_TEXT = re.compile(r"https?://\S+", re.IGNORECASE)


def load(folder: Path) -> Iterator[Entry]:
    """One page per entry of ``evaldata.json``, its id the page's file name."""
    evaldata = json.loads((folder / "evaldata.json").read_bytes())
    files = read_archive(folder / ARCHIVE_NAME)
    for key, item in evaldata.items():
        yield str(item.get("file") or key), partial(_trafilatura_page, key, item, files)


def _trafilatura_page(key: str, item: Mapping[str, Any], files: Mapping[str, bytes]) -> Page:
    name = str(item["file"])
    for directory in _TRAFILATURA_HTML_DIRS:
        html = files.get(directory + name)
        if html is not None:
            break
    else:
        raise MissingFile(f"{name} is in neither {' nor '.join(_TRAFILATURA_HTML_DIRS)}")
    # Keys are URLs, except a few ("hard::<file>", "xhttps://...") that only contain one or none.
    found = _URL_IN_TEXT.search(key)
    url, domain = locate(INFO.name, name, html, found.group(0) if found else None)
    gold = Gold(
        GoldKind.SNIPPETS,
        with_snippets=snippets_of(item.get("with")),
        without_snippets=snippets_of(item.get("without")),
    )
    extra = {"key": key, "source": directory.rstrip("/")}
    return Page(INFO.name, name, domain, html, gold, url=url, extra=extra)
