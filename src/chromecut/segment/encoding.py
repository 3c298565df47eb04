"""Decode page bytes to text: byte-order mark, declared charset, UTF-8 validity, then detection.

The order matters. A BOM is unambiguous. Bytes that are valid UTF-8 and hold non-ASCII are UTF-8 even when
the page declares something else (a lying ``<meta charset>`` is common on old pages). Otherwise the declared
charset wins when it decodes cleanly, then charset-normalizer's guess, then cp1252 with replacement, so
decoding never raises and never drops bytes silently (undecodable bytes become U+FFFD).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

#: How far into the document a ``<meta charset>`` declaration is looked for (the HTML standard says 1024
#: bytes; real pages put it later, behind long comments or scripts).
META_SNIFF_BYTES_DEFAULT = 8192
#: How many bytes charset-normalizer sees; detection on a prefix is as good and bounded in time.
DETECT_SAMPLE_BYTES_DEFAULT = 65536
#: Last resort: a single-byte codec that maps every byte.
FALLBACK_ENCODING = "cp1252"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""", re.IGNORECASE)
# Labels that pages declare but Python spells differently, or that the WHATWG encoding standard maps to a
# superset (browsers decode "latin-1" and "ascii" as windows-1252, "gb2312" as gb18030).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "tis-620": "cp874",
    "x-user-defined": "cp1252",
    "unicode": "utf-8",
    "utf8": "utf-8",
}


def normalise_encoding_name(label: str | None) -> str | None:
    """Return a Python codec name for an encoding label, or ``None`` when Python knows no such codec."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_encoding(data: bytes, sniff_bytes: int = META_SNIFF_BYTES_DEFAULT) -> str | None:
    """The charset a document declares in a ``<meta>`` tag or an XML prolog, normalised, if any."""
    head = data[:sniff_bytes]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return normalise_encoding_name(match.group(1).decode("ascii")) if match else None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(
    data: bytes,
    hint: str | None = None,
    *,
    sniff_bytes: int = META_SNIFF_BYTES_DEFAULT,
    detect_sample_bytes: int = DETECT_SAMPLE_BYTES_DEFAULT,
) -> tuple[str, str]:
    """Decode ``data`` and say which codec was used.

    Parameters
    ----------
    data:
        The raw bytes of an HTML page or a text file.
    hint:
        An encoding known from outside the bytes (an HTTP header, a dataset's wrapper); tried after the BOM
        and UTF-8, before the in-document declaration.
    sniff_bytes, detect_sample_bytes:
        How much of the document the declaration search and the detector read.

    Returns
    -------
    (text, codec)
        The decoded text (never raises; undecodable bytes become U+FFFD) and the codec name.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            return text, codec
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return utf8, "utf-8"
    for label in (normalise_encoding_name(hint), declared_encoding(data, sniff_bytes)):
        if label and label != "utf-8":
            decoded = _strict(data, label)
            if decoded is not None:
                return decoded, label
    guess = from_bytes(data[:detect_sample_bytes]).best()
    if guess is not None and guess.encoding:
        codec = normalise_encoding_name(guess.encoding) or FALLBACK_ENCODING
        return data.decode(codec, errors="replace"), codec
    declared = declared_encoding(data, sniff_bytes)
    codec = declared or FALLBACK_ENCODING
    return data.decode(codec, errors="replace"), codec


def decode_text(data: bytes, hint: str | None = None) -> str:
    """:func:`decode_bytes` without the codec name."""
    return decode_bytes(data, hint)[0]
