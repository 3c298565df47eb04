"""Read what ``chromecut clean`` and ``chromecut label`` are given: files, gzip files, stdin, JSON Lines, WARC.

An input (a path or ``-`` for stdin) is a *source*. A plain source (an HTML page or a text file) holds one
document; a container source (JSON Lines, WARC) holds many. Reading a source yields, in order, a
:class:`Document` for every document and an :class:`InputFailure` for every one that cannot be read (a missing
file, a broken JSON line, a damaged archive) without stopping at the first failure: the caller decides what a
failure means.

Gzip is recognised by its magic bytes, whatever the file is called, and decompressed by a reader that stops at
the damage of a truncated or corrupt stream instead of raising, so what was readable before it is not lost.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

DocumentKind = Literal["html", "text"]
InputFormat = Literal["auto", "html", "text", "jsonl", "warc"]
#: How a source is read once ``auto`` is decided by the file name: one document of a known kind, one document
#: whose kind is sniffed, or a container.
SourceFormat = Literal["html", "text", "sniff", "jsonl", "warc"]
INPUT_FORMATS: tuple[InputFormat, ...] = ("auto", "html", "text", "jsonl", "warc")
CONTAINER_FORMATS: frozenset[SourceFormat] = frozenset(("jsonl", "warc"))

#: The input name that means standard input, and the output stem its results get in an output folder.
STDIN_NAME = "-"
STDIN_STEM = "stdin"
GZIP_MAGIC = b"\x1f\x8b"
#: Compression suffixes dropped before the format suffix when a file's output stem is derived.
COMPRESSION_SUFFIXES = frozenset((".gz",))
#: Name endings that make ``auto`` read a file as a container (compression suffix dropped first).
JSONL_SUFFIXES = frozenset((".jsonl",))
WARC_SUFFIXES = frozenset((".warc", ".wet"))
#: Bytes read from a compressed file per call (the decompressed output of one call can be larger).
GZIP_READ_CHUNK_BYTES = 1 << 16
#: Most bytes one decompression call may produce (a gzip bomb inflates a 64 KiB chunk a thousandfold).
GZIP_OUTPUT_CHUNK_BYTES = 1 << 20
#: Bytes read per call when the rest of an oversized line is skipped.
SKIP_CHUNK_BYTES = 1 << 20
#: zlib ``wbits`` that accepts a gzip header and trailer.
_GZIP_WBITS = 16 + zlib.MAX_WBITS

# --- Sniffing HTML from text ---------------------------------------------------------------------------------
#: How much of a document the HTML sniffer looks at.
SNIFF_BYTES_DEFAULT = 4096
#: A document that starts with one of these (after a BOM, whitespace, an XML prolog and comments) is HTML.
HTML_START_MARKERS = ("<!doctype", "<html", "<head", "<body")
#: Otherwise it is HTML when the sample holds at least this many tags ...
SNIFF_MIN_TAGS_DEFAULT = 4
#: ... and the tags cover at least this share of the sample's non-whitespace characters.
SNIFF_MIN_TAG_SHARE_DEFAULT = 0.05
_LEADING_NOISE = re.compile(r"\A(?:\s+|<\?xml[^>]*>|<!--.*?-->)*", re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>")
_UNICODE_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# --- WARC ----------------------------------------------------------------------------------------------------
#: HTTP content types of response records that are cleaned as HTML (a response without one is sniffed).
HTML_CONTENT_TYPES = frozenset(("text/html", "application/xhtml+xml"))
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Document:
    """One document to clean or label.

    Attributes
    ----------
    name:
        How messages name it: the input path, ``-``, or the record id of a JSON Lines or WARC record.
    data:
        The document: bytes (decoded later, with ``encoding_hint``) or text.
    kind:
        How to read it: ``html`` (block lines) or ``text`` (split on newlines).
    source:
        Position of its source among the inputs.
    record_id:
        The record's own id (JSON Lines ``id``, WARC-Record-ID); ``None`` for a plain file.
    encoding_hint:
        An encoding known from outside the document (the HTTP charset of a WARC response).
    url:
        The WARC-Target-URI of a WARC record.
    """

    name: str
    data: bytes | str
    kind: DocumentKind
    source: int = 0
    record_id: str | int | None = None
    encoding_hint: str | None = None
    url: str | None = None

    @property
    def key(self) -> str | int:
        """What output records call it: the record id, or the input name of a plain file."""
        return self.name if self.record_id is None else self.record_id


@dataclass(frozen=True, slots=True)
class InputFailure:
    """A document, or the rest of a source, that could not be read: ``name`` says which, ``reason`` why."""

    name: str
    reason: str
    source: int = 0


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a path or ``-``, and how it is read.

    Attributes
    ----------
    name:
        The path as given, or ``-``.
    format:
        How it is read (see :data:`SourceFormat`).
    index:
        Its position among the inputs.
    """

    name: str
    format: SourceFormat
    index: int = 0

    @property
    def is_container(self) -> bool:
        """Whether it holds many documents (JSON Lines, WARC)."""
        return self.format in CONTAINER_FORMATS

    @property
    def stem(self) -> str:
        """Base name of its output file: see :func:`output_stem`."""
        return output_stem(self.name)


