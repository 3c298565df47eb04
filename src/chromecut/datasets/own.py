"""Your own labelled pages as a dataset: a folder that ``chromecut data prepare --own`` and training
(``data.own_datasets``) read beside the public datasets, without a line of code.

The folder::

    pages.jsonl     one JSON object a line, one page each:
                      id          the page's id, unique in the folder (required)
                      url         the page's address; its site decides the page's split (recommended)
                      html        the page's HTML, or html_file: its path, relative to the folder
                      gold        the page's main text (what a perfect cleaner returns), or gold_file: its path;
                                  or with_snippets / without_snippets: lists of text the main text holds / does not
                      language    optional, an ISO 639-1 code
                      encoding    optional, the encoding of html_file's bytes when the page does not declare it
                      split       optional, train / val / test: the page's split, instead of its site's
                      page_type   optional (article, product, forum, ...): reported by type in evaluation
    dataset.json    optional: {"name": ..., "license": ..., "language": ..., "gold": "text" or "snippets"}; the
                    name defaults to the folder's, the gold (how the report scores the alignment) to text

Pages are split by site (their URL's host) as the public datasets are, so no site is in two splits; with pages of
only a few sites, give each page its ``split``. A record that cannot be read (not JSON, no id, no HTML or gold, a
missing file) skips that page with its reason in the prepared table's report; it never stops the others.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from chromecut.datasets.base import (
    PAGE_TYPE,
    DatasetInfo,
    Entry,
    Gold,
    GoldKind,
    Loader,
    Page,
    clean_text,
    decode_gold,
    language_code,
)
from chromecut.datasets.sites import locate

#: The folder's page records.
PAGES_FILE = "pages.jsonl"
#: The folder's optional description.
MANIFEST_FILE = "dataset.json"
#: The licence a dataset states when its ``dataset.json`` gives none.
LICENSE_UNSTATED = "own (not stated)"
#: What a page id may not hold: it ends the page's part of a text-mode page key (``dataset/page_id#renderer``).
ID_FORBIDDEN = "#"
#: The splits a record may name.
SPLITS = ("train", "val", "test")
#: A dataset name: what may stand in a page key (``dataset/page_id#renderer``) and a file name.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: Fields a record may hold; any other is refused, so that a misspelt one is not silently ignored.
_FIELDS = frozenset({"id", "url", "html", "html_file", "gold", "gold_file", "with_snippets", "without_snippets",
                     "language", "encoding", "split", "page_type"})


class OwnDatasetError(ValueError):
    """A folder that is no readable dataset of your own (the message names the folder)."""


def read_info(folder: str | Path) -> DatasetInfo:
    """The dataset a folder of your own pages is: its name, licence and page count (``ValueError`` naming the
    folder when it has no ``pages.jsonl`` or its ``dataset.json`` is malformed)."""
    folder = Path(folder)
    pages_file = folder / PAGES_FILE
    if not pages_file.is_file():
        raise OwnDatasetError(f"{folder}: no {PAGES_FILE} (one JSON record a page; see chromecut.datasets.own)")
    manifest: dict[str, Any] = {}
    manifest_file = folder / MANIFEST_FILE
    if manifest_file.is_file():
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise OwnDatasetError(f"{manifest_file}: not JSON ({exc})") from None
        if not isinstance(manifest, dict) or not all(isinstance(v, str) for v in manifest.values()):
            raise OwnDatasetError(f"{manifest_file}: an object of strings (name, license, language)")
    name = manifest.get("name") or folder.resolve().name
    if not _NAME.match(name):
        raise OwnDatasetError(f"{folder}: the dataset name {name!r} must be letters, digits, '.', '_' or '-' "
                              "(name it in dataset.json)")
    gold = manifest.get("gold")
    if gold is not None and gold not in (GoldKind.TEXT, GoldKind.SNIPPETS):
        raise OwnDatasetError(f"{manifest_file}: gold is {GoldKind.TEXT} or {GoldKind.SNIPPETS}, not {gold!r}")
    return DatasetInfo(name, manifest.get("license") or LICENSE_UNSTATED, True, GoldKind(gold or GoldKind.TEXT),
                       sum(1 for _ in _lines(pages_file)), manifest.get("language"))


def loader(info: DatasetInfo) -> Loader:
    """The reader of ``info``'s folder."""
    return partial(load, info)


