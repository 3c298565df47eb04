"""Fixtures of the integration tests: the smoke DVC pipeline run twice in a copy of the project."""

from __future__ import annotations

import os
import shutil

import pytest

from chromecut.datasets import datasets_root

from model_helpers import PROJECT_ROOT, SMOKE_EXPERIMENTS, SmokeProject, project_files, venv_bin


@pytest.fixture(scope="session")
def smoke_project(tmp_path_factory: pytest.TempPathFactory) -> SmokeProject:
    """The project copied into a new git repository, then ``dvc exp run -S experiment=smoke`` twice (the second
    with ``model.num_leaves=15``), DVC's caches and the MLflow store inside the temporary folder."""
    base = tmp_path_factory.mktemp("smoke")
    root = base / "project"
    for name in project_files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, root / name)
    tracking_uri = f"sqlite:///{base / 'mlflow.db'}"
    env = {
        **os.environ,
        "PATH": f"{venv_bin()}{os.pathsep}{os.environ.get('PATH', '')}",
        "CHROMECUT_DATASETS": str(datasets_root().resolve()),
        "MLFLOW_TRACKING_URI": tracking_uri,
        "DVC_SITE_CACHE_DIR": str(base / "dvc-site-cache"),
        "DVC_GLOBAL_CONFIG_DIR": str(base / "dvc-global"),
        "DVC_SYSTEM_CONFIG_DIR": str(base / "dvc-system"),
        "DVC_NO_ANALYTICS": "1",
        "OMP_NUM_THREADS": "1",
        "GIT_CONFIG_GLOBAL": str(base / "gitconfig"),
    }
    env.pop("CHROMECUT_ROOT", None)
    project = SmokeProject(root, env, tracking_uri)
    project.run("git", "init", "-q")
    project.run("git", "config", "user.name", "chromecut tests")
    project.run("git", "config", "user.email", "tests@chromecut.invalid")
    project.run("git", "add", "-A")
    project.run("git", "commit", "-q", "-m", "the project under test")
    for name, overrides in SMOKE_EXPERIMENTS:
        project.run("dvc", "exp", "run", "-n", name, *[arg for o in overrides for arg in ("-S", o)])
    return project
