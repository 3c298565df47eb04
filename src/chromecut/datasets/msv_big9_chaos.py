"""MSV Big9 / Chaos: HTML and gold text per page, in subsets named after how the pages were gathered."""

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

INFO = dataset_info("msv-big9-chaos", "research-only", GoldKind.TEXT, 720, "en")

_MSV_PATH = re.compile(r"^Extraction/([^/]+)/html/([^/]+)\.html?$")


def load(folder: Path) -> Iterator[Entry]:
    """One page per ``Extraction/<set>/html/<name>.htm(l)``, its id ``<set>/<name>``."""
    files = read_archive(folder / ARCHIVE_NAME)
    for name, (subset, page_stem) in matching_members(files, _MSV_PATH):
        yield f"{subset}/{page_stem}", partial(_msv_page, subset, page_stem, files, name)


def _msv_page(subset: str, page_stem: str, files: Mapping[str, bytes], name: str) -> Page:
    page_id = f"{subset}/{page_stem}"
    html = files[name]
    text = decode_gold(member(files, f"Extraction/{subset}/gold/{page_stem}.txt"))
    # File names start with a search keyword ("amd (1)"), not a site: the site comes from the HTML.
    url, domain = locate(INFO.name, page_id, html)
    return Page(
        INFO.name, page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=INFO.language, extra={"set": subset},
    )
