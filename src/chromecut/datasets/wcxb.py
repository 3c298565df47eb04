"""WCXB: gzipped HTML pages with JSON ground truth (main text and must / must-not snippets), outside any archive."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from chromecut.datasets.base import PAGE_TYPE, Entry, Gold, GoldKind, Page, clean_text, dataset_info, snippets_of
from chromecut.datasets.sites import domain_of, locate, site_of_host

INFO = dataset_info("wcxb", "CC-BY-4.0", GoldKind.TEXT, 1358)

_WCXB_SPLIT_DIR = "dev"


def load(folder: Path) -> Iterator[Entry]:
    """The pages of the ``dev`` split, each with its metadata entry (site, page type)."""
    files = json.loads((folder / "metadata.json").read_bytes()).get("files", {})
    html_dir = folder / _WCXB_SPLIT_DIR / "html"
    truth_dir = folder / _WCXB_SPLIT_DIR / "ground-truth"
    for path in html_dir.glob("*.html.gz"):
        page_id = path.name.removesuffix(".html.gz")
        meta = files.get(page_id, {})
        yield page_id, partial(_wcxb_page, page_id, path, truth_dir / f"{page_id}.json.gz", meta)


def _wcxb_page(page_id: str, html_path: Path, truth_path: Path, meta: Mapping[str, Any]) -> Page:
    record = json.loads(gzip.decompress(truth_path.read_bytes()))
    truth = record.get("ground_truth") or {}
    html = gzip.decompress(html_path.read_bytes())
    url = record.get("url") or None
    domain = domain_of(url) or site_of_host(str(meta.get("domain", "")))
    if domain is None:
        url, domain = locate(INFO.name, page_id, html)
    page_type = meta.get("page_type")
    gold = Gold(
        GoldKind.TEXT,
        text=clean_text(truth.get("main_content") or ""),
        with_snippets=snippets_of(truth.get("with")),
        without_snippets=snippets_of(truth.get("without")),
    )
    extra = {PAGE_TYPE: str(page_type)} if page_type else {}
    return Page(INFO.name, page_id, domain, html, gold, url=url, extra=extra)