def load(info: DatasetInfo, folder: Path) -> Iterator[Entry]:
    """One entry a record of ``pages.jsonl``, which holds where its line starts (the page is read again from there
    when it is built, so no record stays in memory); a record that cannot be read fails when its page is built."""
    seen: set[str] = set()
    for number, offset, raw in _lines(folder / PAGES_FILE):
        try:
            record = json.loads(raw)
        except ValueError as exc:  # not JSON, or not UTF-8
            yield f"{PAGES_FILE}:{number}", partial(_refused, number, f"not JSON ({exc})")
            continue
        page_id = record.get("id") if isinstance(record, dict) else None
        if not isinstance(page_id, str) or not page_id or page_id in seen or ID_FORBIDDEN in page_id:
            why = ("no id (a non-empty string)" if not isinstance(page_id, str) or not page_id
                   else "a duplicate id" if page_id in seen else f"an id with {ID_FORBIDDEN!r} in it")
            yield f"{PAGES_FILE}:{number}", partial(_refused, number, why)
            continue
        seen.add(page_id)
        yield page_id, partial(_page_at, info, folder, offset)


def _lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """``(line number, byte offset, bytes)`` of every non-blank line (a leading UTF-8 byte-order mark dropped)."""
    offset = 0
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            start, offset = offset, offset + len(raw)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            if raw.strip():
                yield number, start, raw


def _page_at(info: DatasetInfo, folder: Path, offset: int) -> Page:
    with (folder / PAGES_FILE).open("rb") as lines:
        lines.seek(offset)
        raw = lines.readline()
    return _page(info, folder, json.loads(raw.removeprefix(codecs.BOM_UTF8)))


def _refused(number: int, why: str) -> Page:
    raise ValueError(f"{PAGES_FILE} line {number}: {why}")


def _text_field(folder: Path, record: dict[str, Any], key: str) -> bytes | str | None:
    """The record's ``key`` (a string), or the bytes of the file ``key_file`` names (relative to the folder)."""
    value, file_name = record.get(key), record.get(f"{key}_file")
    if value is not None and file_name is not None:
        raise ValueError(f"both {key} and {key}_file")
    if value is not None:
        if not isinstance(value, str):
            raise TypeError(f"{key} is a string")
        return value
    if file_name is None:
        return None
    if not isinstance(file_name, str):
        raise TypeError(f"{key}_file is a path")
    path = (folder / file_name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ValueError(f"{key}_file {file_name!r} is outside the dataset's folder")
    return path.read_bytes()


def _snippets(record: dict[str, Any], key: str) -> tuple[str, ...]:
    values = record.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{key} is a list of strings")
    return tuple(clean_text(v) for v in values if v.strip())


def _page(info: DatasetInfo, folder: Path, record: dict[str, Any]) -> Page:
    unknown = sorted(set(record) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    page_id = record["id"]
    html = _text_field(folder, record, "html")
    if html is None:
        raise ValueError("no html (or html_file)")
    gold_text = _text_field(folder, record, "gold")
    with_snippets, without_snippets = _snippets(record, "with_snippets"), _snippets(record, "without_snippets")
    if gold_text is not None:
        text = decode_gold(gold_text) if isinstance(gold_text, bytes) else clean_text(gold_text)
        gold = Gold(GoldKind.TEXT, text=text)
    elif with_snippets or without_snippets:
        gold = Gold(GoldKind.SNIPPETS, with_snippets=with_snippets, without_snippets=without_snippets)
    else:
        raise ValueError("no gold (gold, gold_file, or with_snippets / without_snippets)")
    split = record.get("split")
    if split is not None and split not in SPLITS:
        raise ValueError(f"split {split!r} is none of {', '.join(SPLITS)}")
    url = record.get("url")
    if url is not None and not isinstance(url, str):
        raise TypeError("url is a string")
    data = html.encode("utf-8") if isinstance(html, str) else html
    url, domain = locate(info.name, page_id, data, url)
    encoding = record.get("encoding")
    page_type = record.get("page_type")
    return Page(
        info.name, page_id, domain, data, gold, url=url,
        language=language_code(record.get("language")) or info.language,
        encoding_hint=encoding if isinstance(encoding, str) and isinstance(html, bytes) else None,
        extra={PAGE_TYPE: page_type} if isinstance(page_type, str) else {},
        split=split,
    )
