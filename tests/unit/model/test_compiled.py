"""The compiled predictor: the same probabilities and labels as LightGBM's, compiled once, cached safely."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from chromecut.cli import EXIT_OK, EXIT_USAGE, main
from chromecut.features import line_frame
from chromecut.model.bundle import Bundle
from chromecut.model.compiled import CACHE_ENV, CompiledForest, cache_key
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html, segment_text

from synthetic import synthetic_page

pytest.importorskip("lleaves", reason="the compiled predictor needs chromecut[compiled]")
#: Compiled and LightGBM probabilities agree to rounding (both compare float32 features with double thresholds).
AGREEMENT = 1e-12


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def _booster(rows: int = 400, features: int = 6, seed: int = 0) -> tuple[lgb.Booster, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((rows, features)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0.7).astype(int)
    x[rng.random(x.shape) < 0.1] = np.nan  # missing values take LightGBM's default branches
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7, "num_threads": 1},
                        lgb.Dataset(x, y), num_boost_round=15)
    return booster, x


def test_a_compiled_forest_predicts_lightgbm_s_probabilities_missing_values_included(cache: Path) -> None:
    booster, x = _booster()
    forest = CompiledForest(booster)
    np.testing.assert_allclose(forest.predict(x), booster.predict(x, num_threads=1), rtol=0, atol=AGREEMENT)
    assert forest.cache_file.parent == cache and forest.cache_file.is_file()


def test_a_cached_forest_is_loaded_not_recompiled(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    booster, x = _booster()
    first = CompiledForest(booster)
    import lleaves.compiler

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again although the cache holds the forest")

    monkeypatch.setattr(lleaves.compiler, "compile_to_module", no_compiling)
    second = CompiledForest(booster)
    assert second.cache_file == first.cache_file
    np.testing.assert_array_equal(second.predict(x), first.predict(x))
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_another_model_gets_another_cache_file(cache: Path) -> None:
    one, _ = _booster(seed=0)
    other, _ = _booster(seed=1)
    assert cache_key(one.model_to_string()) != cache_key(other.model_to_string())
    assert CompiledForest(one).cache_file != CompiledForest(other).cache_file


def test_a_feature_matrix_of_the_wrong_width_is_refused(cache: Path) -> None:
    booster, x = _booster()
    with pytest.raises(ValueError, match="features"):
        CompiledForest(booster).predict(x[:, :-1])


@pytest.mark.parametrize("mode", ["html", "text"])
def test_a_compiled_bundle_labels_every_line_as_the_lightgbm_one(
    mode: str, tiny_bundle: Bundle, tiny_text_bundle: Bundle, tmp_path: Path, cache: Path
) -> None:
    folder = (tiny_bundle if mode == "html" else tiny_text_bundle).save(tmp_path / "bundle")
    plain, compiled = Cleaner.load(folder), Cleaner.load(folder, predictor="compiled")
    assert (plain.bundle.predictor, compiled.bundle.predictor) == ("lightgbm", "compiled")
    pages = [synthetic_page(seed) for seed in range(90, 96)]
    segment = segment_html if mode == "html" else (lambda page: segment_text("\n".join(segment_html(page).texts)))
    frame = line_frame(enumerate(segment(page) for page in pages))
    np.testing.assert_allclose(compiled.bundle.predict_proba(frame), plain.bundle.predict_proba(frame),
                               rtol=0, atol=AGREEMENT)
    source = pages if mode == "html" else ["\n".join(segment_html(page).texts) for page in pages]
    assert list(compiled.clean_many(source)) == list(plain.clean_many(source))


def test_an_unknown_predictor_is_refused(saved_bundle: Path) -> None:
    with pytest.raises(ValueError, match="unknown predictor"):
        Bundle.load(saved_bundle, predictor="fastest")  # type: ignore[arg-type]


def test_the_cli_cleans_with_the_compiled_predictor_as_with_lightgbm(
    saved_bundle: Path, tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(synthetic_page(7), encoding="utf-8")
    outputs = []
    for predictor in ("lightgbm", "compiled"):
        assert main(["clean", "--model", str(saved_bundle), "--predictor", predictor, str(page)]) == EXIT_OK
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and outputs[0].strip()
    assert any(cache.iterdir())


def test_the_cli_refuses_an_unknown_predictor(saved_bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["clean", "--model", str(saved_bundle), "--predictor", "fastest", str(tmp_path / "page.html")])
    assert exit_.value.code == EXIT_USAGE
