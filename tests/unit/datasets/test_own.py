"""Your own labelled pages as a dataset: the folder's records read, bad ones skipped with their reason, the
dataset registered beside the public ones, prepared (with the splits records give) and trained on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from chromecut.cli import main
from chromecut.datasets import DATASETS, GoldKind, iter_pages, register_own
from chromecut.datasets.own import LICENSE_UNSTATED, OwnDatasetError, read_info
from chromecut.datasets.prepare import PAGES_FILE as PREPARED_PAGES
from chromecut.datasets.prepare import PrepareSettings, prepare, report

from own_pages import SITES, good_records, write_folder
from synthetic import PROSE, synthetic_page

pytestmark = pytest.mark.usefixtures("own_registry")

def test_a_folder_is_read_as_a_dataset_of_its_records(tmp_path: Path) -> None:
    folder = tmp_path / "my-news"
    records = good_records(folder, 4)
    records[0].update(language="de-AT", page_type="article", split="test")
    write_folder(folder, records)
    info = register_own(folder)
    assert (info.name, info.license, info.permissive, info.gold_kind, info.pages) == (
        "my-news", LICENSE_UNSTATED, True, GoldKind.TEXT, 4)
    assert DATASETS["my-news"] is info
    errors: list[tuple[str, str]] = []
    pages = list(iter_pages("my-news", errors=errors))
    assert errors == [] and [p.page_id for p in pages] == ["page-000", "page-001", "page-002", "page-003"]
    first, second = pages[0], pages[1]
    assert (first.domain, first.url, first.language, first.split) == (
        "site0.com", "https://www.site0.com/story/0", "de", "test")
    assert first.extra == {"page_type": "article"} and second.split is None
    assert second.html == synthetic_page(1).encode() and PROSE[0] in (second.gold.text or "")


def test_bad_records_are_skipped_with_their_reasons_and_the_rest_read(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    good = good_records(folder, 2)
    bad: list[Any] = [
        "{not json",
        {"html": "<p>x</p>", "gold": "x"},  # no id
        {"id": "page-000", "html": "<p>x</p>", "gold": "x"},  # a duplicate
        {"id": "no-gold", "html": "<p>x</p>"},
        {"id": "no-html", "gold": "x"},
        {"id": "typo", "html": "<p>x</p>", "gold": "x", "ulr": "https://a.example/"},
        {"id": "missing-file", "html_file": "html/none.html", "gold": "x"},
        {"id": "escape", "html_file": "../outside.html", "gold": "x"},
        {"id": "bad-split", "html": "<p>x</p>", "gold": "x", "split": "dev"},
        {"id": "both", "html": "<p>x</p>", "html_file": "html/1.html", "gold": "x"},
        {"id": "a#b", "html": "<p>x</p>", "gold": "x"},
    ]
    (tmp_path / "outside.html").write_text("<p>secret</p>")
    write_folder(folder, good + bad)
    register_own(folder)
    errors: list[tuple[str, str]] = []
    assert [p.page_id for p in iter_pages("mixed", errors=errors)] == ["page-000", "page-001"]
    reasons = dict(errors)
    assert "not JSON" in reasons["pages.jsonl:3"] and "no id" in reasons["pages.jsonl:4"]
    assert "duplicate id" in reasons["pages.jsonl:5"]
    assert "no gold" in reasons["no-gold"] and "no html" in reasons["no-html"]
    assert "unknown field(s) ulr" in reasons["typo"] and "outside" in reasons["escape"]
    assert "FileNotFoundError" in reasons["missing-file"] and "dev" in reasons["bad-split"]
    assert "both html and html_file" in reasons["both"] and "an id with '#'" in reasons["pages.jsonl:13"]


def test_a_byte_order_mark_and_blank_lines_are_read_past(tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    records = good_records(folder, 3)
    write_folder(folder, [records[0], "", records[1], "   ", records[2]])
    (folder / "pages.jsonl").write_bytes(b"\xef\xbb\xbf" + (folder / "pages.jsonl").read_bytes())
    assert read_info(folder).pages == 3
    register_own(folder)
    errors: list[tuple[str, str]] = []
    assert [p.page_id for p in iter_pages("bom", errors=errors)] == ["page-000", "page-001", "page-002"]
    assert errors == []


def test_snippet_gold_and_the_manifest(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "folder", [
        {"id": "a", "html": synthetic_page(1), "with_snippets": [PROSE[0]], "without_snippets": ["Home"]},
    ], manifest={"name": "shop-pages", "license": "CC-BY-4.0", "language": "en", "gold": "snippets"})
    info = read_info(folder)
    assert (info.name, info.license, info.gold_kind, info.language) == ("shop-pages", "CC-BY-4.0",
                                                                        GoldKind.SNIPPETS, "en")
    register_own(folder)
    (page,) = iter_pages("shop-pages")
    assert page.gold.with_snippets == (PROSE[0],) and page.gold.without_snippets == ("Home",)
    assert page.language == "en"


@pytest.mark.parametrize(("manifest", "message"), [
    ({"name": "wcxb"}, "name of a public dataset"),
    ({"name": "a/b"}, "must be letters"),
    ({"name": 3}, "an object of strings"),
    ({"gold": "blocks"}, "gold is text or snippets"),
])
def test_a_folder_that_is_no_dataset_is_refused_naming_it(tmp_path: Path, manifest: dict[str, Any],
                                                         message: str) -> None:
    folder = write_folder(tmp_path / "pages", [{"id": "a", "html": "<p>x</p>", "gold": "x"}], manifest)
    with pytest.raises(OwnDatasetError, match=message) as raised:
        register_own(folder)
    assert str(folder) in str(raised.value)
    with pytest.raises(OwnDatasetError, match=f"{tmp_path / 'empty'}: no pages.jsonl"):
        register_own(tmp_path / "empty")


def test_two_folders_cannot_take_one_name_and_one_folder_registers_again(tmp_path: Path) -> None:
    first = write_folder(tmp_path / "one" / "news", [{"id": "a", "html": "<p>x</p>", "gold": "x"}])
    assert register_own(first) == register_own(first)
    with pytest.raises(OwnDatasetError, match="already"):
        register_own(write_folder(tmp_path / "two" / "news", [{"id": "a", "html": "<p>x</p>", "gold": "x"}]))


def test_prepare_labels_the_folder_splits_by_site_or_as_given_and_reports_failures(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    records: list[Any] = good_records(folder)
    records[0]["split"] = "val"
    write_folder(folder, [*records, {"id": "broken", "html": "<p>x</p>"}])
    out = tmp_path / "processed"
    summary = prepare(PrepareSettings(out_dir=out, datasets=(), own=(folder,), renderers=(), n_jobs=1))
    pages = pd.read_parquet(out / PREPARED_PAGES).set_index("page_id")
    assert set(pages["dataset"]) == {"mine"} and pages.loc["page-000", "split"] == "val"
    assert {"train", "val", "test"} <= set(pages["split"].dropna())
    assert pages["error"].notna().sum() == 1 and "no gold" in pages.loc["broken", "error"]
    entry = summary["datasets"]["mine"]
    assert entry["pages_labelled"] == SITES and entry["pages_failed"] == 1 and entry["oracle_f1"] > 0.9
    del DATASETS["mine"]  # another process reports the table: the dataset as its rows give it
    assert report(out)["datasets"]["mine"] == entry | {"license": LICENSE_UNSTATED}


def test_the_cli_prepares_your_folder_and_names_a_bad_one(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mine"
    write_folder(folder, good_records(folder, 6))
    out = tmp_path / "processed"
    args = ["data", "prepare", "--own", str(folder), "--datasets", "mine", "--out", str(out), "--renderers", "none",
            "-j", "1"]
    assert main(args) == 0
    assert set(pd.read_parquet(out / PREPARED_PAGES)["dataset"]) == {"mine"}
    assert main([*args[:3], str(tmp_path / "nowhere"), *args[4:]]) == 2
    assert f"{tmp_path / 'nowhere'}: no pages.jsonl" in capsys.readouterr().err
    assert main(["data", "prepare", "--datasets", "mine-typo", "--out", str(out)]) == 2
    assert "unknown dataset(s) mine-typo" in capsys.readouterr().err
