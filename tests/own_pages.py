"""Folders of your own labelled pages (chromecut.datasets.own) for the tests: synthetic pages of many sites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chromecut.datasets.own import MANIFEST_FILE, PAGES_FILE

from synthetic import PROSE, synthetic_page

#: Sites of the folder's pages: enough that the site split gives every split some.
SITES = 40


def write_folder(folder: Path, records: list[Any], manifest: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    (folder / PAGES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if manifest is not None:
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def good_records(folder: Path, n: int = SITES) -> list[dict[str, Any]]:
    """``n`` synthetic pages of ``n`` sites, every other one's HTML in a file, the gold its prose."""
    (folder / "html").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(n):
        record: dict[str, Any] = {"id": f"page-{i:03d}", "url": f"https://www.site{i}.com/story/{i}",
                                  "gold": "\n".join(f"{s} Story {i}." for s in PROSE)}
        if i % 2:
            (folder / "html" / f"{i}.html").write_text(synthetic_page(i), encoding="utf-8")
            record["html_file"] = f"html/{i}.html"
        else:
            record["html"] = synthetic_page(i)
        records.append(record)
    return records
