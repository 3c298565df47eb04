"""Reading sources: plain files gunzipped or sniffed, JSON Lines records, failures named."""

from __future__ import annotations

import gzip
from pathlib import Path

from chromecut.io.inputs import Document, InputFailure, Source, source_format
from chromecut.io.readers import read_source

PAGE = "<html><body><p>Grüße aus der Stadt, wo das Wetter heute schön ist.</p></body></html>"


def _read(path: Path, fmt: str = "auto") -> list[Document | InputFailure]:
    return list(read_source(Source(str(path), source_format(str(path), fmt))))  # type: ignore[arg-type]


def test_plain_files_are_read_gunzipped_sniffed_or_reported(tmp_path: Path) -> None:
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(PAGE.encode("utf-8")))
    (tmp_path / "notes.dat").write_bytes(gzip.compress(b"line one\nline two\n"))  # gzip without the suffix
    (tmp_path / "cut.html.gz").write_bytes(gzip.compress(PAGE.encode("utf-8") * 50)[:-30])
    page = _read(tmp_path / "page.html.gz")
    assert page == [Document(str(tmp_path / "page.html.gz"), PAGE.encode("utf-8"), "html")]
    notes = _read(tmp_path / "notes.dat")
    assert isinstance(notes[0], Document) and notes[0].kind == "text" and notes[0].data == b"line one\nline two\n"
    forced = _read(tmp_path / "notes.dat", "html")
    assert isinstance(forced[0], Document) and forced[0].kind == "html"
    [cut] = _read(tmp_path / "cut.html.gz")
    assert isinstance(cut, InputFailure) and "truncated gzip" in cut.reason
    [missing] = _read(tmp_path / "missing.html")
    assert isinstance(missing, InputFailure) and missing.name == str(tmp_path / "missing.html")
    assert "No such file" in missing.reason


def test_jsonl_records_become_documents_and_broken_lines_failures(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl.gz"
    lines = [
        '{"id": "a", "html": "<p>Hello</p>"}',
        '{"id": "b", "html": ',
        "",
        '{"id": 7, "text": "one\\ntwo"}',
        '{"html": "<p>no id</p>"}',
        '{"id": "c"}',
        '{"id": "d", "html": "<p>x</p>", "text": "x"}',
        '{"id": "e", "text": 5}',
        '{"id": true, "text": "x"}',
        '["not", "an", "object"]',
    ]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    items = _read(path)
    docs = [item for item in items if isinstance(item, Document)]
    assert [(d.key, d.kind, d.data) for d in docs] == [("a", "html", "<p>Hello</p>"), (7, "text", "one\ntwo")]
    failures = {item.name.rsplit(":", 1)[1]: item.reason for item in items if isinstance(item, InputFailure)}
    assert set(failures) == {"2", "5", "6", "7", "8", "9", "10"}
    assert "invalid JSON" in failures["2"] and "missing 'id'" in failures["5"]
    assert "neither" in failures["6"] and "both" in failures["7"] and "'text' must be a string" in failures["8"]