def output_stem(name: str) -> str:
    """The output file stem of an input: its file name without a compression suffix and one format suffix.

    ``a.html`` and ``a.html.gz`` -> ``a``; ``www.example.com.html`` -> ``www.example.com``; ``-`` -> ``stdin``.
    """
    if name == STDIN_NAME:
        return STDIN_STEM
    path = Path(name)
    if path.suffix.lower() in COMPRESSION_SUFFIXES:
        path = path.with_suffix("")
    return path.stem or path.name


def _format_suffix(name: str) -> str:
    path = Path(name)
    if path.suffix.lower() in COMPRESSION_SUFFIXES:
        path = path.with_suffix("")
    return path.suffix.lower()


def source_format(name: str, input_format: InputFormat) -> SourceFormat:
    """How to read an input: ``auto`` reads ``.jsonl`` and ``.warc`` / ``.wet`` names (optionally ``.gz``) as
    containers and sniffs the kind of anything else (stdin included); other formats are taken as given."""
    if input_format != "auto":
        return input_format
    suffix = _format_suffix(name) if name != STDIN_NAME else ""
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in WARC_SUFFIXES:
        return "warc"
    return "sniff"


def sources(names: list[str], input_format: InputFormat) -> list[Source]:
    """The inputs as :class:`Source` objects, in order."""
    return [Source(name, source_format(name, input_format), index) for index, name in enumerate(names)]


def _sample_text(data: bytes | str, sample: int) -> str:
    if isinstance(data, str):
        return data[:sample].lstrip("\ufeff")
    head = data[:sample]
    for bom, codec in _UNICODE_BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    # Tags are ASCII in every encoding the sniffer cares about; latin-1 maps every byte, so it never fails.
    return head.decode("latin-1")


def sniff_kind(
    data: bytes | str,
    *,
    sample: int = SNIFF_BYTES_DEFAULT,
    min_tags: int = SNIFF_MIN_TAGS_DEFAULT,
    min_tag_share: float = SNIFF_MIN_TAG_SHARE_DEFAULT,
) -> DocumentKind:
    """Tell an HTML document from plain text by its first bytes.

    HTML when, after a byte-order mark, whitespace, an XML prolog and comments, the document starts with
    ``<!doctype``, ``<html``, ``<head`` or ``<body`` (any case), or when the first ``sample`` characters hold at
    least ``min_tags`` tags covering at least ``min_tag_share`` of their non-whitespace characters; text
    otherwise (a text that mentions ``<div>`` once stays text).
    """
    head = _sample_text(data, sample)
    noise = _LEADING_NOISE.match(head)
    start = head[noise.end() if noise else 0 :].lower()
    if start.startswith(HTML_START_MARKERS):
        return "html"
    tags = _TAG.findall(head)
    visible = len("".join(head.split()))
    if len(tags) >= min_tags and visible and sum(len(t) for t in tags) / visible >= min_tag_share:
        return "html"
    return "text"


class GzipStream(io.RawIOBase):
    """Read-only decompression of a (multi-member) gzip stream that ends at the first damage instead of
    raising: the data decompressed before it is returned, and :attr:`error` says what was wrong.

    Parameters
    ----------
    raw:
        The compressed stream.
    chunk_bytes:
        Compressed bytes read per call.
    """

    def __init__(self, raw: IO[bytes], chunk_bytes: int = GZIP_READ_CHUNK_BYTES) -> None:
        super().__init__()
        self._raw = raw
        self._chunk_bytes = chunk_bytes
        self._decompressor = zlib.decompressobj(_GZIP_WBITS)
        self._pending = bytearray()
        self._input = b""  # compressed bytes read but not yet decompressed
        self._in_member = False
        self._done = False
        #: Compressed bytes read so far.
        self.compressed_offset = 0
        #: Decompressed bytes returned so far.
        self.offset = 0
        #: What was wrong with the stream, if it ended at damage.
        self.error: str | None = None

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.offset

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            self._fill()
        view = memoryview(buffer).cast("B")
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        del self._pending[:size]
        self.offset += size
        return size

    def _fill(self) -> None:
        """Decompress at most :data:`GZIP_OUTPUT_CHUNK_BYTES` more (memory stays bounded whatever the ratio)."""
        if not self._input:
            chunk = self._raw.read(self._chunk_bytes)
            if not chunk:
                if self._in_member:
                    self.error = f"truncated gzip stream (ends after {self.compressed_offset} compressed bytes)"
                self._done = True
                return
            self.compressed_offset += len(chunk)
            self._input = chunk
        data, self._input = self._input, b""
        if not self._in_member and not data.strip(b"\x00"):
            return  # zero padding after the last member, as some writers leave it
        try:
            self._pending += self._decompressor.decompress(data, GZIP_OUTPUT_CHUNK_BYTES)
        except zlib.error as exc:
            self.error = f"corrupt gzip data (before compressed byte {self.compressed_offset}): {exc}"
            self._done = True
            return
        self._in_member = True
        if self._decompressor.eof:
            self._input = self._decompressor.unused_data
            self._decompressor = zlib.decompressobj(_GZIP_WBITS)
            self._in_member = False
        else:
            self._input = self._decompressor.unconsumed_tail


