"""The prepared table: deterministic site splits, per-page processing that never raises, the report."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from chromecut.datasets import Gold, GoldKind, Page
from chromecut.datasets.prepare import (
    LINES_FILE,
    PAGES_FILE,
    PrepareSettings,
    _line_columns,
    prepare,
    process_page,
    report,
    split_of,
)
from chromecut.datasets.renderings import RENDERING_PAGES_FILE, RENDERINGS_FILE
from chromecut.labels import Label

BODY = "The council approved the new budget after a long debate that lasted well into the night."
HTML = f"<nav><a href='/'>Home</a></nav><h1>Budget approved</h1><p>{BODY}</p><footer>Contact us</footer>".encode()


def _page(gold: Gold, html: bytes = HTML, page_id: str = "p1", domain: str = "example.org") -> Page:
    return Page(dataset="dragnet", page_id=page_id, domain=domain, html=html, gold=gold)


def test_split_is_deterministic_per_site_and_depends_on_the_seed() -> None:
    domains = [f"site{i}.example" for i in range(2000)]
    first = [split_of(d) for d in domains]
    assert first == [split_of(d) for d in domains]
    shares = pd.Series(first).value_counts(normalize=True)
    assert 0.07 < shares["test"] < 0.13 and 0.07 < shares["val"] < 0.13
    assert first != [split_of(d, seed=1) for d in domains]


def test_process_page_labels_every_line_and_scores_the_oracle() -> None:
    result = process_page(_page(Gold(GoldKind.TEXT, text=f"Budget approved\n{BODY}")))
    assert result.page["error"] is None
    assert [line.text for line in result.lines] == ["Home", "Budget approved", BODY, "Contact us"]
    assert result.labels == [Label.CHROME, Label.CONTENT, Label.CONTENT, Label.CHROME]
    assert result.page["oracle_f1"] == pytest.approx(1.0)
    assert result.page["content_lines"] == 2 and result.page["chrome_lines"] == 2


def test_process_page_records_failures_instead_of_raising() -> None:
    empty_gold = process_page(_page(Gold(GoldKind.TEXT, text="  ")))
    assert empty_gold.page["error"] == "ValueError: empty gold text"
    assert not empty_gold.lines
    no_lines = process_page(_page(Gold(GoldKind.TEXT, text=BODY), html=b"<html><body></body></html>"))
    assert no_lines.page["error"] == "ValueError: no text lines in the page"


def test_snippet_pages_are_scored_by_snippets_and_leave_lines_unknown() -> None:
    gold = Gold(GoldKind.SNIPPETS, with_snippets=("approved the new budget",), without_snippets=("contact us",))
    result = process_page(_page(gold))
    assert result.labels == [Label.UNKNOWN, Label.UNKNOWN, Label.CONTENT, Label.CHROME]
    assert result.page["unknown_lines"] == 2
    assert math.isclose(result.page["oracle_f1"], 1.0)


def test_report_aggregates_pages_and_lists_failures(tmp_path: Path) -> None:
    good = process_page(_page(Gold(GoldKind.TEXT, text=BODY)))
    bad = process_page(_page(Gold(GoldKind.TEXT, text=""), page_id="p2"))
    settings = PrepareSettings(out_dir=tmp_path)
    pd.DataFrame(_line_columns([good, bad], settings)).to_parquet(tmp_path / LINES_FILE)
    pages = pd.DataFrame([good.page, bad.page])
    pages["split"] = "train"
    pages.to_parquet(tmp_path / PAGES_FILE)
    entry = report(tmp_path)["datasets"]["dragnet"]
    assert entry["pages"] == 2 and entry["pages_labelled"] == 1
    assert entry["lines"] == 4 and entry["content_lines"] == 1
    assert entry["failed"] == [{"page_id": "p2", "reason": "ValueError: empty gold text"}]
    assert entry["permissive"] is False


@pytest.mark.data
def test_prepare_splits_the_glued_dumps_of_training_pages_and_keeps_the_others(tmp_path: Path) -> None:
    settings = PrepareSettings(out_dir=tmp_path, datasets=("wcxb",), max_pages=40, n_jobs=2,
                               renderers=("bs4-glued", "html-text"), split_glued=True)
    summary = prepare(settings)
    pages = pd.read_parquet(tmp_path / RENDERING_PAGES_FILE)
    pages = pages[pages["error"].isna()]
    glued = pages["renderer"] == "bs4-glued"
    train = pages["split"] == "train"
    assert train.any() and (~train).any()
    assert (pages.loc[glued & train, "glue_splits"] > 0).mean() > 0.9
    assert (pages.loc[~(glued & train), "glue_splits"] == 0).all()
    assert summary["renderers"]["bs4-glued"]["glue_splits"] == pages.loc[glued, "glue_splits"].sum()
    assert summary["settings"]["split_glued"] == "True"
    lines = pd.read_parquet(tmp_path / RENDERINGS_FILE)
    per_dump = lines.groupby(["page_id", "renderer"], observed=True).size()
    assert (per_dump.reindex(list(zip(pages["page_id"], pages["renderer"], strict=True))).to_numpy()
            == pages["lines"].to_numpy()).all()
