"""The settings chromecut-train would run with, composed without running the app (what ``chromecut evaluate``
hands its fold models)."""

from __future__ import annotations

import importlib.util

import pytest
from hydra.errors import ConfigCompositionException

from chromecut.train import app


def test_overrides_and_experiments_reach_the_composed_settings() -> None:
    settings = app.compose_settings(["experiment=ship_html", "model.num_leaves=15"])
    assert settings.ship_to == "src/chromecut/bundles/html" and settings.features.mode == "html"
    assert settings.model.num_leaves == 15
    assert app.compose_settings([]).model.num_leaves != 15


def test_a_mistyped_override_fails_at_composition() -> None:
    with pytest.raises(ConfigCompositionException):
        app.compose_settings(["model.num_leaves=many"])
    with pytest.raises(ValueError, match="num_leafs"):
        app.compose_settings(["+model.num_leafs=3"])


@pytest.mark.skipif(importlib.util.find_spec("chromecut.conf") is None, reason="no installed chromecut.conf")
def test_the_installed_config_composes_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel reads the copy of conf/ it carries (an editable install stages it when installed, so its contents
    may lag the checkout's)."""
    monkeypatch.setattr(app, "config_path", lambda: app.INSTALLED_CONFIG)
    settings = app.compose_settings(["features=text", "data.dataset_balance=0.5"])
    assert settings.features.mode == "text" and settings.data.dataset_balance == 0.5
