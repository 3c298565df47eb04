"""The CleanEval format, shared by CleanEval and CleanPortalEval.

Each page is an ``input/<n>.html`` wrapped in ``<text id=URL encoding=... title=...>``, its gold a
``GoldStandard/<n>.txt`` whose blocks start with ``<p>``, ``<h>`` or ``<l>`` markers (and may open with a
``URL:`` line). The gold becomes one line per block, entities decoded.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

from chromecut.datasets.base import (
    ARCHIVE_NAME,
    DatasetInfo,
    Entry,
    Gold,
    GoldKind,
    MissingFile,
    Page,
    clean_text,
    dataset_info,
    read_archive,
    stem,
)
from chromecut.datasets.sites import locate
from chromecut.segment.encoding import decode_text, normalise_encoding_name

CLEANEVAL = dataset_info("cleaneval", "none stated (CleanEval, research use)", GoldKind.TEXT, 739, "en")
CLEANPORTALEVAL = dataset_info("cleanportaleval", "none stated", GoldKind.TEXT, 71, "en")

_CLEANEVAL_WRAPPER = re.compile(rb"^\s*<text\b([^>]*)>")
_CLEANEVAL_WRAPPER_END = re.compile(rb"</text>\s*$")
_CLEANEVAL_ATTRIBUTE = re.compile(rb"""(\w+)\s*=\s*"([^"]*)\"""")
_CLEANEVAL_URL_LINE = re.compile(r"^\s*URL:\s*(\S*)")
# Block markers: <p> paragraph, <h> heading, <l> list item; also mid-line, where table cells start.
_CLEANEVAL_MARKER = re.compile(r"<[phl]>", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_CLEANEVAL_SPLITS = ("dev", "final")


def _unwrap_cleaneval_input(data: bytes) -> tuple[bytes, dict[str, str]]:
    """The page without its ``<text id=... encoding=...>`` wrapper, and the wrapper's attributes."""
    match = _CLEANEVAL_WRAPPER.match(data)
    if match is None:
        return data, {}
    attributes = {
        key.decode("ascii").lower(): html_lib.unescape(value.decode("utf-8", errors="replace")).strip()
        for key, value in _CLEANEVAL_ATTRIBUTE.findall(match.group(1))
    }
    return _CLEANEVAL_WRAPPER_END.sub(b"", data[match.end() :]), attributes


def _parse_cleaneval_gold(text: str) -> tuple[str, str | None]:
    """CleanEval gold text as one line per block, and the URL of its ``URL:`` first line if it has one."""
    text = clean_text(text)
    url = None
    first, _, rest = text.partition("\n")
    url_line = _CLEANEVAL_URL_LINE.match(first)
    if url_line is not None:
        url, text = url_line.group(1) or None, rest
    lines = []
    for block in _CLEANEVAL_MARKER.split(text):
        for paragraph in _BLANK_LINE.split(block):
            line = " ".join(html_lib.unescape(paragraph).split())
            if line:
                lines.append(line)
    return "\n".join(lines), url


def _cleaneval_format_entries(
    info: DatasetInfo, files: Mapping[str, bytes], prefix: str, id_prefix: str = ""
) -> Iterator[Entry]:
    """The pages of one ``input/`` + ``GoldStandard/`` pair of folders under ``prefix``."""
    input_dir = f"{prefix}input/"
    for name in files:
        if name.startswith(input_dir) and name.endswith(".html"):
            page_stem = stem(name)
            gold_name = f"{prefix}GoldStandard/{page_stem}.txt"
            page_id = id_prefix + page_stem
            yield page_id, partial(_cleaneval_format_page, info, page_id, files, name, gold_name)


def _cleaneval_format_page(
    info: DatasetInfo, page_id: str, files: Mapping[str, bytes], name: str, gold_name: str
) -> Page:
    if gold_name not in files:
        raise MissingFile(f"input without gold ({gold_name} does not exist)")
    html, attributes = _unwrap_cleaneval_input(files[name])
    text, gold_url = _parse_cleaneval_gold(decode_text(files[gold_name]))
    label = attributes.get("encoding")
    encoding_hint = label if normalise_encoding_name(label) else None
    url, domain = locate(info.name, page_id, html, attributes.get("id") or gold_url)
    extra = {"title": attributes["title"]} if attributes.get("title") else {}
    if "/" in page_id:
        extra["split"] = page_id.split("/")[0]
    return Page(
        info.name, page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=info.language, encoding_hint=encoding_hint, extra=extra,
    )


def load_cleaneval(folder: Path) -> Iterator[Entry]:
    """CleanEval's ``dev`` and ``final`` sets, page ids prefixed with their set (``dev/12``)."""
    files = read_archive(folder / ARCHIVE_NAME)
    for split in _CLEANEVAL_SPLITS:
        yield from _cleaneval_format_entries(CLEANEVAL, files, f"cleaneval-{split}/", f"{split}/")


def load_cleanportaleval(folder: Path) -> Iterator[Entry]:
    """CleanPortalEval: one set, at the archive's top."""
    return _cleaneval_format_entries(CLEANPORTALEVAL, read_archive(folder / ARCHIVE_NAME), "")
