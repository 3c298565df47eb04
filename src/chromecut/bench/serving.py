"""Serving under load: ``mlflow models serve`` on a chromecut bundle, hammered by concurrent clients on loopback.

``python -m chromecut.bench.serving`` saves a bundle (the shipped HTML bundle by default) as an MLflow pyfunc model
in a temporary folder (models from code: nothing is pickled), starts ``mlflow models serve`` on a free loopback
port, sends ``--requests`` requests (one generated news page each, ``dataframe_records``) from ``--clients``
threads with keep-alive connections, checks every answer (HTTP 200, one prediction, the page's id, no error)
and prints the latency percentiles and the throughput. Figures are printed (and written as JSON with
``--json``), never asserted; the run exits 1 when any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: What ``--help`` says the benchmark is (the first paragraph of this docstring).
DESCRIPTION = (__doc__ or "").split("\n\n")[0]
REQUESTS_DEFAULT = 1000
CLIENTS_DEFAULT = 8
#: uvicorn worker processes of the server (the machine's cores by default would starve the clients).
SERVER_WORKERS_DEFAULT = 2
#: Seconds the server may take to start (it imports MLflow and loads the model).
STARTUP_SECONDS = 180.0
POLL_SECONDS = 0.5
#: Seconds a client waits for one answer.
REQUEST_TIMEOUT_SECONDS = 120.0
LOOPBACK = "127.0.0.1"
INVOCATIONS = "/invocations"
#: Paragraphs of a generated page (uniformly drawn), and words per paragraph.
PARAGRAPHS = (3, 30)
WORDS_PER_PARAGRAPH = (20, 120)
SEED_DEFAULT = 20261123
PERCENTILES = (50, 90, 99)
MS_PER_SECOND = 1000.0
_VOCABULARY = (
    "the council approved budget after long debate officials said monday city residents new plan schools roads "
    "water prices growth report minister election economy market shares rose fell percent year week analysts "
    "expect government policy health hospital doctors patients study found climate energy solar wind power"
).split()


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def generated_page(index: int, rng: random.Random) -> str:
    """A news-like page: navigation, a headline, prose paragraphs, related links and a footer."""
    def words(low: int, high: int) -> str:
        return " ".join(rng.choice(_VOCABULARY) for _ in range(rng.randint(low, high)))

    nav = " ".join(f"<a href='/s{i}'>{words(1, 2).title()}</a>" for i in range(rng.randint(4, 12)))
    paragraphs = "".join(f"<p>{words(*WORDS_PER_PARAGRAPH).capitalize()}.</p>"
                         for _ in range(rng.randint(*PARAGRAPHS)))
    related = "".join(f"<li><a href='/r{i}'>{words(3, 8)}</a></li>" for i in range(rng.randint(3, 10)))
    return (f"<html><head><title>Story {index}</title></head><body><nav>{nav}</nav><article><h1>{words(4, 10)}"
            f"</h1>{paragraphs}</article><aside><h2>Related</h2><ul>{related}</ul></aside><footer>© 2024 "
            f"Example News · <a href='/privacy'>Privacy</a></footer></body></html>")


def save_pyfunc(bundle: str | os.PathLike[str], folder: Path) -> Path:
    """Save a bundle folder as an MLflow pyfunc model (models from code, as training logs it)."""
    from importlib.util import find_spec

    import mlflow

    from chromecut.train.tracking import pip_requirements

    spec = find_spec("chromecut.serving.pyfunc_model")
    if spec is None or spec.origin is None:
        raise ImportError("chromecut.serving.pyfunc_model is missing from the installation")
    mlflow.pyfunc.save_model(path=str(folder), python_model=spec.origin, artifacts={"bundle": str(bundle)},
                             pip_requirements=pip_requirements())
    return folder


@contextmanager
def model_server(model: str, workers: int = SERVER_WORKERS_DEFAULT,
                 env: dict[str, str] | None = None) -> Iterator[str]:
    """``mlflow models serve`` on ``model`` (a folder or a models:/ URI) on a free loopback port; yields its
    base URL once ``/ping`` answers, stops it on exit."""
    bin_dir = Path(sys.executable).parent
    port = free_port()
    environment = {**os.environ, **(env or {}), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [str(bin_dir / "mlflow"), "models", "serve", "-m", model, "--env-manager", "local", "-h", LOOPBACK,
             "-p", str(port), "-w", str(workers)],
            env=environment, stdout=subprocess.DEVNULL, stderr=log,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"model server exited: {log.read().decode(errors='replace')[-2000:]}")
                try:
                    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
                    connection.request("GET", "/ping")
                    if connection.getresponse().status == http.HTTPStatus.OK:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("model server did not start")
                time.sleep(POLL_SECONDS)
            yield f"http://{LOOPBACK}:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@dataclass(frozen=True)
class Answer:
    """One request's outcome: latency, HTTP status, and the decoded predictions (``None`` when not JSON)."""

    seconds: float
    status: int
    predictions: list[dict[str, Any]] | None
    error: str | None = None


