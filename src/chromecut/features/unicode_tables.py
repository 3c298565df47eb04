"""The per-code-point tables that depend only on the Unicode database and Python's string and ``re`` code, shipped
precomputed in ``unicode_tables.npz`` next to this module, so that the Rust featurizer's first use in a process
reads them in milliseconds instead of scanning all 1.1M code points for seconds (:mod:`chromecut.features.native`).

Each table is a pure function of ``unicodedata.unidata_version`` and the Python minor version (``str.lower``,
``str.casefold``, NFKD, ``re``'s ``\\w``, ``\\d``, ``\\s`` and ``re.IGNORECASE``); the file records both, and a
process whose key differs computes the tables itself (:func:`compute_tables`, the definitions) instead. Nothing
of chromecut's own (word lists, regexes, thresholds, character sets) is in the file: those are read from their
modules whenever a featurizer is built. ``python -m chromecut.features.unicode_tables`` regenerates the file; a
test regenerates the tables and checks that they equal the shipped file's, so the file cannot drift.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
import sys
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: One past the last Unicode code point: the size of the per-code-point tables.
MAX_CODEPOINT = 0x110000
#: The shipped file of precomputed tables.
TABLE_FILE = Path(__file__).with_name("unicode_tables.npz")
#: The key entries of the file (they are not tables): the Unicode and Python versions it was computed with.
KEY_ENTRIES = ("unidata_version", "python_version")
_GREEK_CAPITAL_SIGMA = "\u03a3"
_GREEK_FINAL_SIGMA = "\u03c2"
#: Every table name, in the file's order.
TABLE_NAMES = (
    "category", "category_names", "isspace_spans", "isdigit_spans", "word_spans", "digit_spans", "space_spans",
    "lower_sources", "lower_offsets", "lower_targets", "sigma_cased", "sigma_ignorable",
    "case_sources", "case_offsets", "case_targets",
    "casefold_sources", "casefold_offsets", "casefold_targets", "nfkd_sources", "nfkd_offsets", "nfkd_targets",
    "combining", "compositions",
)
Tables = dict[str, npt.NDArray[Any]]


def table_key() -> dict[str, str]:
    """What the tables depend on: the Unicode database version and the Python minor version."""
    return {"unidata_version": unicodedata.unidata_version, "python_version": f"{sys.version_info[0]}."
            f"{sys.version_info[1]}"}


@cache
def every_code_point() -> str:
    """Every code point in order, surrogates included (one string, decoded from UTF-32 in one call)."""
    return np.arange(MAX_CODEPOINT, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")


def flag_spans(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint32]:
    """The runs of true flags as flat ``[start, end)`` pairs."""
    edges = np.flatnonzero(np.diff(np.concatenate([[False], flags, [False]]).astype(np.int8)))
    return edges.astype(np.uint32)


def regex_spans(pattern: str, flags: int = 0, text: str | None = None) -> npt.NDArray[np.uint32]:
    """The code points one-character ``pattern`` matches, as flat ``[start, end)`` pairs."""
    found = [m.span() for m in re.finditer(f"(?:{pattern})+", every_code_point() if text is None else text, flags)]
    return np.asarray(found, dtype=np.uint32).reshape(-1)


def _predicate_spans(predicate: Any, chars: list[str]) -> npt.NDArray[np.uint32]:
    return flag_spans(np.fromiter(map(predicate, chars), dtype=np.bool_, count=len(chars)))


def _map_table(function: Any, chars: list[str], prefix: str) -> Tables:
    """A per-code-point string function as the code points it changes, target offsets and targets."""
    sources: list[int] = []
    offsets = [0]
    targets: list[int] = []
    for char, mapped in zip(chars, map(function, chars), strict=True):
        if mapped != char:
            sources.append(ord(char))
            targets.extend(map(ord, mapped))
            offsets.append(len(targets))
    return {f"{prefix}_sources": np.asarray(sources, dtype=np.uint32),
            f"{prefix}_offsets": np.asarray(offsets, dtype=np.uint32),
            f"{prefix}_targets": np.asarray(targets, dtype=np.uint32)}


def _lower_tables(chars: list[str]) -> Tables:
    """``str.lower`` of every code point that it changes, and the two classes of its final-sigma rule: cased and
    not case-ignorable, and case-ignorable (found by lowering probes, so they are exactly the ones Python uses)."""
    tables = _map_table(str.lower, chars, "lower")
    probes = [c for c in chars if c != "\n"]
    # "XΣ" ends in a final sigma when X is cased and not case-ignorable; "AXΣ" when X is either (A is cased).
    alone = "\n".join(c + _GREEK_CAPITAL_SIGMA for c in probes).lower().split("\n")
    after_a = "\n".join("A" + c + _GREEK_CAPITAL_SIGMA for c in probes).lower().split("\n")
    codes = np.fromiter(map(ord, probes), dtype=np.int64, count=len(probes))
    first = np.fromiter((s[-1] == _GREEK_FINAL_SIGMA for s in alone), dtype=np.bool_, count=len(probes))
    second = np.fromiter((s[-1] == _GREEK_FINAL_SIGMA for s in after_a), dtype=np.bool_, count=len(probes))
    cased = np.zeros(MAX_CODEPOINT, dtype=np.bool_)
    ignorable = np.zeros(MAX_CODEPOINT, dtype=np.bool_)
    cased[codes[first]] = True
    ignorable[codes[second & ~first]] = True
    return {**tables, "sigma_cased": flag_spans(cased), "sigma_ignorable": flag_spans(ignorable)}


def _case_tables() -> Tables:
    """Every code point that ``re.IGNORECASE`` matches to a code point, where that is more than the code point
    itself (sources, target offsets, sorted targets): ``re``'s own rule (``re._compiler``), where a cased literal
    matches every character whose ``re`` lower case is its lower case or one of that lower case's extra cases
    (``re._casefix``), and an uncased literal only itself."""
    extra: dict[int, tuple[int, ...]] = re._casefix._EXTRA_CASES  # type: ignore[attr-defined]
    by_lower: dict[int, list[int]] = {}
    for cp in range(MAX_CODEPOINT):
        by_lower.setdefault(_sre.unicode_tolower(cp), []).append(cp)
    sources: list[int] = []
    offsets = [0]
    targets: list[int] = []
    for cp in range(MAX_CODEPOINT):
        if not _sre.unicode_iscased(cp):
            continue
        low = _sre.unicode_tolower(cp)
        matched = sorted({m for key in (low, *extra.get(low, ())) for m in by_lower.get(key, ())})
        if matched != [cp]:
            sources.append(cp)
            targets.extend(matched)
            offsets.append(len(targets))
    return {"case_sources": np.asarray(sources, dtype=np.uint32), "case_offsets": np.asarray(offsets, dtype=np.uint32),
            "case_targets": np.asarray(targets, dtype=np.uint32)}


def _normalisation_tables(chars: list[str]) -> Tables:
    """NFKC as tables: each code point's NFKD, the combining classes and the canonical compositions."""
    ccc = [(ord(c), unicodedata.combining(c)) for c in chars if unicodedata.combining(c)]
    pairs: list[tuple[int, int, int]] = []
    for char in chars:
        decomposed = unicodedata.normalize("NFD", char)
        if decomposed == char:
            continue
        cp = ord(char)
        parts = unicodedata.decomposition(char).split()
        if parts and not parts[0].startswith("<") and len(parts) == 2:  # a canonical pair
            first, second = int(parts[0], 16), int(parts[1], 16)
        elif len(decomposed) in (2, 3) and 0xAC00 <= cp <= 0xD7A3:  # Hangul: LV = L + V, LVT = LV + T
            first, second = ord(unicodedata.normalize("NFC", decomposed[:-1])), ord(decomposed[-1])
        else:
            continue
        if unicodedata.normalize("NFC", chr(first) + chr(second)) == char:  # not excluded from composition
            pairs.append((first, second, cp))
    return {
        **_map_table(str.casefold, chars, "casefold"),
        **_map_table(lambda c: unicodedata.normalize("NFKD", c), chars, "nfkd"),
        "combining": np.asarray(ccc, dtype=np.uint32).reshape(-1, 2),
        "compositions": np.asarray(pairs, dtype=np.uint32).reshape(-1, 3),
    }


