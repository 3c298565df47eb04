"""Read WARC (and WET) archives: the HTML responses and text conversions they hold, and the damage they have.

:func:`read_warc` is the container reader :func:`chromecut.io.readers.read_source` uses for a ``warc`` source.
A response record's HTTP payload is decoded here too (:func:`decode_http_payload`): chunked transfer coding and
``gzip`` / ``deflate`` content coding are undone before the page is labelled, as a browser would. fastwarc is
imported when an archive is read, so importing this module (the command line does, at start-up) loads nothing
heavy.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import IO, Any

from chromecut.io.inputs import GZIP_WBITS, Document, InputFailure, Source, open_binary, sniff_kind
from chromecut.segment.limits import too_large_message

#: HTTP content types of response records that are cleaned as HTML (a response without one is sniffed).
HTML_CONTENT_TYPES = frozenset(("text/html", "application/xhtml+xml"))
#: zlib ``wbits`` of each HTTP content coding that can be undone.
CONTENT_CODING_WBITS: dict[str, int] = {"gzip": GZIP_WBITS, "x-gzip": GZIP_WBITS, "deflate": zlib.MAX_WBITS}
#: zlib ``wbits`` of raw deflate data (no zlib header), which servers often send as ``deflate``.
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
#: Line end of HTTP chunk-size lines.
_CRLF = b"\r\n"
#: Base of an HTTP chunk size.
_CHUNK_SIZE_BASE = 16
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def read_warc(
    source: Source, stream: IO[bytes], max_page_bytes: int | None = None
) -> Iterator[Document | InputFailure]:
    """HTML responses and text conversions of a WARC (or WET) source, then a failure if it is damaged.

    A response record is a document when it is an HTTP response with an HTML content type (or none, and its
    payload sniffs as HTML); its HTTP headers are stripped, its HTTP charset becomes the encoding hint, and a
    compressed or chunked payload is decoded. A conversion record is a text document. Other records are
    skipped unread. Damage is a record without an id or a length, a record shorter than its length, a parse
    error or a broken gzip stream; the records before it are yielded, then one failure that names the last
    complete record and the offset of the damage (in the decompressed stream of a gzip file). A wanted record
    whose payload is longer than ``max_page_bytes`` is skipped unread and is a failure named by its id.
    """
    from fastwarc.warc import ArchiveIterator

    data, gz = open_binary(stream)
    last_good: str | None = None
    damage: str | None = None
    offset: int | None = None
    records = ArchiveIterator(data, parse_http=True, auto_decode="none", stream_detect=False)
    try:
        for record in records:
            record_id = record.record_id
            if not record_id or not (record.headers.get("Content-Length") or "").strip().isdigit():
                damage, offset = "incomplete record header", record.stream_pos
                break
            wanted = _is_document(record)
            oversized = wanted and max_page_bytes is not None and record.content_length > max_page_bytes
            if oversized:
                wanted = False
            payload = record.reader.read() if wanted else b""
            length = len(payload) if wanted else record.reader.consume()
            if length < record.content_length:
                damage = f"record {record_id} is truncated ({length} of {record.content_length} bytes)"
                offset = record.stream_pos
                break
            last_good = record_id
            if oversized and max_page_bytes is not None:
                yield InputFailure(record_id, too_large_message(max_page_bytes), source.index)
                continue
            document = _warc_document(source, record_id, record, payload) if wanted else None
            if document is not None:
                yield document
    except OSError as exc:
        damage = f"unreadable record: {exc}"
    if gz is not None and gz.error:
        damage = f"{damage}; {gz.error}" if damage else gz.error
    if damage:
        where = "" if offset is None else f" at offset {offset}{' (decompressed)' if gz is not None else ''},"
        after = f"after record {last_good}" if last_good else "before the first complete record"
        yield InputFailure(source.name, f"damaged archive{where} {after}: {damage}", source.index)


def _is_document(record: Any) -> bool:
    """Whether a WARC record is read as a document: an HTTP response that may be HTML, or a conversion."""
    from fastwarc.warc import WarcRecordType

    if record.record_type == WarcRecordType.conversion:
        return True
    if record.record_type != WarcRecordType.response or not record.is_http:
        return False
    content_type = (record.http_content_type or "").lower()
    return not content_type or content_type in HTML_CONTENT_TYPES


def _warc_document(source: Source, record_id: str, record: Any, payload: bytes) -> Document | InputFailure | None:
    """The document of a record :func:`_is_document` accepted (``None``: an untyped response that is not HTML)."""
    url = record.headers.get("WARC-Target-URI")
    if not record.is_http:
        return Document(record_id, payload, "text", source.index, record_id=record_id,
                        encoding_hint=_charset(record.headers.get("Content-Type")), url=url)
    try:
        body = decode_http_payload(payload, record.http_headers.get("Content-Encoding"),
                                   record.http_headers.get("Transfer-Encoding"))
    except ValueError as exc:
        return InputFailure(record_id, str(exc), source.index)
    if not record.http_content_type and sniff_kind(body) != "html":
        return None
    return Document(record_id, body, "html", source.index, record_id=record_id, encoding_hint=record.http_charset,
                    url=url)


# --- HTTP payloads -------------------------------------------------------------------------------------------


def decode_http_payload(payload: bytes, content_encoding: str | None, transfer_encoding: str | None) -> bytes:
    """An HTTP payload as the server meant it: chunked transfer coding removed, then ``gzip`` / ``deflate``
    content coding undone. Raises ``ValueError`` for a coding it cannot undo or a corrupt payload."""
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        payload = _dechunk(payload)
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]):
        if coding == "identity":
            continue
        wbits = CONTENT_CODING_WBITS.get(coding)
        if wbits is None:
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
        try:
            payload = zlib.decompress(payload, wbits)
        except zlib.error:
            if coding != "deflate":
                raise ValueError(f"corrupt {coding} payload") from None
            try:  # servers often send raw deflate without the zlib header
                payload = zlib.decompress(payload, _RAW_DEFLATE_WBITS)
            except zlib.error:
                raise ValueError("corrupt deflate payload") from None
    return payload


def _dechunk(payload: bytes) -> bytes:
    """Undo HTTP chunked transfer coding; a payload that is not chunked after all is returned as it is."""
    out = bytearray()
    position = 0
    while position < len(payload):
        end = payload.find(_CRLF, position)
        if end < 0:
            return payload
        try:
            size = int(payload[position:end].split(b";")[0].strip(), _CHUNK_SIZE_BASE)
        except ValueError:
            return payload
        if size == 0:
            return bytes(out)
        start = end + len(_CRLF)
        out += payload[start : start + size]
        position = start + size + len(_CRLF)
    return bytes(out)
