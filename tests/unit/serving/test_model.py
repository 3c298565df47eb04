"""The MLflow pyfunc wrapper: the predictor of a served model comes from its model config or the environment;
a request's parameters choose the threshold and the reading of wrapped dumps."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from chromecut.model.bundle import Bundle
from chromecut.model.compiled import CACHE_ENV
from chromecut.predict import Cleaner
from chromecut.serving.model import PREDICTOR_ENV, ChromecutModel

from synthetic import synthetic_page, wrapped_dump


def _loaded(bundle: Path, model_config: dict[str, Any] | None = None) -> ChromecutModel:
    model = ChromecutModel()
    model.load_context(SimpleNamespace(artifacts={"bundle": str(bundle)}, model_config=model_config))  # type: ignore[arg-type]
    return model


@pytest.fixture()
def compiled_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytest.importorskip("lleaves", reason="the compiled predictor needs chromecut[compiled]")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_served_model_predicts_with_lightgbm_by_default(saved_bundle: Path, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.delenv(PREDICTOR_ENV, raising=False)
    assert _loaded(saved_bundle).cleaner.bundle.predictor == "lightgbm"


def test_the_environment_or_the_model_config_picks_the_compiled_predictor(
    saved_bundle: Path, compiled_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = pd.DataFrame({"id": ["a", "b"], "html": [synthetic_page(1), synthetic_page(2)]})
    plain = _loaded(saved_bundle, {"predictor": "lightgbm"})
    from_config = _loaded(saved_bundle, {"predictor": "compiled"})
    monkeypatch.setenv(PREDICTOR_ENV, "compiled")
    from_env = _loaded(saved_bundle)
    assert [m.cleaner.bundle.predictor for m in (plain, from_config, from_env)] == ["lightgbm", "compiled", "compiled"]
    expected = plain.predict(None, pages)  # type: ignore[arg-type]
    for model in (from_config, from_env):
        pd.testing.assert_frame_equal(model.predict(None, pages), expected)  # type: ignore[arg-type]


def test_an_unknown_predictor_is_refused_by_name(saved_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREDICTOR_ENV, "fastest")
    with pytest.raises(ValueError, match=PREDICTOR_ENV):
        _loaded(saved_bundle)


def test_the_reflow_parameter_scores_a_wrapped_dump_line_by_line(tiny_text_bundle: Bundle, tmp_path: Path) -> None:
    dump = wrapped_dump()
    model = _loaded(tiny_text_bundle.save(tmp_path / "text"))
    pages = pd.DataFrame({"text": [dump]})

    def p_content(params: dict[str, Any] | None) -> list[float]:
        return [label["p_content"] for label in json.loads(model.predict(None, pages, params)["labels"][0])]  # type: ignore[arg-type]

    for params, reflow in ((None, True), ({"reflow": "false"}, False), ({"reflow": True}, True)):
        expected = [line.p_content for line in Cleaner(tiny_text_bundle, reflow=reflow).label(dump)]
        assert p_content(params) == pytest.approx(expected, abs=1e-4)  # the records round p_content to 4 digits
    assert p_content(None) != p_content({"reflow": False})
    with pytest.raises(ValueError, match="reflow"):
        model.predict(None, pages, {"reflow": "sometimes"})  # type: ignore[arg-type]
