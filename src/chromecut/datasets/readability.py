"""Mozilla Readability's test pages: ``source.html`` is the page, the text of ``expected.html`` its gold."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

from chromecut.datasets.base import (
    ARCHIVE_NAME,
    Entry,
    Gold,
    GoldKind,
    Page,
    clean_text,
    dataset_info,
    language_code,
    member,
    read_archive,
)
from chromecut.datasets.sites import locate
from chromecut.segment.html import html_to_text

INFO = dataset_info("readability", "Apache-2.0", GoldKind.TEXT, 130)

_READABILITY_DIR = "test/test-pages/"


def load(folder: Path) -> Iterator[Entry]:
    """One page per test case folder."""
    files = read_archive(folder / ARCHIVE_NAME)
    cases = {name[len(_READABILITY_DIR) :].split("/")[0] for name in files if name.startswith(_READABILITY_DIR)}
    for case in cases:
        yield case, partial(_readability_page, case, files)


def _readability_page(case: str, files: Mapping[str, bytes]) -> Page:
    prefix = f"{_READABILITY_DIR}{case}/"
    html = member(files, prefix + "source.html")
    expected = member(files, prefix + "expected.html")
    metadata_bytes = files.get(prefix + "expected-metadata.json")
    metadata = json.loads(metadata_bytes) if metadata_bytes else {}
    url, domain = locate(INFO.name, case, html)
    gold = Gold(GoldKind.TEXT, text=clean_text(html_to_text(expected)))
    return Page(INFO.name, case, domain, html, gold, url=url, language=language_code(metadata.get("lang")))
