"""The structured config schema in Hydra's ConfigStore: :class:`chromecut.settings.ChromecutConfig` as
``chromecut_schema``, first in ``conf/config.yaml``'s defaults, so the dataclasses are the only place a default
is written and the YAML files hold what differs.

``chromecut-train`` and ``chromecut pipeline compose`` call :func:`register` before composing; ``dvc exp run``
composes in its own process, where Hydra's plugin scan imports ``hydra_plugins.chromecut_config`` (found on the
``plugins_path`` that ``.dvc/config`` sets), which calls it too.
"""

from __future__ import annotations

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from chromecut.settings import ChromecutConfig

#: The name ``conf/config.yaml`` gives the schema in its defaults list.
SCHEMA_NAME = "chromecut_schema"


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
