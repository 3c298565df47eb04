"""htmltotext-benchmark: HTML and text per page, in one folder per language."""

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
    matching_members,
    member,
    read_archive,
)
from chromecut.datasets.sites import locate

INFO = dataset_info("htmltotext-benchmark", "none stated", GoldKind.TEXT, 28)

_HTMLTOTEXT_PATH = re.compile(r"^benchmarkdata/([^/]+)/html/([^/]+)\.html$")


def load(folder: Path) -> Iterator[Entry]:
    """One page per ``benchmarkdata/<language>/html/<name>.html``, its id ``<language>/<name>``."""
    files = read_archive(folder / ARCHIVE_NAME)
    for _, (language, page_stem) in matching_members(files, _HTMLTOTEXT_PATH):
        yield f"{language}/{page_stem}", partial(_htmltotext_page, language, page_stem, files)


def _htmltotext_page(language: str, page_stem: str, files: Mapping[str, bytes]) -> Page:
    page_id = f"{language}/{page_stem}"
    html = member(files, f"benchmarkdata/{language}/html/{page_stem}.html")
    text = decode_gold(member(files, f"benchmarkdata/{language}/text/{page_stem}.txt"))
    url, domain = locate(INFO.name, page_id, html)
    return Page(
        INFO.name, page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=language.lower(),
    )
