"""``chromecut-train``: the Hydra app over ``conf/`` (installed as ``chromecut.conf``: :func:`config_path`), a
thin wrapper that turns the composed config into typed settings and calls :func:`chromecut.train.core.train`,
returning its objective (so sweeps work). Each job of a multirun sweep nests its MLflow run under one parent run of
the sweep."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chromecut.settings import CONFIG_NAME, TrainSettings
from chromecut.train.core import project_root, train

_SWEEP_PARENTS: dict[str, str] = {}
#: The Hydra config a wheel carries: ``conf/`` as the package ``chromecut.conf`` (pyproject.toml, core/build.rs).
INSTALLED_CONFIG = "pkg://chromecut.conf"


def config_path() -> str:
    """Where ``chromecut-train`` reads its Hydra config: the project's ``conf/`` when chromecut runs from its
    source checkout (an editable install: ``src/chromecut`` beside ``conf/``), so an edit of ``conf/`` takes effect
    without reinstalling; else the copy the wheel carries (:data:`INSTALLED_CONFIG`)."""
    package = Path(__file__).resolve().parents[1]
    checkout_conf = package.parents[1] / "conf"
    if package.parent.name == "src" and (checkout_conf / f"{CONFIG_NAME}.yaml").is_file():
        return str(checkout_conf)
    return INSTALLED_CONFIG


def compose_settings(overrides: list[str]) -> TrainSettings:
    """The typed settings ``chromecut-train`` would run with these Hydra overrides (``data.dataset_balance=0.5``,
    ``experiment=ship_html``), composed from :func:`config_path` without running the app; a mistyped override
    raises Hydra's composition error, an unknown setting a :class:`ValueError` naming it."""
    from omegaconf import OmegaConf

    from chromecut.settings import settings_from_dict
    from chromecut.train.schema import compose_config

    cfg = compose_config(config_path(), CONFIG_NAME, overrides)
    return settings_from_dict(OmegaConf.to_container(cfg, resolve=True))  # type: ignore[arg-type]


def _sweep_parent(settings: TrainSettings, root: Path, sweep_dir: str) -> str:
    """The MLflow run every job of one multirun sweep nests under (created by the sweep's first job)."""
    if sweep_dir not in _SWEEP_PARENTS:
        import mlflow

        from chromecut.train.tracking import tracking_uri

        mlflow.set_tracking_uri(tracking_uri(settings, root))
        experiment = mlflow.set_experiment(settings.tracking.experiment)
        client = mlflow.MlflowClient()
        run = client.create_run(experiment.experiment_id, run_name=f"sweep {Path(sweep_dir).name}",
                                tags={"hydra_sweep_dir": sweep_dir})
        _SWEEP_PARENTS[sweep_dir] = run.info.run_id
    return _SWEEP_PARENTS[sweep_dir]


def run_from_config(cfg: Any) -> float:
    """Body of ``chromecut-train``: the composed config -> typed settings -> :func:`train` -> objective."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from chromecut.settings import settings_from_dict
    from chromecut.train.tracking import PARENT_RUN_ENV

    settings = settings_from_dict(OmegaConf.to_container(cfg, resolve=True))  # type: ignore[arg-type]
    root = project_root()
    hydra_cfg = HydraConfig.get()
    parent = None
    if hydra_cfg.mode == RunMode.MULTIRUN and settings.tracking.enabled:
        parent = _sweep_parent(settings, root, str(Path(hydra_cfg.sweep.dir).resolve()))
        os.environ[PARENT_RUN_ENV] = parent
    try:
        metrics = train(settings, root)
    finally:
        os.environ.pop(PARENT_RUN_ENV, None)
        if parent is not None:
            import mlflow

            mlflow.MlflowClient().set_terminated(parent, "FINISHED")
    summary = {k: round(v, 4) for k, v in metrics.items() if "/" not in k and "." not in k}
    print(json.dumps(summary, indent=2))
    return float(metrics["objective"])


def main() -> None:
    """``chromecut-train``: the Hydra app over ``conf/`` (installed as ``chromecut.conf``)."""
    import hydra

    from chromecut.train.schema import register

    register()
    app = hydra.main(version_base="1.3", config_path=config_path(), config_name=CONFIG_NAME)(run_from_config)
    app()
