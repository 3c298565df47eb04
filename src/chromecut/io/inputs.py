"""What ``chromecut clean`` and ``chromecut label`` are given: sources, their formats, and the documents in them.

An input (a path or ``-`` for stdin) is a *source*. A plain source (an HTML page or a text file) holds one
document; a container source (JSON Lines, WARC) holds many. Reading a source
(:func:`chromecut.io.readers.read_source`) yields, in order, a :class:`Document` for every document and an
:class:`InputFailure` for every one that cannot be read (a missing file, a broken JSON line, a damaged archive)
without stopping at the first failure: the caller decides what a failure means.

This module holds what every reader shares: the formats and how ``auto`` picks one from a file name, the
HTML sniffer, and gzip. Gzip is recognised by its magic bytes, whatever the file is called, and decompressed by a
reader that stops at the damage of a truncated or corrupt stream instead of raising, so what was readable before
it is not lost.
"""

from __future__ import annotations

import io
import re
import zlib
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
#: zlib ``wbits`` that accepts a gzip header and trailer.
GZIP_WBITS = 16 + zlib.MAX_WBITS

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

# --- Sniffing Markdown from plain text --------------------------------------------------------------------------
#: How much of a text document the Markdown sniffer looks at.
MARKDOWN_SNIFF_CHARS_DEFAULT = 65536
#: A text document is Markdown when its sample holds at least this many of Markdown's own marks ...
MARKDOWN_MIN_MARKS_DEFAULT = 3
#: ... and at least this many of them per non-blank line (a plain dump that quotes a shell comment or one
#: ``**word**`` stays plain text).
MARKDOWN_MIN_MARK_SHARE_DEFAULT = 0.05
#: A link's text holds no bracket and its title no newline, and a title is at most this long: each candidate is
#: read once, so the sniffer stays linear on hostile text (a line of ten thousand ``[``).
MARKDOWN_MAX_TITLE_CHARS = 300
_LINK_TITLE = rf"(?:\s+\"[^\"\n]{{0,{MARKDOWN_MAX_TITLE_CHARS}}}\")?"
#: Marks that plain-text renderers never write: an inline link or image ``[text](target "title")``, strong
#: emphasis ``**words**`` or ``__words__``, and at the start of a line (the text read with a newline before it) an
#: ATX heading ``## Title``, a reference definition ``[id]: target`` or a code fence. List bullets and rules are not
#: among them: plain renderers write those too. One pattern per kind, each led by a literal that the regular
#: expression engine finds fast (one alternation of them all tried every kind at every character, ten times slower).
_MARKDOWN_MARKS = (
    re.compile(r"\[[^\[\]\n]*\]\([^()\s]*" + _LINK_TITLE + r"\)"),
    re.compile(r"\*\*[^*\s][^*\n]*\*\*"),
    re.compile(r"__[^_\s][^_\n]*__"),
)
_MARKDOWN_LINE_MARK = re.compile(r"\n[ \t]{0,3}(?:#{1,6}[ \t]+\S|\[[^\]\n]+\]:[ \t]*\S|```|~~~)")


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
        The WARC-Target-URI of a WARC record, a JSON Lines record's ``url``.
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


def looks_like_markdown(
    data: bytes | str,
    *,
    sample: int = MARKDOWN_SNIFF_CHARS_DEFAULT,
    min_marks: int = MARKDOWN_MIN_MARKS_DEFAULT,
    min_mark_share: float = MARKDOWN_MIN_MARK_SHARE_DEFAULT,
) -> bool:
    """Whether a text document is a Markdown dump (html2text, markdownify, an LLM-era scraper's) rather than
    plain text: its first ``sample`` characters hold at least ``min_marks`` of Markdown's own marks (inline links
    and images, reference definitions, ``#`` headings, strong emphasis, code fences), at least ``min_mark_share``
    of them per non-blank line. The marks are ASCII, so bytes are read as latin-1, as the HTML sniffer reads them.
    """
    head = _sample_text(data, sample)
    marks = sum(1 for pattern in _MARKDOWN_MARKS for _ in pattern.finditer(head))
    marks += sum(1 for _ in _MARKDOWN_LINE_MARK.finditer("\n" + head))
    if marks < min_marks:
        return False
    lines = sum(1 for line in head.splitlines() if line.strip())
    return marks >= min_mark_share * lines


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
        self._decompressor = zlib.decompressobj(GZIP_WBITS)
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
            self._decompressor = zlib.decompressobj(GZIP_WBITS)
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
