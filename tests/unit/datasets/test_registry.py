"""The registry and the reading contract of every dataset, on a tiny archive made here (no real dataset)."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import chromecut
import chromecut.datasets
from chromecut.datasets import (
    ARCHIVE_NAME,
    DATASETS,
    DATASETS_ENV_VAR,
    GoldKind,
    datasets_root,
    iter_pages,
    read_archive,
)

EXPECTED = '<html><body><div id="content"><p>The article text.</p></div></body></html>'


def _write_archive(path: Path, files: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:xz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _readability_root(tmp_path: Path) -> Path:
    folder = tmp_path / "readability"
    folder.mkdir()
    source = b'<html><head><link rel="canonical" href="https://www.example.com/a"></head><body>x</body></html>'
    _write_archive(folder / ARCHIVE_NAME, {
        "test/test-pages/b-case/source.html": source,
        "test/test-pages/b-case/expected.html": EXPECTED.encode(),
        "test/test-pages/b-case/expected-metadata.json": b'{"lang": "en-US"}',
        "test/test-pages/a-broken/source.html": source,
    })
    return tmp_path


def test_the_registry_lists_every_dataset_in_report_order_and_the_package_exports_its_api() -> None:
    assert list(DATASETS) == [
        "wcxb", "readability", "trafilatura", "dragnet", "cleaneval", "l3s-gn1", "cleanportaleval",
        "msv-big9-chaos", "htmltotext-benchmark", "chinese-wce",
    ]
    assert DATASETS["trafilatura"].gold_kind is GoldKind.SNIPPETS
    assert all(hasattr(chromecut.datasets, name) for name in chromecut.datasets.__all__)


def test_datasets_root_is_an_argument_then_the_variable_then_beside_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert datasets_root(tmp_path) == tmp_path
    monkeypatch.setenv(DATASETS_ENV_VAR, str(tmp_path / "env"))
    assert datasets_root() == tmp_path / "env"
    monkeypatch.delenv(DATASETS_ENV_VAR)
    project_root = Path(chromecut.__file__).resolve().parents[2]  # src/chromecut/__init__.py
    assert (project_root / "pyproject.toml").is_file()
    assert datasets_root() == project_root.parent / "shared" / "datasets"


def test_iter_pages_builds_pages_sorted_and_records_broken_ones(tmp_path: Path) -> None:
    errors: list[tuple[str, str]] = []
    pages = list(iter_pages("readability", _readability_root(tmp_path), errors))
    assert [page.page_id for page in pages] == ["b-case"]
    page = pages[0]
    assert (page.domain, page.url, page.language) == ("example.com", "https://www.example.com/a", "en")
    assert page.gold.kind is GoldKind.TEXT and page.gold.text == "The article text."
    assert errors == [("a-broken", "missing file test/test-pages/a-broken/expected.html")]


def test_read_archive_returns_regular_files_only(tmp_path: Path) -> None:
    root = _readability_root(tmp_path)
    files = read_archive(root / "readability" / ARCHIVE_NAME)
    assert len(files) == 4 and files["test/test-pages/b-case/expected.html"] == EXPECTED.encode()


def test_unknown_dataset_and_missing_folder_are_refused_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        iter_pages("nope", tmp_path)
    with pytest.raises(FileNotFoundError, match=DATASETS_ENV_VAR):
        iter_pages("wcxb", tmp_path)


def test_importing_the_package_loads_no_table_or_model_library() -> None:
    code = "import sys, chromecut.datasets; print(sorted({'pandas', 'lightgbm', 'sklearn'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
