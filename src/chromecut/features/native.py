"""Text-mode features in Rust (``chromecut._core.TextFeaturizer``, core/src/features/): the same columns as the
Python families, computed for a whole batch with the GIL released; :class:`~chromecut.features.Featurizer` uses
it in text mode with ``engine="rust"``.

Python stays the one source of truth for everything the features read, handed to Rust once per featurizer
(:func:`build`): the character classes (:func:`~chromecut.features.batch.char_table`, and ``re``'s ``\\w``,
``\\d``, ``\\s``), ``str.lower`` with its final sigma, the keyword, stopword and byline lists, the thresholds,
the corpus line-frequency table, and the pattern regexes, translated from Python's own parse of them
(:class:`RegexPlan`, :func:`rust_regex`) for the Rust ``regex`` crate. Building the tables takes about a second,
once per process."""

from __future__ import annotations

import re
import weakref
from functools import cache
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut import _core
from chromecut.features import context, families, featurizer, keywords, sections
from chromecut.features.batch import MAX_CODEPOINT, LineBatch, char_table, string_list
from chromecut.features.frame import SOURCE_COLUMN

_GREEK_CAPITAL_SIGMA = "\u03a3"
_GREEK_FINAL_SIGMA = "\u03c2"


@cache
def _every_code_point() -> str:
    return "".join(map(chr, range(MAX_CODEPOINT)))


def _spans(pattern: str, flags: int = 0) -> npt.NDArray[np.uint32]:
    """The code points one-character ``pattern`` matches, as flat ``[start, end)`` pairs."""
    found = [m.span() for m in re.finditer(f"(?:{pattern})+", _every_code_point(), flags)]
    return np.asarray(found, dtype=np.uint32).reshape(-1)


@cache
def _case_equivalents(char: str) -> tuple[int, ...]:
    """Every code point that ``re`` matches to ``char`` under ``re.IGNORECASE``."""
    return tuple(sorted({ord(c) for c in re.findall(re.escape(char), _every_code_point(), re.IGNORECASE)}))


@cache
def _lower_tables() -> dict[str, npt.NDArray[np.uint32]]:
    """``str.lower`` of every code point that it changes (sources, target offsets, targets), and the two classes
    of its final-sigma rule: cased and not case-ignorable, and case-ignorable (found by lowering probes, so they
    are exactly the ones Python uses)."""
    chars = [chr(cp) for cp in range(MAX_CODEPOINT) if cp != ord("\n")]
    lowered = "\n".join(chars).lower().split("\n")
    sources: list[int] = []
    offsets = [0]
    targets: list[int] = []
    for char, low in zip(chars, lowered, strict=True):
        if low != char:
            sources.append(ord(char))
            targets.extend(map(ord, low))
            offsets.append(len(targets))
    # "XΣ" ends in a final sigma when X is cased and not case-ignorable; "AXΣ" when X is either (A is cased).
    alone = "\n".join(c + _GREEK_CAPITAL_SIGMA for c in chars).lower().split("\n")
    after_a = "\n".join("A" + c + _GREEK_CAPITAL_SIGMA for c in chars).lower().split("\n")
    cased = np.zeros(MAX_CODEPOINT, dtype=np.bool_)
    ignorable = np.zeros(MAX_CODEPOINT, dtype=np.bool_)
    codes = np.fromiter(map(ord, chars), dtype=np.int64, count=len(chars))
    first = np.fromiter((s[-1] == _GREEK_FINAL_SIGMA for s in alone), dtype=np.bool_, count=len(chars))
    second = np.fromiter((s[-1] == _GREEK_FINAL_SIGMA for s in after_a), dtype=np.bool_, count=len(chars))
    cased[codes[first]] = True
    ignorable[codes[second & ~first]] = True
    return {
        "lower_sources": np.asarray(sources, dtype=np.uint32),
        "lower_offsets": np.asarray(offsets, dtype=np.uint32),
        "lower_targets": np.asarray(targets, dtype=np.uint32),
        "sigma_cased": _flag_spans(cased),
        "sigma_ignorable": _flag_spans(ignorable),
    }


