"""Byte decoding: BOM, UTF-8 validity, hint, declaration, detection, and never raising."""

from __future__ import annotations

import pytest

from chromecut.segment.encoding import declared_encoding, decode_bytes, normalise_encoding_name


@pytest.mark.parametrize(
    ("label", "codec"),
    [("UTF8", "utf-8"), ("iso-8859-1", "cp1252"), ("GB2312", "gb18030"), ("Shift_JIS", "cp932"), ("nope", None)],
)
def test_labels_map_to_python_codecs_as_browsers_read_them(label: str, codec: str | None) -> None:
    assert normalise_encoding_name(label) == codec


def test_declarations_are_found_in_meta_tags_and_xml_prologs() -> None:
    assert declared_encoding(b'<meta http-equiv="content-type" content="text/html; charset=windows-1251">') == "cp1251"
    assert declared_encoding(b"<?xml version='1.0' encoding='ISO-8859-2'?><html>") == "iso8859-2"
    assert declared_encoding(b"<html><body>no declaration</body></html>") is None


def test_a_hint_from_outside_decodes_undeclared_legacy_bytes() -> None:
    data = "Zażółć gęślą jaźń".encode("iso-8859-2")
    assert decode_bytes(data, hint="iso-8859-2") == ("Zażółć gęślą jaźń", "iso8859-2")


def test_undecodable_bytes_become_replacement_characters_and_nothing_is_dropped() -> None:
    text, _ = decode_bytes(b"\x81\x8d\x8f\x90\x9d ok")
    assert text.endswith("ok") and len(text) >= len(" ok") + 1
