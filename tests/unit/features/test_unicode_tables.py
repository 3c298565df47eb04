"""The precomputed Unicode tables (``chromecut/features/unicode_tables.npz``): equal to their definitions (the
file cannot drift from this Python's Unicode database), read only under their key, computed when it differs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from chromecut.features import native, unicode_tables
from chromecut.features.batch import ALPHA, CJK, COMMA, DIGIT, PUNCT, SENT_END, SPACE, UPPER, char_table

#: Code points whose ``re.IGNORECASE`` equivalents are checked against ``re`` itself, beyond the ones the
#: featurizer's patterns name: the ASCII letters, the dotted and dotless i, the long s, the Kelvin and Ångström
#: signs, the sigmas, the sharp s, a title-case digraph, Cherokee, Deseret and an uncased letter.
_CASE_PROBES = (*range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1), 0x130, 0x131, 0x17F, 0x212A,
                0x212B, 0x3A3, 0x3C2, 0x3C3, 0xDF, 0x1E9E, 0x1C5, 0x13A0, 0xAB70, 0x10400, 0x05D0)


@pytest.fixture()
def fresh_tables() -> Iterator[None]:
    """The module's per-process caches emptied before and after the test."""
    unicode_tables.tables.cache_clear()
    unicode_tables.case_equivalents.cache_clear()
    yield
    unicode_tables.tables.cache_clear()
    unicode_tables.case_equivalents.cache_clear()


def test_the_shipped_file_equals_the_tables_computed_now() -> None:
    shipped = unicode_tables.read_tables()
    if shipped is None:
        pytest.skip(f"the shipped tables are keyed to another Python or Unicode version than "
                    f"{unicode_tables.table_key()} (regenerate: python -m chromecut.features.unicode_tables)")
    computed = unicode_tables.compute_tables()
    assert sorted(shipped) == sorted(computed) == sorted(unicode_tables.TABLE_NAMES)
    for name in unicode_tables.TABLE_NAMES:
        assert shipped[name].dtype == computed[name].dtype, name
        np.testing.assert_array_equal(shipped[name], computed[name], err_msg=name)


def test_a_file_of_another_key_is_not_read_and_the_tables_are_computed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_tables: None
) -> None:
    stale = tmp_path / "tables.npz"
    shipped = unicode_tables.read_tables()
    tables = shipped if shipped is not None else unicode_tables.compute_tables()
    np.savez(stale, unidata_version="1.0.0", python_version="2.7", **tables)
    assert unicode_tables.read_tables(stale) is None
    monkeypatch.setattr(unicode_tables, "TABLE_FILE", stale)
    computed: unicode_tables.Tables = {"marker": np.zeros(1)}
    monkeypatch.setattr(unicode_tables, "compute_tables", lambda: computed)
    assert unicode_tables.tables() is computed


def test_a_missing_or_broken_file_is_not_read(tmp_path: Path) -> None:
    assert unicode_tables.read_tables(tmp_path / "missing.npz") is None
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    assert unicode_tables.read_tables(broken) is None
    incomplete = tmp_path / "incomplete.npz"
    np.savez(incomplete, **unicode_tables.table_key())
    assert unicode_tables.read_tables(incomplete) is None


def test_the_case_equivalents_are_re_ignorecase() -> None:
    named: set[int] = set()
    for plan in (native.regex_plan(), native.attr_plan(), native.kind_plan()):
        named.update(plan.codes)
    text = unicode_tables.every_code_point()
    for cp in sorted(named | set(_CASE_PROBES)):
        expected = tuple(sorted({ord(c) for c in re.findall(re.escape(chr(cp)), text, re.IGNORECASE)}))
        assert native._case_equivalents(chr(cp)) == expected, hex(cp)


def test_the_char_table_is_its_definition() -> None:
    """The vectorised class table against the definition, one code point at a time."""
    cjk_blocks = ((0x3040, 0x30FF), (0x3400, 0x9FFF), (0xF900, 0xFAFF), (0xAC00, 0xD7AF))
    expected = np.zeros(unicode_tables.MAX_CODEPOINT, dtype=np.uint8)
    for cp, char in enumerate(unicode_tables.every_code_point()):
        category = unicodedata.category(char)
        flags = 0
        if char.isspace():
            flags = SPACE
        elif category[0] == "L":
            flags = ALPHA | (UPPER if category == "Lu" else 0)
            flags |= CJK if any(low <= cp <= high for low, high in cjk_blocks) else 0
        elif category == "Nd":
            flags = DIGIT
        elif category[0] in "PS":
            flags = PUNCT
        expected[cp] = flags
    for char in ".!?。！？…":
        expected[ord(char)] |= SENT_END
    for char in ",，、;；":
        expected[ord(char)] |= COMMA
    np.testing.assert_array_equal(char_table(), expected)
