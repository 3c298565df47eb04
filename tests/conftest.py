"""Shared fixtures and markers.

- Tiny trained bundles built from hand-made pages (no dataset needed).
- ``data``: a test that reads the real datasets; skipped, in one place, when the dataset folder is absent.
- ``integration`` and ``slow``: every test under ``tests/integration/`` (servers, subprocesses, the DVC
  pipeline); ``pytest -m "not slow"`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chromecut.datasets import DATASETS, DATASETS_ENV_VAR, datasets_root, registry
from chromecut.datasets.prepare import PrepareSettings, prepare
from chromecut.features import Featurizer
from chromecut.model.bundle import Bundle
from chromecut.settings import ModelSettings
from chromecut.train.fit import fit_bundle

from synthetic import synthetic_frame


def _tiny_bundle(mode: str, summary: bool = False, page_words: bool = False, vocab: bool = False) -> Bundle:
    parts = {s: synthetic_frame(n, s, summary) for s, n in (("train", 12), ("val", 4), ("test", 4))}
    if mode == "text":
        parts = {s: p[["doc", "line", "text", "domain", "label", "split"]] for s, p in parts.items()}
    featurizer = Featurizer(mode, summary_features=summary, page_word_features=page_words,  # type: ignore[arg-type]
                            vocab_features=vocab)
    features = {"train": featurizer.fit_transform(parts["train"])}
    features.update({s: featurizer.transform(parts[s]) for s in ("val", "test")})
    settings = ModelSettings(num_boost_round=20, min_data_in_leaf=2, num_threads=1, early_stopping_rounds=5)
    bundle, _ = fit_bundle(featurizer, parts, features, settings, seed=1)
    return bundle


@pytest.fixture(scope="session")
def tiny_bundle() -> Bundle:
    return _tiny_bundle("html")


@pytest.fixture(scope="session")
def tiny_summary_bundle() -> Bundle:
    """An HTML bundle with the summary family, fitted on pages with an ``og:description``."""
    return _tiny_bundle("html", summary=True)


@pytest.fixture(scope="session")
def tiny_text_bundle() -> Bundle:
    return _tiny_bundle("text")


@pytest.fixture(scope="session")
def tiny_page_word_bundle() -> Bundle:
    """A text bundle with the page-word family."""
    return _tiny_bundle("text", page_words=True)


@pytest.fixture(scope="session")
def tiny_vocab_bundle() -> Bundle:
    """A text bundle with the learnt vocabulary family."""
    return _tiny_bundle("text", vocab=True)


@pytest.fixture()
def saved_bundle(tiny_bundle: Bundle, tmp_path: Path) -> Path:
    return tiny_bundle.save(tmp_path / "bundle")


INTEGRATION_DIR = Path(__file__).parent / "integration"
#: Renderer dumps of the small prepared table: enough for text-mode training from dumps, one of them held out.
PREPARED_RENDERERS = ("chromecut", "html-text", "inscriptis")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the integration tests slow, and skip the data tests when the datasets are not there."""
    have_data = datasets_root().is_dir()
    skip_data = pytest.mark.skip(reason=f"datasets not found at {datasets_root()} (set {DATASETS_ENV_VAR})")
    for item in items:
        if INTEGRATION_DIR in item.path.parents:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.slow)
        if not have_data and item.get_closest_marker("data") is not None:
            item.add_marker(skip_data)


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small prepared line table from real pages of two datasets."""
    out = tmp_path_factory.mktemp("prepared")
    prepare(PrepareSettings(out_dir=out, datasets=("readability", "chinese-wce"), max_pages=25, n_jobs=1,
                            renderers=PREPARED_RENDERERS))
    return out


@pytest.fixture()
def own_registry() -> Iterator[None]:
    """Datasets of your own registered by the test are forgotten after it: the registry as it was."""
    tables = (DATASETS, registry._LOADERS, registry._OWN_FOLDERS)
    saved = [dict(table) for table in tables]
    yield
    for table, before in zip(tables, saved, strict=True):
        table.clear()
        table.update(before)  # type: ignore[attr-defined]

