"""The bundle: saved as LightGBM text + JSON (no pickle), verified on load, refused when it does not match."""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chromecut.features import line_frame
from chromecut.model.bundle import CONTEXT_MODEL_FILE, MODEL_FILE, SCHEMA_FILE, Bundle, BundleError
from chromecut.model.calibration import Calibration
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html
from chromecut.settings import ModelSettings

from synthetic import synthetic_page


def test_bundle_round_trips_and_predicts_the_same(tiny_bundle: Bundle, saved_bundle: Path) -> None:
    loaded = Bundle.load(saved_bundle)
    frame = line_frame([(0, segment_html(synthetic_page(99)))])
    np.testing.assert_allclose(loaded.predict_proba(frame), tiny_bundle.predict_proba(frame), rtol=1e-6)
    assert loaded.threshold == pytest.approx(tiny_bundle.threshold)
    assert loaded.mode == "html" and loaded.classifier.context_booster_ is not None


def test_bundle_files_are_text_and_json_never_pickles(saved_bundle: Path) -> None:
    names = sorted(p.name for p in saved_bundle.iterdir())
    assert names == sorted(["card.json", CONTEXT_MODEL_FILE, "line_frequency.json", MODEL_FILE, SCHEMA_FILE])
    schema = json.loads((saved_bundle / SCHEMA_FILE).read_text())
    assert schema["mode"] == "html" and schema["feature_names"] and schema["featurizer_version"]
    assert (saved_bundle / MODEL_FILE).read_text().startswith("tree")


def test_a_calibration_is_saved_with_the_bundle_and_a_broken_one_is_refused(tiny_bundle: Bundle, saved_bundle: Path,
                                                                          tmp_path: Path) -> None:
    assert "calibration" not in json.loads((saved_bundle / SCHEMA_FILE).read_text())  # the identity: not written
    assert Bundle.load(saved_bundle).calibration.identity
    folder = replace(tiny_bundle, calibration=Calibration(0.5, -1.0)).save(tmp_path / "calibrated")
    loaded = Bundle.load(folder)
    assert loaded.calibration == Calibration(0.5, -1.0) and loaded.threshold == tiny_bundle.threshold
    assert loaded.p_content_threshold == pytest.approx(Calibration(0.5, -1.0).value(tiny_bundle.threshold))
    schema = json.loads((folder / SCHEMA_FILE).read_text())
    schema["calibration"]["slope"] = -0.5
    (folder / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match="calibration"):
        Bundle.load(folder)


def test_the_smoothing_is_saved_with_the_bundle_and_a_negative_one_is_refused(tiny_bundle: Bundle,
                                                                             saved_bundle: Path,
                                                                             tmp_path: Path) -> None:
    assert "smoothing" not in json.loads((saved_bundle / SCHEMA_FILE).read_text())  # off: not written
    assert Bundle.load(saved_bundle).smoothing == 0.0
    folder = replace(tiny_bundle, smoothing=1.5).save(tmp_path / "smoothed")
    assert Bundle.load(folder).smoothing == 1.5
    schema = json.loads((folder / SCHEMA_FILE).read_text())
    schema["smoothing"] = -1.0
    (folder / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match="smoothing"):
        Bundle.load(folder)