def post_all(base_url: str, bodies: Sequence[bytes], clients: int) -> list[Answer]:
    """POST every body to ``/invocations`` from ``clients`` threads (one keep-alive connection each); the
    answers in the order of ``bodies``."""
    host_port = base_url.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    answers: list[Answer | None] = [None] * len(bodies)
    next_index = iter(range(len(bodies)))
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT_SECONDS)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                connection.close()
                return
            started = time.perf_counter()
            try:
                connection.request("POST", INVOCATIONS, body=bodies[index],
                                   headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                seconds = time.perf_counter() - started
                try:
                    predictions = json.loads(payload)["predictions"]
                except (ValueError, KeyError, TypeError):
                    predictions = None
                answers[index] = Answer(seconds, response.status, predictions,
                                        None if response.status == http.HTTPStatus.OK else payload[:500].decode())
            except (OSError, http.client.HTTPException) as exc:
                answers[index] = Answer(time.perf_counter() - started, 0, None, f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT_SECONDS)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return [answer for answer in answers if answer is not None]


def request_body(records: list[dict[str, Any]]) -> bytes:
    """An ``/invocations`` body of page records."""
    return json.dumps({"dataframe_records": records}, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class LoadFigures:
    """What a load run measured."""

    requests: int
    clients: int
    server_workers: int
    failed: int
    seconds: float
    requests_per_second: float
    mean_page_bytes: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    first_failure: str | None


def percentile(values: Sequence[float], pct: int) -> float:
    """The ``pct``-th percentile (inclusive method: no value beyond the data)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def check_answer(answer: Answer, page_id: str) -> str | None:
    """Why an answer to the page ``page_id`` is wrong, or ``None``."""
    if answer.error is not None or answer.status != http.HTTPStatus.OK:
        return f"HTTP {answer.status}: {answer.error}"
    if not answer.predictions or len(answer.predictions) != 1:
        return f"expected one prediction, got {answer.predictions!r:.200}"
    row = answer.predictions[0]
    if row.get("id") != page_id or row.get("error"):
        return f"bad row for {page_id}: id {row.get('id')!r}, error {row.get('error')!r}"
    return None


def run_load(base_url: str, requests: int, clients: int, server_workers: int, seed: int = SEED_DEFAULT,
             sample: Sequence[str] | None = None) -> LoadFigures:
    """Send ``requests`` pages from ``clients`` threads and measure: generated pages, or the ``sample``'s pages
    in turn."""
    rng = random.Random(seed)
    if sample:
        pages = [sample[i % len(sample)] for i in range(requests)]
    else:
        pages = [generated_page(i, rng) for i in range(requests)]
    bodies = [request_body([{"id": str(i), "html": page}]) for i, page in enumerate(pages)]
    started = time.perf_counter()
    answers = post_all(base_url, bodies, clients)
    seconds = time.perf_counter() - started
    problems = [problem for i, answer in enumerate(answers) if (problem := check_answer(answer, str(i)))]
    latencies = sorted(answer.seconds * MS_PER_SECOND for answer in answers)
    p50, p90, p99 = (percentile(latencies, pct) for pct in PERCENTILES)
    return LoadFigures(requests, clients, server_workers, len(problems), round(seconds, 2),
                       round(requests / seconds, 1), round(statistics.fmean(len(p.encode()) for p in pages)),
                       round(p50, 1), round(p90, 1), round(p99, 1), round(latencies[-1], 1),
                       problems[0] if problems else None)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``chromecut bench serve`` (and ``python -m chromecut.bench.serving``)."""
    parser.add_argument("--model", default="html", help="shipped bundle name or bundle folder (default: html)")
    parser.add_argument("--requests", type=int, default=REQUESTS_DEFAULT, help=f"default {REQUESTS_DEFAULT}")
    parser.add_argument("--clients", type=int, default=CLIENTS_DEFAULT, help=f"default {CLIENTS_DEFAULT}")
    parser.add_argument("--server-workers", type=int, default=SERVER_WORKERS_DEFAULT,
                        help=f"uvicorn workers of the server (default {SERVER_WORKERS_DEFAULT})")
    parser.add_argument("--warmup", type=int, default=2 * CLIENTS_DEFAULT,
                        help="requests sent (and not measured) before the run")
    parser.add_argument("--dataset-pages", type=int, default=0, metavar="N",
                        help="send N real pages of the datasets in turn (the speed benchmark's sample) instead of "
                             "generated ones")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")


def run(args: argparse.Namespace) -> int:
    """Serve the model, put it under load, print (and write) the figures; 0 when every request succeeded."""
    from chromecut.predict import resolve_model

    sample = None
    if args.dataset_pages:
        from chromecut.bench.sample import DEFAULT_DATASETS, sample_pages
        from chromecut.segment.encoding import decode_text

        sample = [decode_text(page.html) for page in sample_pages(DEFAULT_DATASETS, args.dataset_pages)]

    with tempfile.TemporaryDirectory(prefix="chromecut-serve-") as tmp:
        model = save_pyfunc(resolve_model(args.model), Path(tmp) / "model")
        with model_server(str(model), args.server_workers) as url:
            if args.warmup:
                run_load(url, args.warmup, args.clients, args.server_workers, seed=SEED_DEFAULT + 1)
            figures = run_load(url, args.requests, args.clients, args.server_workers, sample=sample)
    print(json.dumps(asdict(figures), indent=2))
    print(f"{figures.requests} requests, {figures.clients} clients, {figures.server_workers} server workers: "
          f"{figures.failed} failed; p50 {figures.p50_ms} ms, p99 {figures.p99_ms} ms, "
          f"{figures.requests_per_second} requests/s ({figures.mean_page_bytes:.0f} bytes per page)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n", encoding="utf-8")
        from chromecut.evaluate.tables import refresh_after_report

        refresh_after_report(args.json)
    return 1 if figures.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chromecut.bench.serving [options]``: the same as ``chromecut bench serve [options]``."""
    parser = argparse.ArgumentParser(prog="python -m chromecut.bench.serving", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
