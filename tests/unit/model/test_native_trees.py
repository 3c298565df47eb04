"""The native predictor: LightGBM's model text evaluated by the Rust core gives LightGBM's raw scores and
probabilities, on the shipped bundles' real feature rows and on small models with every kind of split."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from chromecut import _core
from chromecut.cli import EXIT_OK, main
from chromecut.features import line_frame
from chromecut.model.bundle import Bundle
from chromecut.model.native import NativeForest, NativeUnavailable
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html, segment_text

from synthetic import synthetic_page

#: Native and LightGBM scores agree to this (they are equal bit for bit today: same comparisons, same sum order).
AGREEMENT = 1e-9
#: Share of cells made NaN, then zero, in the perturbed copies of the feature rows.
PERTURBED_SHARE = 0.15
#: Values within LightGBM's zero band (kZeroThreshold = 1e-35), which it reads as zero.
NEAR_ZERO = (1e-36, -1e-36, 0.0, -0.0)
PAGES = range(40, 52)
ROWS = 600


def _pages_frame(mode: str) -> pd.DataFrame:
    """Line frame of a dozen synthetic pages, as the bundle of ``mode`` reads them."""
    pages = [synthetic_page(seed) for seed in PAGES]
    if mode == "html":
        return line_frame(enumerate(segment_html(page) for page in pages))
    texts = ["\n".join(segment_html(page).texts) for page in pages]
    return line_frame(enumerate(segment_text(text) for text in texts))


def _perturbed(rows: npt.NDArray[np.float32], seed: int = 0) -> npt.NDArray[np.float32]:
    """The rows, then copies with NaN cells, zero cells, near-zero cells and negative cells mixed in."""
    rng = np.random.default_rng(seed)
    copies = [rows]
    for fill in (np.nan, 0.0):
        copy = rows.copy()
        copy[rng.random(copy.shape) < PERTURBED_SHARE] = fill
        copies.append(copy)
    mixed = rows.copy()
    chosen = rng.random(mixed.shape) < PERTURBED_SHARE
    mixed[chosen] = rng.choice([np.nan, *NEAR_ZERO, -1.0, -0.5, 1e6], size=int(chosen.sum()))
    copies.append(mixed)
    copies.append(np.full((1, rows.shape[1]), np.nan, dtype=np.float32))
    copies.append(np.zeros((1, rows.shape[1]), dtype=np.float32))
    return np.vstack(copies).astype(np.float32)


def _assert_same_scores(booster: lgb.Booster, rows: npt.NDArray[np.floating]) -> None:
    forest = NativeForest(booster)
    expected_raw = booster.predict(rows, raw_score=True, num_threads=1)
    np.testing.assert_allclose(forest.predict_raw(rows), expected_raw, rtol=0, atol=AGREEMENT)
    np.testing.assert_allclose(forest.predict(rows), booster.predict(rows, num_threads=1), rtol=0, atol=AGREEMENT)


@pytest.mark.parametrize("mode", ["html", "text"])
def test_the_shipped_boosters_score_real_rows_as_lightgbm(mode: str) -> None:
    bundle = Cleaner.load(mode).bundle
    frame = _pages_frame(mode)
    features = bundle.featurizer.transform(frame)
    final = bundle.classifier.final_features(features, frame)
    boosters = [bundle.classifier.booster_, bundle.classifier.context_booster_]
    assert boosters[1] is not None, "the shipped bundles have a context pass"
    for booster, table in zip(boosters, (features, final), strict=True):
        rows = _perturbed(table.to_numpy(dtype=np.float32))
        assert len(rows) > 4 * len(table) and np.isnan(rows).any() and (rows == 0).any()
        _assert_same_scores(booster, rows)
        _assert_same_scores(booster, rows.astype(np.float64))  # float64 features too


def _training_data(seed: int = 0) -> tuple[pd.DataFrame, npt.NDArray[np.int_]]:
    rng = np.random.default_rng(seed)
    category = rng.integers(0, 40, ROWS)
    x = pd.DataFrame({
        "category": category,
        "a": rng.standard_normal(ROWS),
        "b": np.where(rng.random(ROWS) < 0.3, 0.0, rng.standard_normal(ROWS)),  # many zeros
        "c": rng.random(ROWS),
    })
    y = ((category % 3 == 0) ^ (x["a"] > 0.3) ^ (x["b"] < 0)).to_numpy().astype(int)
    x.loc[rng.random(ROWS) < 0.1, "a"] = np.nan
    x.loc[rng.random(ROWS) < 0.1, "category"] = np.nan
    return x, y


@pytest.mark.parametrize("params", [
    {},  # missing type NaN
    {"zero_as_missing": True},  # missing type Zero
    {"use_missing": False},  # missing type None
    {"objective": "binary", "sigmoid": 0.7},
])
def test_a_small_model_with_categorical_splits_and_missing_values_scores_as_lightgbm(params: dict[str, object]
                                                                                     ) -> None:
    x, y = _training_data()
    settings = {"objective": "binary", "verbose": -1, "num_leaves": 15, "min_data_in_leaf": 5, "num_threads": 1,
                "min_data_per_group": 5, "cat_smooth": 1, **params}
    booster = lgb.train(settings, lgb.Dataset(x, y, categorical_feature=["category"]), num_boost_round=30)
    text = booster.model_to_string()
    assert any(f"num_cat={n}" in text for n in range(1, 9)), "categorical splits expected"
    rows = _perturbed(x.to_numpy(dtype=np.float32), seed=1)
    rows[::11, 0] = -3.0  # a negative category: right
    rows[::13, 0] = 1e9  # beyond every bitset: right
    rows[::17, 0] = 2.7  # read as category 2
    _assert_same_scores(booster, rows)


def test_a_constant_model_and_an_averaged_forest_score_as_lightgbm() -> None:
    x, y = _training_data()
    numeric = x.drop(columns="category").to_numpy()
    rows = _perturbed(numeric.astype(np.float32))
    forest = lgb.train({"boosting": "rf", "bagging_freq": 1, "bagging_fraction": 0.5, "verbose": -1,
                        "objective": "binary", "num_threads": 1}, lgb.Dataset(numeric, y), num_boost_round=8)
    assert "average_output" in forest.model_to_string()
    _assert_same_scores(forest, rows)
    constant = lgb.train({"objective": "binary", "verbose": -1, "min_data_in_leaf": 10_000},
                         lgb.Dataset(numeric, y), num_boost_round=2)
    _assert_same_scores(constant, rows)


def test_a_non_contiguous_matrix_is_read_in_row_order() -> None:
    x, y = _training_data()
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1},
                        lgb.Dataset(x, y, categorical_feature=["category"]), num_boost_round=5)
    rows = x.to_numpy(dtype=np.float64)
    forest = NativeForest(booster)
    expected = forest.predict_raw(np.ascontiguousarray(rows))
    np.testing.assert_array_equal(forest.predict_raw(np.asfortranarray(rows)), expected)
    wide = np.ascontiguousarray(np.repeat(rows, 2, axis=1))
    np.testing.assert_array_equal(forest.predict_raw(wide[:, ::2]), expected)


def _small_booster(**params: object) -> lgb.Booster:
    rng = np.random.default_rng(0)
    x = rng.random((200, 3))
    y = (x[:, 0] > 0.5).astype(int)
    settings = {"objective": "binary", "verbose": -1, "num_threads": 1, **params}
    return lgb.train(settings, lgb.Dataset(x, y), num_boost_round=3)


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("hello\nworld\n", "not a LightGBM model"),
    ("tree\nversion=v4\nnum_class=1\nmax_feature_idx=2\n", "truncated"),
])
def test_text_that_is_no_model_is_a_clear_value_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NativeForest(text)


def test_unsupported_or_damaged_models_are_clear_value_errors() -> None:
    with pytest.raises(ValueError, match="linear trees"):
        NativeForest(_small_booster(linear_tree=True))
    multiclass = lgb.train({"objective": "multiclass", "num_class": 3, "verbose": -1},
                           lgb.Dataset(np.random.default_rng(0).random((90, 2)), np.arange(90) % 3),
                           num_boost_round=2)
    with pytest.raises(ValueError, match="single-output"):
        NativeForest(multiclass)
    text = _small_booster().model_to_string()
    with pytest.raises(ValueError, match="truncated"):
        NativeForest(text[: text.index("end of trees")])
    with pytest.raises(ValueError, match=r"line \d+: leaf_value"):
        NativeForest(text.replace("leaf_value=", "leaf_value=x", 1))
    with pytest.raises(ValueError, match="probabilities need a binary objective"):
        NativeForest(_small_booster(objective="regression")).predict(np.zeros((1, 3)))


def test_a_matrix_of_the_wrong_shape_or_type_is_refused() -> None:
    forest = NativeForest(_small_booster())
    with pytest.raises(ValueError, match="2 features given, the forest has 3"):
        forest.predict(np.zeros((4, 2), dtype=np.float32))
    with pytest.raises(TypeError, match="float32 or float64"):
        forest.predict(np.zeros((4, 3), dtype=np.int64))
    assert forest.predict(np.zeros((0, 3), dtype=np.float32)).shape == (0,)


def test_an_extension_without_the_trees_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_core, "Forest")
    with pytest.raises(NativeUnavailable, match="rebuild"):
        NativeForest(_small_booster())


@pytest.mark.parametrize("mode", ["html", "text"])
def test_a_native_bundle_labels_every_line_as_the_lightgbm_one(
    mode: str, tiny_bundle: Bundle, tiny_text_bundle: Bundle, tmp_path: Path
) -> None:
    folder = (tiny_bundle if mode == "html" else tiny_text_bundle).save(tmp_path / "bundle")
    plain, native = Cleaner.load(folder), Cleaner.load(folder, predictor="native")
    assert (plain.bundle.predictor, native.bundle.predictor) == ("lightgbm", "native")
    frame = _pages_frame(mode)
    np.testing.assert_allclose(native.bundle.predict_proba(frame), plain.bundle.predict_proba(frame),
                               rtol=0, atol=AGREEMENT)
    pages = [synthetic_page(seed) for seed in PAGES]
    source = pages if mode == "html" else ["\n".join(segment_html(page).texts) for page in pages]
    assert list(native.clean_many(source)) == list(plain.clean_many(source))
    assert native.bundle.use_predictor("lightgbm").predictor == "lightgbm"


def test_the_cli_cleans_with_the_native_predictor_as_with_lightgbm(
    saved_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(synthetic_page(7), encoding="utf-8")
    outputs = []
    for predictor in ("lightgbm", "native"):
        assert main(["clean", "--model", str(saved_bundle), "--predictor", predictor, str(page)]) == EXIT_OK
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and outputs[0].strip()