def _flag_spans(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint32]:
    edges = np.flatnonzero(np.diff(np.concatenate([[False], flags, [False]]).astype(np.int8)))
    return edges.astype(np.uint32)


#: The patterns of the pattern family found on the code points, not by a regex.
_CODE_POINT_PATTERNS = ("separator", "list_marker")


# --- Python regexes -> the Rust regex crate -----------------------------------------------------------------
#
# The regexes run on an ASCII stand-in text, where the `regex` crate's fast DFAs apply (its Unicode `\b` would
# send every line with a non-ASCII character to its slow engines) and where its ASCII classes are Python's:
# every character maps to bytes of its own Python class (`\w`, `\d`, `\s`, none of them). ASCII characters stay
# themselves; a non-ASCII character that a pattern names (after `re.IGNORECASE`) becomes a code of its own (a
# marker byte, then a fixed number of body bytes, all of the character's word class); any other character
# becomes the stand-in byte of its class. The ASCII letters and control bytes used for the stand-ins and codes
# are ones no pattern names, and stand themselves for the generic word or other byte, so they appear in the text
# only as stand-ins and codes.

#: Stand-ins: the word, digit and space bytes of characters no pattern names, and the generic other byte.
_WORD_BYTE, _SPACE_BYTE, _OTHER_BYTE = ord("_"), 0x0B, 0x01
#: Code alphabets (marker, body bytes), each used only for codes: word characters, other characters.
_WORD_CODE = (ord("q"), (ord("x"), ord("X")))
_DIGIT_BYTE = ord("Q")
_OTHER_CODE = (0x02, (0x03, 0x04))
_CODE_BODY = 5


