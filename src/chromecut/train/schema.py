"""The structured config schema in Hydra's ConfigStore: :class:`chromecut.settings.ChromecutConfig` as
``chromecut_schema``, first in ``conf/config.yaml``'s defaults, so the dataclasses are the only place a default
is written and the YAML files hold what differs.

``chromecut-train`` and ``chromecut pipeline compose`` call :func:`register` before composing; ``dvc exp run``
composes in its own process, where Hydra's plugin scan imports ``hydra_plugins.chromecut_config`` (found on the
``plugins_path`` that ``.dvc/config`` sets), which calls it too.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from chromecut.settings import ChromecutConfig

#: The name ``conf/config.yaml`` gives the schema in its defaults list.
SCHEMA_NAME = "chromecut_schema"
#: How Hydra names a config folder inside an installed package (``pkg://chromecut.conf``).
PACKAGE_PREFIX = "pkg://"


def schema_node() -> DictConfig:
    """The schema as a typed, writable config: the settings dataclasses are frozen (library code must not
    change them), which OmegaConf turns into read-only nodes; composition has to merge into them."""
    node: DictConfig = OmegaConf.structured(ChromecutConfig)
    _writable(node)
    return node


def _writable(node: DictConfig) -> None:
    OmegaConf.set_readonly(node, False)
    for key in node:
        child = node._get_node(key)  # the node itself, not its value
        if isinstance(child, DictConfig):
            _writable(child)


def register() -> None:
    """Store the schema (storing it again replaces it with the same node)."""
    ConfigStore.instance().store(name=SCHEMA_NAME, node=schema_node())


def compose_config(where: str, config_name: str, overrides: Sequence[str] = ()) -> DictConfig:
    """``config_name`` of the config folder ``where`` (a path, or ``pkg://`` and a package) composed with the
    schema and ``overrides``, interpolations unresolved; a mistyped override raises Hydra's composition error."""
    from hydra import compose, initialize_config_dir, initialize_config_module

    register()
    if where.startswith(PACKAGE_PREFIX):
        with initialize_config_module(where.removeprefix(PACKAGE_PREFIX), version_base="1.3"):
            return compose(config_name=config_name, overrides=list(overrides))
    with initialize_config_dir(where, version_base="1.3"):
        return compose(config_name=config_name, overrides=list(overrides))