def compute_tables() -> Tables:
    """Every table from its definition (seconds: the slow path, for a process whose key the file does not match,
    and for the generator)."""
    text = every_code_point()
    chars = list(text)
    names = sorted({unicodedata.category(c) for c in chars})
    index = {name: i for i, name in enumerate(names)}
    category = np.fromiter((index[unicodedata.category(c)] for c in chars), dtype=np.uint8, count=len(chars))
    tables: Tables = {
        "category": category,
        "category_names": np.asarray(names, dtype=np.str_),
        "isspace_spans": _predicate_spans(str.isspace, chars),
        "isdigit_spans": _predicate_spans(str.isdigit, chars),
        "word_spans": regex_spans(r"\w", text=text),
        "digit_spans": regex_spans(r"\d", text=text),
        "space_spans": regex_spans(r"\s", text=text),
        **_lower_tables(chars),
        **_case_tables(),
        **_normalisation_tables(chars),
    }
    return {name: tables[name] for name in TABLE_NAMES}


def read_tables(path: Path | None = None) -> Tables | None:
    """The tables of a file (the shipped :data:`TABLE_FILE` when ``None``), or ``None`` when it is missing,
    unreadable, incomplete or keyed to another Unicode or Python version than this process's."""
    path = TABLE_FILE if path is None else path
    try:
        with np.load(path, allow_pickle=False) as stored:
            key = {name: str(stored[name]) for name in KEY_ENTRIES}
            if key != table_key():
                return None
            return {name: stored[name] for name in TABLE_NAMES}
    except (OSError, KeyError, ValueError):
        return None


def write_tables(path: Path | None = None) -> None:
    """Compute the tables and write them with this process's key (compressed) to ``path``, the shipped
    :data:`TABLE_FILE` when ``None``."""
    path = TABLE_FILE if path is None else path
    arrays: dict[str, Any] = {name: np.asarray(value) for name, value in table_key().items()}
    arrays.update(compute_tables())
    np.savez_compressed(path, **arrays)


@cache
def tables() -> Tables:
    """The tables: the shipped file's when its key is this process's, else computed (once per process)."""
    stored = read_tables()
    return stored if stored is not None else compute_tables()


@cache
def case_equivalents() -> dict[int, tuple[int, ...]]:
    """The code points ``re.IGNORECASE`` matches to each code point that matches more than itself."""
    found = tables()
    sources, offsets, targets = found["case_sources"], found["case_offsets"], found["case_targets"]
    return {int(cp): tuple(int(t) for t in targets[offsets[i]:offsets[i + 1]]) for i, cp in enumerate(sources)}


def main() -> None:
    """Regenerate the shipped file (``python -m chromecut.features.unicode_tables [path]``)."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else TABLE_FILE
    write_tables(path)
    print(f"wrote {path} ({path.stat().st_size} bytes, key {table_key()})")


if __name__ == "__main__":
    main()