def _walk(pattern: Any, ignore_case: bool, found: set[int]) -> None:
    """Collect every code point a pattern names (its literals and class members, case variants included)."""
    for op, av in pattern:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL"):
            found.update(_case_codes(av, ignore_case))
        elif name == "IN":
            for item_op, item in av:
                if str(item_op) == "LITERAL":
                    found.update(_case_codes(item, ignore_case))
                elif str(item_op) == "RANGE":
                    for code in range(item[0], item[1] + 1):
                        found.update(_case_codes(code, ignore_case))
        elif name == "BRANCH":
            for branch in av[1]:
                _walk(branch, ignore_case, found)
        elif name == "SUBPATTERN":
            _, add_flags, del_flags, sub = av
            _walk(sub, (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE, found)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            _walk(av[2], ignore_case, found)


def _case_codes(code: int, ignore_case: bool) -> tuple[int, ...]:
    return _case_equivalents(chr(code)) if ignore_case else (code,)


def _parse(pattern: str, flags: int) -> tuple[Any, bool]:
    parsed = sre_parser.parse(pattern, flags)
    if parsed.state.flags & (re.MULTILINE | re.DOTALL | re.VERBOSE | re.ASCII):
        raise ValueError("no Rust translation of the flags MULTILINE, DOTALL, VERBOSE or ASCII")
    return parsed, bool(parsed.state.flags & re.IGNORECASE)


class RegexPlan:
    """The stand-in text's bytes for every named character, and the patterns for it (see the comment above)."""

    def __init__(self, patterns: list[tuple[str, int]]) -> None:
        named: set[int] = set()
        for pattern, flags in patterns:
            parsed, ignore_case = _parse(pattern, flags)
            _walk(parsed, ignore_case, named)
        reserved = {_WORD_BYTE, _SPACE_BYTE, _OTHER_BYTE, _DIGIT_BYTE, _WORD_CODE[0], *_WORD_CODE[1], _OTHER_CODE[0],
                    *_OTHER_CODE[1]}
        clash = sorted(chr(c) for c in named & (reserved - {_SPACE_BYTE}))
        if clash:
            raise ValueError(f"the patterns name the stand-in bytes {clash}: choose others in native.py")
        word = re.compile(r"\w")
        self.codes: dict[int, bytes] = {}
        counters = {True: 0, False: 0}
        for code in sorted(c for c in named if c >= 0x80):
            is_word = bool(word.fullmatch(chr(code)))
            marker, body = _WORD_CODE if is_word else _OTHER_CODE
            index = counters[is_word]
            counters[is_word] += 1
            digits = [body[(index // len(body) ** k) % len(body)] for k in range(_CODE_BODY)]
            if index >= len(body) ** _CODE_BODY:
                raise ValueError("too many named characters for the stand-in codes")
            self.codes[code] = bytes([marker, *digits])
        # ASCII stays itself, but for the bytes kept for stand-ins and codes.
        ascii_map = bytearray(range(0x80))
        for byte in (_DIGIT_BYTE, _WORD_CODE[0], *_WORD_CODE[1]):
            ascii_map[byte] = _WORD_BYTE
        for byte in (_OTHER_CODE[0], *_OTHER_CODE[1]):
            ascii_map[byte] = _OTHER_BYTE
        self.ascii = bytes(ascii_map)

    def translate(self, pattern: str, flags: int = 0) -> str:
        """``pattern`` for the Rust ``regex`` crate (bytes, ``unicode(false)``) on the stand-in text."""
        parsed, ignore_case = _parse(pattern, flags)
        return self._emit(parsed, ignore_case)

    def _bytes(self, code: int) -> bytes:
        if code < 0x80:
            return bytes([self.ascii[code]])
        if code not in self.codes:
            raise ValueError(f"{chr(code)!r} has no stand-in code: the plan was made for other patterns")
        return self.codes[code]

    def _alternatives(self, codes: list[int], negate: bool = False, raw: tuple[int, ...] = ()) -> str:
        """Any of the characters ``codes`` (or of the stand-in bytes ``raw``), as bytes of the stand-in text."""
        single = sorted({self._bytes(c)[0] for c in codes if len(self._bytes(c)) == 1} | set(raw))
        multi = sorted({self._bytes(c) for c in codes if len(self._bytes(c)) > 1})
        if negate:
            if multi:
                raise ValueError("no Rust translation of a negated class of non-ASCII characters")
            return "[^" + "".join(f"\\x{b:02x}" for b in single) + "]"
        parts = ["[" + "".join(f"\\x{b:02x}" for b in single) + "]"] if single else []
        parts += ["".join(f"\\x{b:02x}" for b in seq) for seq in multi]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    def _category(self, category: str) -> tuple[int, ...]:
        """The stand-in bytes of a class (Python's on ASCII, with the stand-ins of its non-ASCII members)."""
        if category == "CATEGORY_DIGIT":
            return (*range(ord("0"), ord("9") + 1), _DIGIT_BYTE)
        if category == "CATEGORY_SPACE":
            return tuple(c for c in range(0x80) if chr(c).isspace())
        if category == "CATEGORY_WORD":
            return tuple(c for c in range(0x80) if chr(c).isalnum() or c == _WORD_BYTE)
        raise ValueError(f"no Rust translation of the category {category}")

    def _emit(self, pattern: Any, ignore_case: bool) -> str:
        out = []
        for op, av in pattern:
            name = str(op)
            if name == "LITERAL":
                out.append(self._alternatives(list(_case_codes(av, ignore_case))))
            elif name == "NOT_LITERAL":
                out.append(self._alternatives(list(_case_codes(av, ignore_case)), negate=True))
            elif name == "IN":
                out.append(self._class(av, ignore_case))
            elif name == "BRANCH":
                out.append("(?:" + "|".join(self._emit(branch, ignore_case) for branch in av[1]) + ")")
            elif name == "SUBPATTERN":
                _, add_flags, del_flags, sub = av
                case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
                if (add_flags | del_flags) & ~(re.IGNORECASE | re.UNICODE):
                    raise ValueError("no Rust translation of inline flags other than (?i)")
                out.append("(?:" + self._emit(sub, case) + ")")
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                low, high, sub = av
                bound = f"{{{low},}}" if high == sre_constants.MAXREPEAT else f"{{{low},{high}}}"
                out.append("(?:" + self._emit(sub, ignore_case) + ")" + bound + ("?" if name == "MIN_REPEAT" else ""))
            elif name == "AT" and str(av) in ("AT_BOUNDARY", "AT_NON_BOUNDARY"):
                out.append(r"\b" if str(av) == "AT_BOUNDARY" else r"\B")
            else:
                raise ValueError(f"no Rust translation of {name} {av}")
        return "".join(out)

    def _class(self, items: list[tuple[Any, Any]], ignore_case: bool) -> str:
        negate = False
        codes: list[int] = []
        raw: list[int] = []
        for op, av in items:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                codes.extend(_case_codes(av, ignore_case))
            elif name == "RANGE":
                for code in range(av[0], av[1] + 1):
                    codes.extend(_case_codes(code, ignore_case))
            elif name == "CATEGORY":
                raw.extend(self._category(str(av)))
            else:
                raise ValueError(f"no Rust translation of {name} in a class")
        return self._alternatives(codes, negate, tuple(raw))


def _regex_sources() -> list[tuple[str, int]]:
    sources = [(body, int(flags)) for name, (body, _, flags) in keywords.PATTERN_SOURCES.items()
               if name not in _CODE_POINT_PATTERNS]
    return [*sources, (keywords.COPYRIGHT_SYMBOLS.pattern, int(keywords.COPYRIGHT_SYMBOLS.flags))]


@cache
def regex_plan() -> RegexPlan:
    """The stand-in plan of the pattern family's regexes and the copyright symbols."""
    return RegexPlan(_regex_sources())


def rust_regex(pattern: str, flags: int = 0) -> str:
    """``pattern`` (Python ``re`` syntax and semantics) for the Rust ``regex`` crate, on the stand-in text of
    :func:`regex_plan` (``pattern`` must be one of the patterns it was made for).

    Raises ``ValueError`` for a construct without a translation (look-around, anchors, back-references), so a
    pattern that changes cannot drift silently.
    """
    return regex_plan().translate(pattern, flags)


# --- The Rust featurizer of a Python one --------------------------------------------------------------------

@cache
def _shared_spec() -> dict[str, Any]:
    """What every Rust featurizer reads that does not depend on its parameters (built once per process)."""
    regexes = [
        (name, rust_regex(body, flags), name in keywords.DIGIT_PATTERNS)
        for name, (body, _, flags) in keywords.PATTERN_SOURCES.items() if name not in _CODE_POINT_PATTERNS
    ]
    kw = keywords.KEYWORDS
    return {
        "char_flags": char_table(),
        "word_spans": _spans(r"\w"),
        "digit_spans": _spans(r"\d"),
        "space_spans": _spans(r"\s"),
        "regex_ascii": regex_plan().ascii,
        "regex_codes": sorted(regex_plan().codes.items()),
        "regex_stand_ins": bytes([_WORD_BYTE, _DIGIT_BYTE, _SPACE_BYTE, _OTHER_BYTE]),
        **_lower_tables(),
        "pattern_names": list(keywords.PATTERNS),
        "pattern_regexes": regexes,
        "copyright_regex": rust_regex(keywords.COPYRIGHT_SYMBOLS.pattern, keywords.COPYRIGHT_SYMBOLS.flags),
        "keyword_families": list(kw.names),
        "keyword_single": [(word, list(fams)) for word, fams in kw.single.items()],
        "keyword_multi": [(list(words), family) for candidates in kw.multi.values() for words, family in candidates],
        "keyword_cjk": [(family, list(phrases)) for family, phrases in kw.cjk_phrases.items()],
        "separator_chars": keywords.SEPARATOR_CHARS,
        "bullet_chars": keywords.BULLET_CHARS,
        "list_indent_chars": keywords.LIST_INDENT_CHARS,
        "list_number_end_chars": keywords.LIST_NUMBER_END_CHARS,
        "closing_chars": families._CLOSING_CHARS,
        "byline_words": sorted(keywords.BYLINE_WORDS),
        "byline_cjk_prefixes": list(keywords.BYLINE_CJK_PREFIXES),
        "byline_cjk_colons": keywords.BYLINE_CJK_COLONS,
        "prose_min_words": context.PROSE_MIN_WORDS,
        "neighbour_offsets": list(context.NEIGHBOUR_OFFSETS),
        "context_half_windows": list(context.CONTEXT_HALF_WINDOWS),
        "heading_max_words": sections.HEADING_MAX_WORDS_DEFAULT,
        "heading_max_chars": sections.HEADING_MAX_CHARS_DEFAULT,
        "headline_max_words": sections.HEADLINE_MAX_WORDS_DEFAULT,
        "headline_max_chars": sections.HEADLINE_MAX_CHARS_DEFAULT,
        "title_case_min_share": sections.TITLE_CASE_MIN_SHARE_DEFAULT,
        "run_similar_length": sections.RUN_SIMILAR_LENGTH_DEFAULT,
        "main_min_tokens": sections.MAIN_MIN_TOKENS_DEFAULT,
        "main_max_gap": sections.MAIN_MAX_GAP_DEFAULT,
        "only_number_max_letters": sections.ONLY_NUMBER_MAX_LETTERS_DEFAULT,
        "meta_max_words": sections.META_MAX_WORDS_DEFAULT,
        "byline_max_words": sections.BYLINE_MAX_WORDS_DEFAULT,
        "byline_word_positions": sections.BYLINE_WORD_POSITIONS,
    }


@cache
def _stopword_spec(languages: tuple[str, ...]) -> tuple[list[str], npt.NDArray[np.uint32]]:
    words, cjk = families._stopwords(languages)
    return sorted(words), np.flatnonzero(cjk).astype(np.uint32)


def build(fitted: featurizer.Featurizer) -> _core.TextFeaturizer:
    """The Rust featurizer of a text-mode :class:`~chromecut.features.Featurizer` (fitted or not)."""
    stopwords, cjk_stopwords = _stopword_spec(tuple(fitted.stopword_languages))
    frequency = getattr(fitted, "line_frequency_", {})
    sections_on = bool(fitted.section_features)
    bases = [*featurizer._NEIGHBOUR_BASE_TEXT, *(featurizer._NEIGHBOUR_BASE_SECTIONS if sections_on else ())]
    names = getattr(fitted, "feature_names_", None) or fitted.output_names()
    return _core.TextFeaturizer(
        {
            **_shared_spec(),
            "names": list(names),
            "keyword_max_chars": int(fitted.keyword_max_chars),
            "stopwords": stopwords,
            "cjk_stopwords": cjk_stopwords,
            "section_features": sections_on,
            "neighbour_bases": bases,
            "frequency_keys": [key.encode("utf-8", "surrogatepass") for key in frequency],
            "frequency_counts": np.fromiter(frequency.values(), dtype=np.int64, count=len(frequency)),
        }
    )


#: One Rust featurizer per Python one, with what it was built from: rebuilt when the Python one is fitted again
#: (new table and names objects, kept alive here so their identities cannot be reused) or its parameters change.
_Built = tuple[object, object, dict[str, Any], _core.TextFeaturizer]
_BUILT: weakref.WeakKeyDictionary[featurizer.Featurizer, _Built] = weakref.WeakKeyDictionary()


def _native(fitted: featurizer.Featurizer) -> _core.TextFeaturizer:
    frequency, names = getattr(fitted, "line_frequency_", None), getattr(fitted, "feature_names_", None)
    params = fitted.get_params()
    built = _BUILT.get(fitted)
    if built is None or built[0] is not frequency or built[1] is not names or built[2] != params:
        built = (frequency, names, params, build(fitted))
        _BUILT[fitted] = built
    return built[3]


def _codes(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def text_features(
    fitted: featurizer.Featurizer, frame: pd.DataFrame, leave_one_out: bool, dtype: type[np.floating[Any]] = np.float32
) -> npt.NDArray[np.floating[Any]]:
    """The text-mode feature matrix of a line frame, columns in ``feature_names_`` order (else every feature)."""
    texts = string_list(frame["text"])
    pages = LineBatch.from_frame(frame, with_text=False)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    domain = _codes(frame["domain"].to_numpy()) if "domain" in frame else None
    # Without a source column each document is its own source page: its page number is its code.
    source = _codes(frame[SOURCE_COLUMN].to_numpy()) if SOURCE_COLUMN in frame else pages.page
    return _native(fitted).features(
        "\n".join(texts), lengths, pages.page_size, source, domain=domain, leave_one_out=leave_one_out,
        float64=dtype is np.float64,
    )
