"""Helpers of the end-to-end tests: settings of a tiny tracked training run, local servers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chromecut.settings import DataSettings, ModelSettings, TrackingSettings, TrainSettings

PAGE = ("<html><body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav><h1>Budget approved</h1>"
        "<p>The council approved the new budget after a long debate that lasted well into the night, "
        "officials said on Monday.</p><footer>© 2024 Example</footer></body></html>")


def tiny_settings(prepared: Path, store: Path, rounds: int, threshold: float | None = None) -> TrainSettings:
    """A few dozen real pages, one thread, tracked into ``store/mlflow.db``, bundle in ``store/bundle``."""
    fixed = {} if threshold is None else {"threshold_policy": "fixed", "threshold": threshold}
    return TrainSettings(
        data=DataSettings(processed_dir=str(prepared)),
        model=ModelSettings(num_boost_round=rounds, early_stopping_rounds=10, num_threads=1, min_data_in_leaf=5,
                            **fixed),  # type: ignore[arg-type]
        tracking=TrackingSettings(tracking_uri=f"sqlite:///{store / 'mlflow.db'}", experiment="e2e"),
        output_dir=str(store / "bundle"),
    )


# ------------------------------------------------------------------------------------------------------------
# Local servers (mlflow ui, mlflow models serve) started by the tests on a free loopback port
# ------------------------------------------------------------------------------------------------------------

SERVER_STARTUP_SECONDS = 120
SERVER_POLL_SECONDS = 0.5
HTTP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(server: subprocess.Popen[bytes], url: str, seconds: float = SERVER_STARTUP_SECONDS) -> None:
    """Poll ``url`` until it answers; fail with the server's last stderr when it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            stderr = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise AssertionError(f"server exited with {server.returncode}: {stderr[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer from {url} within {seconds:.0f} s") from None
            time.sleep(SERVER_POLL_SECONDS)


def http_json(url: str, payload: dict[str, Any] | None = None) -> Any:
    """GET (or POST ``payload`` as JSON to) ``url``; the decoded JSON answer."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method="GET" if payload is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        return json.loads(response.read())


def venv_bin() -> Path:
    """The folder of this interpreter's console scripts (chromecut, dvc, mlflow)."""
    return Path(sys.executable).parent


# ------------------------------------------------------------------------------------------------------------
# The smoke DVC pipeline (fixture smoke_project in conftest.py)
# ------------------------------------------------------------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: The two DVC experiments of the smoke pipeline: the smoke config, then the same with smaller trees.
SMOKE_EXPERIMENTS = (
    ("smoke-base", ["experiment=smoke"]),
    ("smoke-leaves15", ["experiment=smoke", "model.num_leaves=15"]),
)
#: Time allowed to one `dvc exp run` of the smoke pipeline.
SMOKE_RUN_SECONDS = 1200


@dataclass(frozen=True)
class SmokeProject:
    """A copy of the project, with ``dvc exp run`` done twice on the smoke config, and its environment."""

    root: Path
    env: dict[str, str]
    tracking_uri: str

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        """A command in the project (``dvc ...``), checked, its output captured."""
        result = subprocess.run(command, cwd=self.root, env=self.env, capture_output=True, text=True,
                                timeout=SMOKE_RUN_SECONDS)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result


def project_files() -> list[Path]:
    """The project's files as a fresh clone plus the working tree's changes would have them (no data, no venv)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=PROJECT_ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return [Path(name) for name in listed if name and (PROJECT_ROOT / name).is_file()]


