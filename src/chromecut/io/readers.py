"""Read a source: its documents and the failures met on the way, in order.

:func:`read_source` opens an input (a path, or ``-`` for stdin) and hands it to the reader of its format: a
plain file is one document (gunzipped, its kind sniffed when ``auto``); a JSON Lines file is one document per
record (read here); a WARC or WET archive is one document per HTML response or text conversion
(:mod:`chromecut.io.warc`). What a source, a document and a failure are is defined in :mod:`chromecut.io.inputs`.
A failure never stops the reading: the caller decides what it means.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import IO

from chromecut.io.inputs import STDIN_NAME, Document, DocumentKind, InputFailure, Source, open_binary, sniff_kind
from chromecut.io.warc import read_warc
from chromecut.segment.limits import too_large_message

#: Bytes read per call when the rest of an oversized line is skipped.
SKIP_CHUNK_BYTES = 1 << 20


def _open(source: Source) -> IO[bytes]:
    if source.name == STDIN_NAME:
        return sys.stdin.buffer
    return open(source.name, "rb")  # closed by read_source


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_source(source: Source, *, max_page_bytes: int | None = None) -> Iterator[Document | InputFailure]:
    """The documents of a source and the failures met reading it, in order.

    Parameters
    ----------
    source:
        The input. A plain source yields one :class:`Document` (kind as its format says, or sniffed) or one
        :class:`InputFailure`; a container yields one item per record and, when it is damaged, a last failure
        that names the source and where the damage is.
    max_page_bytes:
        A document larger than this (decompressed; a JSON Lines record's line; a WARC record's payload) is an
        :class:`InputFailure` and is never held in memory whole: reading stops one byte past the limit (the
        rest of a container is read on). No limit when ``None``.
    """
    try:
        stream = _open(source)
    except OSError as exc:
        yield InputFailure(source.name, _os_reason(exc), source.index)
        return
    try:
        with stream if source.name != STDIN_NAME else contextlib.nullcontext(stream):
            if source.format == "jsonl":
                yield from _read_jsonl(source, stream, max_page_bytes)
            elif source.format == "warc":
                yield from read_warc(source, stream, max_page_bytes)
            else:
                yield _read_plain(source, stream, max_page_bytes)
    except OSError as exc:  # a read error: what was yielded stands, the rest of the source is lost
        yield InputFailure(source.name, f"read error: {_os_reason(exc)}", source.index)


def _read_plain(source: Source, stream: IO[bytes], max_page_bytes: int | None = None) -> Document | InputFailure:
    data_stream, gz = open_binary(stream)
    data = data_stream.read() if max_page_bytes is None else data_stream.read(max_page_bytes + 1)
    if max_page_bytes is not None and len(data) > max_page_bytes:
        return InputFailure(source.name, too_large_message(max_page_bytes), source.index)
    if gz is not None and gz.error:
        return InputFailure(source.name, gz.error, source.index)
    kind: DocumentKind = "html" if source.format == "html" else "text"
    if source.format == "sniff":
        kind = sniff_kind(data)
    return Document(source.name, data, kind, source.index)


def _jsonl_document(source: Source, name: str, line: bytes) -> Document | InputFailure:
    """One JSON Lines record ``{"id": str | int, "html" | "text": str}`` (and optionally ``"url": str``, the page's
    address: ``--site url`` reads its host) as a document, or why it is not one."""
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return InputFailure(name, f"invalid JSON: {exc}", source.index)
    if not isinstance(record, dict):
        return InputFailure(name, f"expected a JSON object, got {type(record).__name__}", source.index)
    record_id = record.get("id")
    if record_id is None:
        return InputFailure(name, "missing 'id'", source.index)
    if isinstance(record_id, bool) or not isinstance(record_id, str | int):
        return InputFailure(name, f"'id' must be a string or an integer, got {type(record_id).__name__}",
                            source.index)
    has_html, has_text = "html" in record, "text" in record
    if has_html == has_text:
        reason = "both 'html' and 'text'" if has_html else "neither 'html' nor 'text'"
        return InputFailure(name, f"record {record_id!r} has {reason}", source.index)
    kind: DocumentKind = "html" if has_html else "text"
    page = record[kind]
    if not isinstance(page, str):
        return InputFailure(name, f"'{kind}' must be a string, got {type(page).__name__}", source.index)
    url = record.get("url")
    if url is not None and not isinstance(url, str):
        return InputFailure(name, f"'url' must be a string, got {type(url).__name__}", source.index)
    return Document(str(record_id), page, kind, source.index, record_id=record_id, url=url)


def _read_jsonl(
    source: Source, stream: IO[bytes], max_page_bytes: int | None = None
) -> Iterator[Document | InputFailure]:
    """Records of a JSON Lines source; a broken line, or one longer than ``max_page_bytes`` (skipped without
    being held whole), is a failure named ``<file>:<line number>``."""
    lines, gz = open_binary(stream)
    limit = -1 if max_page_bytes is None else max_page_bytes + 1
    number = 0
    while line := lines.readline(limit):
        number += 1
        if max_page_bytes is not None and len(line) > max_page_bytes and not line.endswith(b"\n"):
            while (rest := lines.readline(SKIP_CHUNK_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield InputFailure(f"{source.name}:{number}", too_large_message(max_page_bytes), source.index)
        elif line.strip():
            yield _jsonl_document(source, f"{source.name}:{number}", line)
    if gz is not None and gz.error:
        yield InputFailure(source.name, gz.error, source.index)
