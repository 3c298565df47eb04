"""The notebooks are stored without outputs and run top to bottom on the smoke pipeline's data and champion."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from model_helpers import PROJECT_ROOT, SmokeProject

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_SECONDS = 600


def test_the_two_notebooks_exist() -> None:
    assert [path.name for path in NOTEBOOKS] == ["1.0-explore-features.ipynb", "2.0-error-analysis.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def _stream_text(notebook: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs if output.output_type == "stream")


@pytest.mark.data
@pytest.mark.xdist_group("smoke_pipeline")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_smoke_pipeline(path: Path, smoke_project: SmokeProject,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHROMECUT_DATASETS", "MLFLOW_TRACKING_URI", "PATH"):
        monkeypatch.setenv(name, smoke_project.env[name])
    monkeypatch.setenv("CHROMECUT_ROOT", str(smoke_project.root))
    monkeypatch.setenv("CHROMECUT_PROCESSED", "data/processed-smoke")
    monkeypatch.delenv("CHROMECUT_MODEL", raising=False)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=dict(os.environ))  # raises CellExecutionError naming the failing cell
    figures = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
               if "image/png" in output.get("data", {})]
    assert figures, "no plot was drawn"
    if path.stem.startswith("2.0"):
        assert "model: models:/chromecut-html@champion" in _stream_text(notebook)
