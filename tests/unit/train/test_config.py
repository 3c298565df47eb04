"""Every config group composes, and the composed config becomes typed settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from chromecut.settings import (
    TRACKING_URI_DEFAULT,
    ChromecutConfig,
    DataSettings,
    FeatureSettings,
    ModelSettings,
    TrackingSettings,
    TrainSettings,
    settings_from_dict,
)
from chromecut.train.app import config_path
from chromecut.train.schema import register
from chromecut.train.tracking import registered_name

#: The config chromecut-train reads from this checkout: its conf/, not a copy an install staged.
CONF = Path(config_path())

GROUPS = ("data", "features", "model", "tracking", "evaluate", "bench", "experiment")
#: The dataclass that holds each group's defaults.
GROUP_SCHEMAS = {"data": DataSettings, "features": FeatureSettings, "model": ModelSettings,
                 "tracking": TrackingSettings}


def _options(group: str) -> list[str]:
    folder = CONF / group
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


@pytest.fixture(autouse=True)
def hydra_conf() -> Iterator[None]:
    register()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        yield
    GlobalHydra.instance().clear()


def _settings(overrides: list[str]) -> TrainSettings:
    cfg = compose(config_name="config", overrides=overrides)
    return settings_from_dict(OmegaConf.to_container(cfg, resolve=True))  # type: ignore[arg-type]


@pytest.mark.parametrize(("group", "option"), [(g, o) for g in GROUPS for o in _options(g)])
def test_every_config_group_option_composes_into_settings(group: str, option: str) -> None:
    if option == "tune":
        pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    settings = _settings([f"{group}={option}"])
    assert isinstance(settings, TrainSettings)
    assert settings.features.mode in ("html", "text")


def test_defaults_train_the_html_model_on_permissive_data_with_an_embedded_store() -> None:
    settings = _settings([])
    assert settings.features.mode == "html"
    assert settings.data.permissive_only and not settings.data.include_research
    assert settings.tracking.tracking_uri is None  # $MLFLOW_TRACKING_URI, else the embedded store
    assert TRACKING_URI_DEFAULT.startswith("sqlite:///")
    assert settings.bundle_dir == "outputs/bundles/html"


def test_the_schema_is_the_one_source_of_defaults() -> None:
    """The composed defaults are the dataclasses' defaults, and no group file restates a default."""
    composed = OmegaConf.to_container(compose(config_name="config"), resolve=True)
    assert isinstance(composed, dict)
    composed.pop("hydra", None)
    assert composed == OmegaConf.to_container(OmegaConf.structured(ChromecutConfig))
    for group, schema in GROUP_SCHEMAS.items():
        defaults = vars(schema())
        for option in _options(group):
            values = yaml.safe_load((CONF / group / f"{option}.yaml").read_text()) or {}
            restated = {k for k, v in values.items() if k != "defaults" and k in defaults and defaults[k] == v}
            assert not restated - {"mode", "kind", "enabled"}, f"{group}/{option}.yaml restates {restated}"


def test_a_checkout_reads_its_own_conf_folder() -> None:
    checkout_conf = Path(__file__).resolve().parents[3] / "conf"
    assert checkout_conf == CONF


def test_a_mistyped_override_fails_at_composition() -> None:
    with pytest.raises(ConfigCompositionException):
        compose(config_name="config", overrides=["model.num_leaves=many"])


def test_experiments_hold_only_their_changes() -> None:
    text = _settings(["experiment=ship_text"])
    assert text.features.mode == "text" and text.ship_to == "src/chromecut/bundles/text"
    markdown = _settings(["experiment=ship_markdown"])
    assert markdown.features.mode == "text" and markdown.features.markdown_features
    assert markdown.features.renderers == ("html2text", "markdownify") and not markdown.features.held_out_renderers
    assert markdown.ship_to == "src/chromecut/bundles/markdown"
    assert registered_name(markdown) == "chromecut-markdown" and registered_name(text) == "chromecut-text"
    smoke = _settings(["experiment=smoke"])
    assert smoke.data.max_pages_per_dataset is not None and smoke.model.num_boost_round < 1000
    assert smoke.features == _settings([]).features


def test_command_line_overrides_reach_the_settings() -> None:
    settings = _settings(["model.num_leaves=15", "data.datasets=[wcxb,readability]"])
    assert settings.model.num_leaves == 15
    assert settings.data.datasets == ("wcxb", "readability")


def test_unknown_settings_are_refused_with_their_name() -> None:
    cfg = OmegaConf.to_container(compose(config_name="config"), resolve=True)
    assert isinstance(cfg, dict)
    cfg["model"]["num_leafs"] = 3
    with pytest.raises(ValueError, match="num_leafs"):
        settings_from_dict(cfg)  # type: ignore[arg-type]


def test_the_dask_model_keeps_the_lgbm_parameters_and_adds_its_cluster() -> None:
    local, dask = _settings(["model=lgbm"]).model, _settings(["model=lgbm_dask"]).model
    assert dask.kind == "lgbm_dask" and local.kind == "lgbm"
    assert {**vars(dask), "kind": "lgbm"} == vars(local)  # same LightGBM parameters, same cluster defaults
    assert dask.dask_scheduler is None and dask.dask_workers >= 1
    address = _settings(["model=lgbm_dask", "model.dask_scheduler=tcp://10.0.0.1:8786"]).model.dask_scheduler
    assert address == "tcp://10.0.0.1:8786"
