"""Reading WARC archives: HTML responses and conversions as documents, damage reports, HTTP payloads decoded."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from chromecut.io.inputs import Document, InputFailure, Source, source_format
from chromecut.io.readers import read_source
from chromecut.io.warc import decode_http_payload

from synthetic import http_response, warc_record

PAGE = "<html><body><p>Grüße aus der Stadt, wo das Wetter heute schön ist.</p></body></html>"


def _read(path: Path, fmt: str = "auto") -> list[Document | InputFailure]:
    return list(read_source(Source(str(path), source_format(str(path), fmt))))  # type: ignore[arg-type]


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
