"""Fixtures of the end-to-end tests: a small prepared table from real pages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chromecut.data import PrepareSettings, prepare

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("prepared")
    prepare(PrepareSettings(out_dir=out, datasets=("readability", "chinese-wce"), max_pages=25, n_jobs=1))
    return out
