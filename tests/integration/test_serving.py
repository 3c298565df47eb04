"""``mlflow models serve`` on the registered champion answers /invocations with clean text and labels."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from chromecut.train.core import train

from model_helpers import PAGE, free_port, http_json, tiny_settings, venv_bin, wait_until_serving

pytestmark = [
    pytest.mark.data,
]


def test_model_server_cleans_posted_pages(prepared: Path, tmp_path: Path) -> None:
    train(tiny_settings(prepared, tmp_path, rounds=40), root=tmp_path)
    port = free_port()
    env = {**os.environ, "PATH": f"{venv_bin()}{os.pathsep}{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    server = subprocess.Popen(
        [str(venv_bin() / "mlflow"), "models", "serve", "-m", "models:/chromecut-html@champion",
         "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_until_serving(server, f"http://127.0.0.1:{port}/ping")
        answer = http_json(f"http://127.0.0.1:{port}/invocations",
                       {"dataframe_records": [{"id": "good", "html": PAGE}, {"id": "empty", "html": ""}]})
        good, empty = answer["predictions"]  # type: ignore[misc]
        assert good["id"] == "good" and "council approved" in good["text"] and good["error"] == ""
        labels = json.loads(good["labels"])
        assert [label["line"] for label in labels] == list(range(len(labels)))
        assert good["text"] == "\n".join(label["text"] for label in labels if label["content"])
        assert {"line", "text", "p_content", "content"} == set(labels[0])
        assert empty["id"] == "empty" and empty["text"] == "" and json.loads(empty["labels"]) == []
    finally:
        server.terminate()
        server.wait(timeout=30)
