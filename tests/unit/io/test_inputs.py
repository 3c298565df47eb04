"""Reading inputs: stems, formats, HTML sniffing, tolerant gzip, JSON Lines and WARC records, damage reports."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import pytest

from chromecut.io.inputs import (
    Document,
    GzipStream,
    InputFailure,
    Source,
    decode_http_payload,
    open_binary,
    output_stem,
    read_source,
    sniff_kind,
    source_format,
)

from synthetic import http_response, synthetic_page, warc_record

PAGE = "<html><body><p>Grüße aus der Stadt, wo das Wetter heute schön ist.</p></body></html>"


def _read(path: Path, fmt: str = "auto") -> list[Document | InputFailure]:
    return list(read_source(Source(str(path), source_format(str(path), fmt))))  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "stem"), [
    ("a.html", "a"), ("dir/a.html.gz", "a"), ("a.HTML.GZ", "a"), ("www.example.com.html", "www.example.com"),
    ("notes", "notes"), ("CC-MAIN-1.warc.wet.gz", "CC-MAIN-1.warc"), ("-", "stdin"),
])
def test_output_stems_drop_compression_and_one_extension(name: str, stem: str) -> None:
    assert output_stem(name) == stem


@pytest.mark.parametrize(("name", "fmt", "expected"), [
    ("a.jsonl", "auto", "jsonl"), ("a.jsonl.gz", "auto", "jsonl"), ("a.warc", "auto", "warc"),
    ("a.warc.gz", "auto", "warc"), ("x.warc.wet.gz", "auto", "warc"), ("a.html", "auto", "sniff"),
    ("a.txt.gz", "auto", "sniff"), ("-", "auto", "sniff"), ("a.jsonl", "html", "html"), ("-", "warc", "warc"),
])
def test_auto_picks_containers_by_name_and_sniffs_the_rest(name: str, fmt: str, expected: str) -> None:
    assert source_format(name, fmt) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("page", [
    "<!DOCTYPE html><title>x</title>plain words",
    "\ufeff  \n<html lang='en'>",
    "<?xml version='1.0'?>\n<!-- generated -->\n<HTML><BODY>hello",
    "<head><meta charset=utf-8></head>",
    "<div><p>One</p><p>Two</p><span>three</span></div>",
    synthetic_page(1),
])
def test_html_is_sniffed_from_its_start_or_its_tag_density(page: str) -> None:
    assert sniff_kind(page) == "html"
    assert sniff_kind(page.encode("utf-8")) == "html"


@pytest.mark.parametrize("text", [
    "",
    "Just a line of text.\n\nAnother one.",
    "Use the <div> element to group things; see also the documentation, chapter two, and the index.",
    "if a < b and c > d then print(x)\n" * 20,
    "- Home\n- News\nStory 1\nThe council approved the new budget.",
])
def test_text_stays_text(text: str) -> None:
    assert sniff_kind(text) == "text"
    assert sniff_kind(text.encode("utf-8")) == "text"


def test_sniffing_reads_utf16_with_a_bom_and_only_looks_at_the_start() -> None:
    assert sniff_kind("\ufeff<!doctype html><p>x".encode("utf-16-le")) == "html"
    assert sniff_kind("words " * 2000 + "<p>a</p>" * 50, sample=1024) == "text"


def test_gzip_stream_reads_every_member_and_ignores_zero_padding() -> None:
    data = gzip.compress(b"first member\n") + gzip.compress(b"second member\n") + b"\x00" * 16
    stream = GzipStream(io.BytesIO(data), chunk_bytes=7)
    assert stream.read() == b"first member\nsecond member\n"
    assert stream.error is None


def test_gzip_stream_returns_what_precedes_the_damage_and_says_what_it_was() -> None:
    first = gzip.compress(b"A" * 5000)
    second = gzip.compress(bytes(range(256)) * 40)
    truncated = GzipStream(io.BytesIO(first + second[: len(second) // 2]))
    data = truncated.read()
    assert data.startswith(b"A" * 5000) and truncated.error is not None and "truncated" in truncated.error
    corrupt = GzipStream(io.BytesIO(first + b"\x1f\x8b\x08\x00garbage-garbage-garbage"))
    assert corrupt.read() == b"A" * 5000
    assert corrupt.error is not None and "corrupt" in corrupt.error


def test_open_binary_detects_gzip_by_magic_on_streams_without_peek() -> None:
    stream, gz = open_binary(io.BytesIO(gzip.compress(b"hello")))
    assert stream.read() == b"hello" and gz is not None
    plain, none = open_binary(io.BytesIO(b"hello"))
    assert plain.read() == b"hello" and none is None


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


def _warc(*records: bytes, per_record_gzip: bool = False) -> bytes:
    if per_record_gzip:
        return b"".join(gzip.compress(record) for record in records)
    return b"".join(records)


LATIN_PAGE = "<html><body><p>Ça coûte très cher à Zürich, disent-ils.</p></body></html>".encode("latin-1")
RECORDS = (
    warc_record("warcinfo", "0", "", "application/warc-fields", b"software: test\r\n"),
    warc_record("request", "1", "http://a.example/", "application/http; msgtype=request",
                b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"),
    warc_record("response", "2", "http://a.example/", "application/http; msgtype=response",
                http_response(LATIN_PAGE, "text/html; charset=ISO-8859-1")),
    warc_record("response", "3", "http://a.example/logo.png", "application/http; msgtype=response",
                http_response(b"\x89PNG....", "image/png")),
    warc_record("conversion", "4", "http://a.example/", "text/plain", "Ça coûte\n\ntrès cher".encode()),
    warc_record("response", "5", "http://b.example/", "application/http; msgtype=response",
                http_response(gzip.compress(PAGE.encode()), "text/html", "Content-Encoding: gzip\r\n")),
)


@pytest.mark.parametrize("per_record_gzip", [False, True])
def test_warc_html_responses_and_conversions_are_documents(tmp_path: Path, per_record_gzip: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if per_record_gzip else "crawl.warc")
    path.write_bytes(_warc(*RECORDS, per_record_gzip=per_record_gzip))
    items = _read(path)
    assert all(isinstance(item, Document) for item in items)
    docs = [item for item in items if isinstance(item, Document)]
    assert [(d.key, d.kind, d.url) for d in docs] == [
        ("<urn:uuid:2>", "html", "http://a.example/"),
        ("<urn:uuid:4>", "text", "http://a.example/"),
        ("<urn:uuid:5>", "html", "http://b.example/"),
    ]
    assert docs[0].data == LATIN_PAGE and docs[0].encoding_hint == "iso-8859-1"  # HTTP headers stripped
    assert docs[2].data == PAGE.encode()  # Content-Encoding undone


def test_a_truncated_warc_gz_yields_the_records_before_the_damage_then_a_failure(tmp_path: Path) -> None:
    data = _warc(*RECORDS, per_record_gzip=True)
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[:-40])
    items = _read(path)
    assert [item.key for item in items if isinstance(item, Document)] == ["<urn:uuid:2>", "<urn:uuid:4>"]
    failure = items[-1]
    assert isinstance(failure, InputFailure) and failure.name == str(path)
    assert "damaged archive at offset" in failure.reason and "<urn:uuid:4>" in failure.reason
    assert "truncated gzip" in failure.reason


def test_a_truncated_plain_warc_reports_the_record_that_is_cut(tmp_path: Path) -> None:
    data = _warc(*RECORDS)
    path = tmp_path / "cut.warc"
    path.write_bytes(data[: data.index(b"WARC-Record-ID: <urn:uuid:5>") + 300])
    items = _read(path)
    failure = items[-1]
    assert isinstance(failure, InputFailure) and "record <urn:uuid:5> is truncated" in failure.reason
    assert len([item for item in items if isinstance(item, Document)]) == 2


def test_http_payloads_are_dechunked_and_decompressed() -> None:
    body = b"<p>hello world</p>"
    chunked = b"5\r\n<p>he\r\nb;ext=1\r\nllo world</\r\n2\r\np>\r\n0\r\n\r\n"
    assert decode_http_payload(chunked, None, "chunked") == body
    assert decode_http_payload(gzip.compress(body), "gzip", None) == body
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decode_http_payload(raw_deflate.compress(body) + raw_deflate.flush(), "deflate", None) == body
    assert decode_http_payload(body, "identity", None) == body
    with pytest.raises(ValueError, match="unsupported"):
        decode_http_payload(body, "compress", None)
    with pytest.raises(ValueError, match="corrupt gzip"):
        decode_http_payload(b"not gzip", "gzip", None)


def test_a_file_that_is_not_a_warc_fails_before_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    [failure] = _read(path, "warc")
    assert isinstance(failure, InputFailure) and "before the first complete record" in failure.reason


def test_a_response_without_a_content_type_is_kept_only_when_it_sniffs_as_html(tmp_path: Path) -> None:
    def untyped(record_id: str, body: bytes) -> bytes:
        block = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        return warc_record("response", record_id, "http://x.example/", "application/http; msgtype=response", block)

    path = tmp_path / "untyped.warc"
    path.write_bytes(untyped("1", PAGE.encode()) + untyped("2", b"%PDF-1.4 binary stuff"))
    assert [item.key for item in _read(path) if isinstance(item, Document)] == ["<urn:uuid:1>"]
