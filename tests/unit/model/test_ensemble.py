"""The ensemble bundle: members saved as bundles, verified on load, the mean of their probabilities decided."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from chromecut.features import Featurizer, line_frame
from chromecut.model.bundle import SCHEMA_FILE, Bundle, BundleError
from chromecut.model.decision import kept_lines
from chromecut.model.ensemble import MEMBERS_KEY, Ensemble, is_ensemble, load_model
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html, segment_text
from chromecut.settings import ModelSettings
from chromecut.train.fit import fit_bundle

from synthetic import synthetic_frame, synthetic_page

THRESHOLD = 0.45


@pytest.fixture(scope="module")
def other_bundle() -> Bundle:
    """A text bundle of another featurizer (the vocabulary family) and fewer, shallower trees than
    ``tiny_text_bundle``: other probabilities of the same lines."""
    parts = {s: synthetic_frame(n, s)[["doc", "line", "text", "domain", "label", "split"]]
             for s, n in (("train", 12), ("val", 4), ("test", 4))}
    featurizer = Featurizer("text", vocab_features=True)
    features = {"train": featurizer.fit_transform(parts["train"])}
    features.update({s: featurizer.transform(parts[s]) for s in ("val", "test")})
    settings = ModelSettings(num_boost_round=3, num_leaves=3, min_data_in_leaf=8, num_threads=1,
                             early_stopping_rounds=5)
    return fit_bundle(featurizer, parts, features, settings, seed=2)[0]


@pytest.fixture()
def ensemble(tiny_text_bundle: Bundle, other_bundle: Bundle) -> Ensemble:
    return Ensemble([tiny_text_bundle, other_bundle], THRESHOLD, fallback_chars=0, card={"note": "test"})


@pytest.fixture()
def saved_ensemble(ensemble: Ensemble, tmp_path: Path) -> Path:
    return ensemble.save(tmp_path / "ensemble")


def dump(seed: int) -> str:
    return "\n".join(line.text for line in segment_html(synthetic_page(seed)).lines)


def test_an_ensemble_predicts_the_mean_of_its_members(ensemble: Ensemble, tiny_text_bundle: Bundle,
                                                     other_bundle: Bundle) -> None:
    frame = line_frame([(0, segment_text(dump(99)))], markup=False)
    expected = (tiny_text_bundle.predict_proba(frame) + other_bundle.predict_proba(frame)) / 2
    np.testing.assert_allclose(ensemble.predict_proba(frame), expected)
    assert not np.allclose(tiny_text_bundle.predict_proba(frame), other_bundle.predict_proba(frame))


def test_an_ensemble_round_trips(ensemble: Ensemble, saved_ensemble: Path) -> None:
    assert is_ensemble(saved_ensemble)
    loaded = load_model(saved_ensemble)
    assert isinstance(loaded, Ensemble)
    assert loaded.threshold == THRESHOLD and loaded.mode == "text" and loaded.card == {"note": "test"}
    frame = line_frame([(0, segment_text(dump(98)))], markup=False)
    np.testing.assert_allclose(loaded.predict_proba(frame), ensemble.predict_proba(frame), rtol=1e-6)
    schema = json.loads((saved_ensemble / SCHEMA_FILE).read_text())
    assert schema[MEMBERS_KEY] == ["member-1", "member-2"]
    assert all(isinstance(load_model(saved_ensemble / name), Bundle) for name in schema[MEMBERS_KEY])


def test_a_single_bundle_still_loads_as_a_bundle(tiny_text_bundle: Bundle, tmp_path: Path) -> None:
    folder = tiny_text_bundle.save(tmp_path / "one")
    assert not is_ensemble(folder) and isinstance(load_model(folder), Bundle)


def test_the_cleaner_decides_the_mean_at_the_ensembles_threshold(ensemble: Ensemble, saved_ensemble: Path) -> None:
    cleaner = Cleaner.load(saved_ensemble)
    assert cleaner.fused, "an ensemble cleans in one call of the Rust core"
    text = dump(97) + "\n\n"
    labels = cleaner.label(text)
    assert len(labels) == len(text.split("\n")), "every input line gets exactly one label"
    lines = [line for line in labels if line.text.strip()]
    frame = line_frame([(0, segment_text(text))], markup=False)
    p = ensemble.predict_proba(frame)
    np.testing.assert_allclose([line.p_content for line in lines], p, rtol=1e-6)
    kept = kept_lines(p, THRESHOLD, frame["doc"], frame["text"].str.len())
    assert [line.content for line in lines] == kept.tolist() and kept.any() and not kept.all()
    assert cleaner.clean(text) == "\n".join(line.text for line in lines if line.content)
    assert list(cleaner.clean_many([text, text], n_jobs=2)) == [cleaner.clean(text)] * 2
    assert list(cleaner.clean_many([text, text], n_jobs=2, backend="threads")) == [cleaner.clean(text)] * 2
    lines_path = Cleaner.load(saved_ensemble, fused=False)
    assert lines_path.label(text) == labels and lines_path.clean(text) == cleaner.clean(text)


def test_an_ensemble_cannot_explain_its_lines(saved_ensemble: Path) -> None:
    with pytest.raises(ValueError, match="ensemble"):
        Cleaner.load(saved_ensemble).label(dump(96), explain=3)


def test_members_must_be_two_or_more_and_of_one_mode(tiny_text_bundle: Bundle, tiny_bundle: Bundle) -> None:
    with pytest.raises(BundleError, match="2 members or more"):
        Ensemble([tiny_text_bundle], THRESHOLD)
    with pytest.raises(BundleError, match="one mode"):
        Ensemble([tiny_text_bundle, tiny_bundle], THRESHOLD)


def test_a_tampered_member_is_refused(saved_ensemble: Path) -> None:
    schema_path = saved_ensemble / "member-2" / SCHEMA_FILE
    schema = json.loads(schema_path.read_text())
    schema["threshold"] = 0.01
    schema_path.write_text(json.dumps(schema))
    with pytest.raises(BundleError, match=r"member-2/schema\.json does not match its checksum"):
        load_model(saved_ensemble)


@pytest.mark.parametrize("change", [
    {MEMBERS_KEY: ["member-1"]},
    {MEMBERS_KEY: ["member-1", "../member-2"]},
    {"threshold": 1.5},
    {"threshold": "high"},
    {"fallback_chars": -1},
    {"mode": "html"},
    {"bundle_format": 99},
])
def test_a_malformed_ensemble_schema_is_refused_naming_the_folder(saved_ensemble: Path,
                                                                 change: dict[str, object]) -> None:
    schema_path = saved_ensemble / SCHEMA_FILE
    schema = json.loads(schema_path.read_text())
    schema.update(change)
    schema_path.write_text(json.dumps(schema))
    with pytest.raises(BundleError, match=re.escape(str(saved_ensemble))):
        load_model(saved_ensemble)