def open_binary(stream: IO[bytes]) -> tuple[IO[bytes], GzipStream | None]:
    """A stream's bytes, decompressed when they start with the gzip magic; the :class:`GzipStream` too (to ask
    it about damage at the end), or ``None`` when the stream is not compressed."""
    buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream)
    if buffered.peek(len(GZIP_MAGIC))[: len(GZIP_MAGIC)] != GZIP_MAGIC:
        return buffered, None
    gz = GzipStream(buffered)
    return io.BufferedReader(gz), gz


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
                yield from _read_warc(source, stream, max_page_bytes)
            else:
                yield _read_plain(source, stream, max_page_bytes)
    except OSError as exc:  # a read error: what was yielded stands, the rest of the source is lost
        yield InputFailure(source.name, f"read error: {_os_reason(exc)}", source.index)


def _too_large(max_page_bytes: int) -> str:
    from chromecut.segment.limits import too_large_message

    return too_large_message(max_page_bytes)


def _read_plain(source: Source, stream: IO[bytes], max_page_bytes: int | None = None) -> Document | InputFailure:
    data_stream, gz = open_binary(stream)
    data = data_stream.read() if max_page_bytes is None else data_stream.read(max_page_bytes + 1)
    if max_page_bytes is not None and len(data) > max_page_bytes:
        return InputFailure(source.name, _too_large(max_page_bytes), source.index)
    if gz is not None and gz.error:
        return InputFailure(source.name, gz.error, source.index)
    kind: DocumentKind = "html" if source.format == "html" else "text"
    if source.format == "sniff":
        kind = sniff_kind(data)
    return Document(source.name, data, kind, source.index)


def _jsonl_document(source: Source, name: str, line: bytes) -> Document | InputFailure:
    """One JSON Lines record ``{"id": str | int, "html" | "text": str}`` as a document, or why it is not one."""
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
    return Document(str(record_id), page, kind, source.index, record_id=record_id)


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
            yield InputFailure(f"{source.name}:{number}", _too_large(max_page_bytes), source.index)
        elif line.strip():
            yield _jsonl_document(source, f"{source.name}:{number}", line)
    if gz is not None and gz.error:
        yield InputFailure(source.name, gz.error, source.index)


def _charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _read_warc(
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
                yield InputFailure(record_id, _too_large(max_page_bytes), source.index)
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


def decode_http_payload(payload: bytes, content_encoding: str | None, transfer_encoding: str | None) -> bytes:
    """An HTTP payload as the server meant it: chunked transfer coding removed, then ``gzip`` / ``deflate``
    content coding undone. Raises ``ValueError`` for a coding it cannot undo or a corrupt payload."""
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        payload = _dechunk(payload)
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]):
        if coding == "identity":
            continue
        wbits = {"gzip": _GZIP_WBITS, "x-gzip": _GZIP_WBITS, "deflate": zlib.MAX_WBITS}.get(coding)
        if wbits is None:
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
        try:
            payload = zlib.decompress(payload, wbits)
        except zlib.error:
            if coding != "deflate":
                raise ValueError(f"corrupt {coding} payload") from None
            try:  # servers often send raw deflate without the zlib header
                payload = zlib.decompress(payload, -zlib.MAX_WBITS)
            except zlib.error:
                raise ValueError("corrupt deflate payload") from None
    return payload


def _dechunk(payload: bytes) -> bytes:
    """Undo HTTP chunked transfer coding; a payload that is not chunked after all is returned as it is."""
    out = bytearray()
    position = 0
    while position < len(payload):
        end = payload.find(b"\r\n", position)
        if end < 0:
            return payload
        try:
            size = int(payload[position:end].split(b";")[0].strip(), 16)
        except ValueError:
            return payload
        if size == 0:
            return bytes(out)
        out += payload[end + 2 : end + 2 + size]
        position = end + 2 + size + 2
    return bytes(out)
