"""The bundle: saved as LightGBM text + JSON (no pickle), verified on load, refused when it does not match."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chromecut.features import line_frame
from chromecut.model import CONTEXT_MODEL_FILE, MODEL_FILE, SCHEMA_FILE, Bundle, BundleError
from chromecut.segment import segment_html

from synthetic import synthetic_page


def test_bundle_round_trips_and_predicts_the_same(tiny_bundle: Bundle, saved_bundle: Path) -> None:
    loaded = Bundle.load(saved_bundle)
    frame = line_frame([(0, segment_html(synthetic_page(99)))])
    np.testing.assert_allclose(loaded.predict_proba(frame), tiny_bundle.predict_proba(frame), rtol=1e-6)
    assert loaded.threshold == pytest.approx(tiny_bundle.threshold)
    assert loaded.mode == "html" and loaded.context_booster is not None


def test_bundle_files_are_text_and_json_never_pickles(saved_bundle: Path) -> None:
    names = sorted(p.name for p in saved_bundle.iterdir())
    assert names == sorted(["card.json", CONTEXT_MODEL_FILE, "line_frequency.json", MODEL_FILE, SCHEMA_FILE])
    schema = json.loads((saved_bundle / SCHEMA_FILE).read_text())
    assert schema["mode"] == "html" and schema["feature_names"] and schema["featurizer_version"]
    assert (saved_bundle / MODEL_FILE).read_text().startswith("tree")


def test_the_learned_model_separates_the_synthetic_classes(tiny_bundle: Bundle) -> None:
    frame = line_frame([(0, segment_html(synthetic_page(7)))])
    p = tiny_bundle.predict_proba(frame)
    content = frame["text"].str.startswith(("The ", "Officials", "Critics", "Story")).to_numpy()
    assert p[content].min() > p[~content].max()


def test_a_tampered_model_file_is_refused(saved_bundle: Path) -> None:
    model = saved_bundle / MODEL_FILE
    model.write_text(model.read_text().replace("tree", "tree ", 1))
    with pytest.raises(BundleError, match="checksum"):
        Bundle.load(saved_bundle)


def test_a_bundle_of_another_featurizer_version_is_refused(saved_bundle: Path) -> None:
    schema = json.loads((saved_bundle / SCHEMA_FILE).read_text())
    schema["featurizer_version"] = "0"
    (saved_bundle / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match="featurizer version"):
        Bundle.load(saved_bundle)


def test_a_schema_whose_features_do_not_match_the_featurizer_is_refused(saved_bundle: Path) -> None:
    schema = json.loads((saved_bundle / SCHEMA_FILE).read_text())
    schema["feature_names"] = schema["feature_names"][1:] + schema["feature_names"][:1]
    (saved_bundle / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match="does not match the installed featurizer"):
        Bundle.load(saved_bundle)


def test_a_folder_that_is_not_a_bundle_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=str(tmp_path)):
        Bundle.load(tmp_path)


def test_saving_over_a_bundle_replaces_it_whole(tiny_bundle: Bundle, saved_bundle: Path) -> None:
    tiny_bundle.threshold = 0.25
    tiny_bundle.save(saved_bundle)
    assert Bundle.load(saved_bundle).threshold == pytest.approx(0.25)
    assert not list(saved_bundle.parent.glob(".bundle*"))
