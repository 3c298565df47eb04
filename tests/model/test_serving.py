"""``mlflow models serve`` on the registered champion answers /invocations with clean text and labels."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chromecut.datasets import datasets_root
from chromecut.train import train

from model_helpers import PAGE, tiny_settings

pytestmark = [
    pytest.mark.data,
    pytest.mark.skipif(not datasets_root().is_dir(), reason=f"datasets not found at {datasets_root()}"),
]
STARTUP_SECONDS = 120
POLL_SECONDS = 0.5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, payload: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_model_server_cleans_posted_pages(prepared: Path, tmp_path: Path) -> None:
    train(tiny_settings(prepared, tmp_path, rounds=40), root=tmp_path)
    port = _free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    server = subprocess.Popen(
        [str(Path(bin_dir) / "mlflow"), "models", "serve", "-m", "models:/chromecut-html@champion",
         "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, f"server exited: {server.stderr.read().decode()[-2000:]}"  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "model server did not start"
                time.sleep(POLL_SECONDS)
        answer = _post(f"http://127.0.0.1:{port}/invocations",
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
