"""Training on a folder of your own labelled pages: prepared beside (or without) the public datasets, named in
``data.own_datasets``, trained on, its licence in the model card, and the bundle cleans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chromecut.cli import main
from chromecut.datasets.prepare import PrepareSettings, prepare
from chromecut.model.bundle import CARD_FILE
from chromecut.predict import Cleaner
from chromecut.settings import DataSettings, ModelSettings, TrackingSettings, TrainSettings
from chromecut.train.core import train

from own_pages import SITES, good_records, write_folder
from synthetic import PROSE, synthetic_page

pytestmark = pytest.mark.usefixtures("own_registry")


def test_a_run_trains_on_your_own_pages_named_in_its_settings(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    write_folder(folder, good_records(folder), manifest={"name": "newsroom", "license": "proprietary"})
    processed = tmp_path / "processed"
    prepare(PrepareSettings(out_dir=processed, datasets=(), own=(folder,), renderers=(), n_jobs=1))
    settings = TrainSettings(
        data=DataSettings(processed_dir=str(processed), own_datasets=("pages",), datasets=("newsroom",)),
        model=ModelSettings(num_boost_round=20, early_stopping_rounds=5, num_threads=1, min_data_in_leaf=5),
        tracking=TrackingSettings(enabled=False),
        output_dir=str(tmp_path / "bundle"),
    )
    metrics = train(settings, root=tmp_path)  # own_datasets is relative to the project root
    assert metrics["test_page_f1"] > 0.5
    card = json.loads((tmp_path / "bundle" / CARD_FILE).read_text())
    assert card["datasets"] == {"newsroom": {"license": "proprietary", "permissive": True}}
    cleaned = Cleaner.load(tmp_path / "bundle").clean(synthetic_page(999))
    assert PROSE[0] in cleaned


def test_a_run_names_an_unknown_dataset_and_where_yours_go(tmp_path: Path) -> None:
    settings = TrainSettings(data=DataSettings(datasets=("newsroom",)), tracking=TrackingSettings(enabled=False))
    with pytest.raises(ValueError, match=r"unknown dataset\(s\) newsroom.*data\.own_datasets"):
        train(settings, root=tmp_path)


def test_evaluate_holds_out_your_own_dataset_and_refuses_unknown_names(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folders = []
    for name in ("newsroom", "blog"):
        folder = tmp_path / name
        write_folder(folder, good_records(folder))
        folders.append(folder)
    processed = tmp_path / "processed"
    prepare(PrepareSettings(out_dir=processed, datasets=(), own=tuple(folders), renderers=(), n_jobs=1))
    own = f"data.own_datasets=[{','.join(str(f) for f in folders)}]"
    args = ["evaluate", "--mode", "html", "--no-peers", "--processed", str(processed), "--datasets", "newsroom"]
    assert main([*args, own, "model.num_boost_round=10", "model.num_threads=1"]) == 0
    folds = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"')]
    assert [list(fold) for fold in folds] == [["newsroom"]]  # one line a fold as it ends
    fold = folds[0]["newsroom"]
    assert fold["pages"] == SITES and fold["chromecut"]["page_f1"] > 0.5 and fold["fold_train_pages"] == SITES
    assert main([*args[:-1], "nowhere"]) == 2
    assert "unknown dataset(s) nowhere" in capsys.readouterr().err


def _given_splits(tmp_path: Path, splits: list[str]) -> Path:
    """A prepared table of your own pages, each given the split ``splits`` names in turn."""
    folder = tmp_path / "pages"
    records = good_records(folder)
    for i, record in enumerate(records):
        record["split"] = splits[i % len(splits)]
    write_folder(folder, records)
    processed = tmp_path / "processed"
    prepare(PrepareSettings(out_dir=processed, datasets=(), own=(folder,), renderers=(), n_jobs=1))
    return processed


def test_a_tracked_run_without_test_pages_ships_its_bundle(tmp_path: Path) -> None:
    processed = _given_splits(tmp_path, ["train", "train", "train", "val"])
    settings = TrainSettings(
        data=DataSettings(processed_dir=str(processed), own_datasets=("pages",), datasets=("pages",)),
        model=ModelSettings(num_boost_round=10, early_stopping_rounds=5, num_threads=1, min_data_in_leaf=5),
        tracking=TrackingSettings(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", experiment="own"),
        output_dir=str(tmp_path / "bundle"), report_dir=str(tmp_path / "reports"),
    )
    metrics = train(settings, root=tmp_path)
    assert "val_page_f1" in metrics and "test_page_f1" not in metrics
    assert PROSE[0] in Cleaner.load(tmp_path / "bundle").clean(synthetic_page(999))


def test_a_run_without_validation_pages_is_refused_before_it_fits(tmp_path: Path) -> None:
    processed = _given_splits(tmp_path, ["train", "test"])
    settings = TrainSettings(
        data=DataSettings(processed_dir=str(processed), own_datasets=("pages",), datasets=("pages",)),
        tracking=TrackingSettings(enabled=False), output_dir=str(tmp_path / "bundle"),
    )
    with pytest.raises(ValueError, match="no val pages in pages: pages are split by site"):
        train(settings, root=tmp_path)
    assert not (tmp_path / "bundle").exists()