def test_the_fallback_is_saved_with_the_bundle_and_a_bad_one_is_refused(tiny_bundle: Bundle, saved_bundle: Path,
                                                                        tmp_path: Path) -> None:
    assert tiny_bundle.fallback_chars == ModelSettings().fallback_chars > 0  # fit_bundle: the settings' fallback
    assert Bundle.load(saved_bundle).fallback_chars == tiny_bundle.fallback_chars
    off = replace(tiny_bundle, fallback_chars=0).save(tmp_path / "off")
    assert "fallback_chars" not in json.loads((off / SCHEMA_FILE).read_text())  # off: not written
    assert Bundle.load(off).fallback_chars == 0  # and a bundle that names none has none
    folder = replace(tiny_bundle, fallback_chars=120).save(tmp_path / "fallback")
    assert Bundle.load(folder).fallback_chars == 120
    schema = json.loads((folder / SCHEMA_FILE).read_text())
    for bad in (-1, 2.5, "300", True):
        schema["fallback_chars"] = bad
        (folder / SCHEMA_FILE).write_text(json.dumps(schema))
        with pytest.raises(BundleError, match="fallback_chars"):
            Bundle.load(folder)


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
    tiny_bundle.classifier.threshold_ = 0.25
    tiny_bundle.save(saved_bundle)
    assert Bundle.load(saved_bundle).threshold == pytest.approx(0.25)
    assert not list(saved_bundle.parent.glob(".bundle*"))


@pytest.mark.parametrize("name", [MODEL_FILE, CONTEXT_MODEL_FILE, "line_frequency.json"])
def test_every_file_the_models_are_read_from_is_checked(saved_bundle: Path, name: str) -> None:
    target = saved_bundle / name
    target.write_bytes(target.read_bytes() + b" ")
    with pytest.raises(BundleError, match=f"{name} does not match its checksum"):
        Bundle.load(saved_bundle)


@pytest.mark.parametrize("name", [MODEL_FILE, CONTEXT_MODEL_FILE])
def test_a_schema_stripped_of_a_checksum_is_refused(saved_bundle: Path, name: str) -> None:
    schema = json.loads((saved_bundle / SCHEMA_FILE).read_text())
    del schema["sha256"][name]
    (saved_bundle / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match=f"no checksum for \\['{name}'\\]"):
        Bundle.load(saved_bundle)


def test_checksums_of_files_outside_the_bundle_are_refused(saved_bundle: Path) -> None:
    schema = json.loads((saved_bundle / SCHEMA_FILE).read_text())
    schema["sha256"]["../../etc/passwd"] = "0" * 64
    (saved_bundle / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match="unknown files"):
        Bundle.load(saved_bundle)


@pytest.mark.parametrize("schema_text", ["{not json", "[1, 2]", json.dumps({"bundle_format": 1})])
def test_a_malformed_schema_is_a_bundle_error(saved_bundle: Path, schema_text: str) -> None:
    (saved_bundle / SCHEMA_FILE).write_text(schema_text)
    with pytest.raises(BundleError, match=str(saved_bundle)):
        Bundle.load(saved_bundle)


def test_a_model_file_swapped_in_with_a_matching_checksum_is_refused(saved_bundle: Path, tmp_path: Path) -> None:
    # A mismatched bundle: the context model copied over the first pass, checksum recomputed to match.
    (saved_bundle / MODEL_FILE).write_bytes((saved_bundle / CONTEXT_MODEL_FILE).read_bytes())
    schema = json.loads((saved_bundle / SCHEMA_FILE).read_text())
    schema["sha256"][MODEL_FILE] = hashlib.sha256((saved_bundle / MODEL_FILE).read_bytes()).hexdigest()
    (saved_bundle / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match="features"):
        Bundle.load(saved_bundle)
    (saved_bundle / MODEL_FILE).write_bytes(b"\x80\x04\x95 a pickle, not a LightGBM model")
    schema["sha256"][MODEL_FILE] = hashlib.sha256((saved_bundle / MODEL_FILE).read_bytes()).hexdigest()
    (saved_bundle / SCHEMA_FILE).write_text(json.dumps(schema))
    with pytest.raises(BundleError, match="not a LightGBM text model"):
        Bundle.load(saved_bundle)


def test_loading_never_unpickles(saved_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a bundle was unpickled")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    (saved_bundle / "model.pkl").write_bytes(pickle.dumps({"planted": True}, protocol=2))  # ignored
    cleaner = Cleaner.load(saved_bundle)
    assert cleaner.label("<p>The council approved the budget after a long debate.</p>")
