"""The model server under concurrent clients and hostile pages: no HTTP error, a row error that names the limit for
a page over one, one label per line for every other page. The full 1,000-request load run is
``python -m chromecut.bench.serving`` (figures in the README's "Serving under load"); this is its short version."""

from __future__ import annotations

import gzip
import http
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chromecut.bench.serving import check_answer, model_server, post_all, request_body, run_load, save_pyfunc
from chromecut.predict import Cleaner, shipped_bundle_path
from chromecut.segment.encoding import decode_text
from chromecut.segment.limits import LimitError

from hostile import corpus, expected_lines

CLIENTS = 8
REQUESTS = 48
#: The gzip bomb is a transport matter (the server takes JSON, not gzip files); the containers are CLI inputs.
NOT_SENT = ("bomb.html.gz", "truncated.warc.gz", "broken.jsonl")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = save_pyfunc(shipped_bundle_path("html"), tmp_path_factory.mktemp("served") / "model")
    assert not [p for p in model.rglob("*") if p.suffix in (".pkl", ".pickle", ".cloudpickle")]
    with model_server(str(model), workers=2) as url:
        yield url


def test_concurrent_clients_get_no_errors(server: str) -> None:
    figures = run_load(server, REQUESTS, CLIENTS, server_workers=2)
    assert figures.failed == 0, figures.first_failure
    assert figures.requests == REQUESTS and figures.p50_ms <= figures.p99_ms <= figures.max_ms


def test_hostile_pages_sent_concurrently_are_labelled_or_refused_by_name(server: str) -> None:
    items = [item for item in corpus() if item.name not in NOT_SENT]
    pages = []
    for item in items:
        payload = gzip.decompress(item.data) if item.data[:2] == b"\x1f\x8b" else item.data
        # JSON carries text: the client decodes the bytes. The HTML model's server reads every page as HTML.
        pages.append((item, "html", decode_text(payload)))
    bodies = [request_body([{"id": item.name, kind: page}]) for item, kind, page in pages]
    answers = post_all(server, bodies, CLIENTS)
    local = Cleaner.load("html")
    assert len(answers) == len(items)
    refusals = 0
    for (item, kind, page), answer in zip(pages, answers, strict=True):
        assert answer.status == http.HTTPStatus.OK and answer.predictions is not None, (item.name, answer.error)
        (row,) = answer.predictions
        assert row["id"] == item.name
        try:  # read as HTML, the million short lines are one long line: what is refused depends on the mode
            refused = None
            local.label(page)
        except LimitError as exc:
            refused = str(exc)
        if refused is not None:
            assert row["error"] == f"LimitError: {refused}" and row["text"] == "" and json.loads(row["labels"]) == []
            assert "limit --" in row["error"]
            refusals += 1
            continue
        assert check_answer(answer, item.name) is None
        labels = json.loads(row["labels"])
        lines = expected_lines(page, kind)
        assert [label["line"] for label in labels] == list(range(len(lines))), item.name
        assert [label["text"] for label in labels] == lines
        assert row["text"] == "\n".join(label["text"] for label in labels if label["content"])
    assert refusals == 2  # the 20 MB line (page size) and the 200,000 nested divs (depth)


def test_saved_models_hold_no_pickle(tmp_path: Path) -> None:
    model = save_pyfunc(shipped_bundle_path("text"), tmp_path / "model")
    files = {p.name for p in model.rglob("*") if p.is_file()}
    assert {"MLmodel", "model.txt", "schema.json"} <= files
    assert not [name for name in files if name.endswith((".pkl", ".pickle", ".cloudpickle"))]
