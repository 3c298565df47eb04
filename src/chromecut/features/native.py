"""Features in Rust (``chromecut._core.TextFeaturizer``, core/src/features/), text and HTML mode, computed for a
whole batch with the GIL released: the one implementation, which :class:`~chromecut.features.Featurizer` runs
at training and inference alike (the golden files of the tests hold its contract).

Python stays the one source of truth for everything the features read, handed to Rust once per featurizer
(:func:`build`): the character classes (:func:`~chromecut.features.batch.char_table`, and ``re``'s ``\\w``,
``\\d``, ``\\s``), ``str.lower`` with its final sigma, the keyword, stopword and byline lists, the thresholds,
the corpus line-frequency table, and the pattern regexes, translated from Python's own parse of them
(:class:`RegexPlan`, :func:`rust_regex`) for the Rust ``regex`` crate. In HTML mode also (:func:`_html_spec`): the
tag vocabulary and landmark flags, the class/id word families and the kinds' groups (whole-word regexes on a
stand-in text of their own, :func:`attr_plan`), and with the kind features their thresholds, phrase lists, tag
and character sets and text regexes (searched line by line, :func:`kind_plan`), and the tables of the scores'
tokenizer (:func:`chromecut.evaluate.metrics.tokenize`: ``html``'s entities, ``unicodedata``'s NFKC,
``casefold``). The per-code-point tables that only Unicode and Python define (classes, ``str.lower``,
``re.IGNORECASE``'s case equivalents, NFKD, ``casefold``) come precomputed from
:mod:`~chromecut.features.unicode_tables` (computed when the shipped file's Unicode or Python version is not this
process's); the rest is read from the modules, so a featurizer is built in about a tenth of a second, once per
process and parameters."""

from __future__ import annotations

import dataclasses
import html
import html.entities
import re
import weakref
from functools import cache, lru_cache
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut import _core
from chromecut.evaluate import metrics
from chromecut.features import context, families, keywords, kinds, markup, sections, unicode_tables, vocab
from chromecut.features.batch import (
    LineBatch,
    char_table,
    factorize_strings,
    numeric_column,
    string_list,
)
from chromecut.features.frame import SOURCE_COLUMN
from chromecut.segment.html import Landmark

if TYPE_CHECKING:
    from chromecut.features.featurizer import Featurizer


def _spans(pattern: str, flags: int = 0) -> npt.NDArray[np.uint32]:
    """The code points one-character ``pattern`` matches, as flat ``[start, end)`` pairs."""
    return unicode_tables.regex_spans(pattern, flags)


def _case_equivalents(char: str) -> tuple[int, ...]:
    """Every code point that ``re`` matches to ``char`` under ``re.IGNORECASE`` (from the Unicode tables)."""
    return unicode_tables.case_equivalents().get(ord(char), (ord(char),))


#: The tables of ``str.lower`` the Rust side reads (see :mod:`chromecut.features.unicode_tables`).
_LOWER_TABLES = ("lower_sources", "lower_offsets", "lower_targets", "sigma_cased", "sigma_ignorable")


def _lower_tables() -> dict[str, npt.NDArray[np.uint32]]:
    """``str.lower`` of every code point that it changes (sources, target offsets, targets), and the two classes
    of its final-sigma rule: cased and not case-ignorable, and case-ignorable."""
    tables = unicode_tables.tables()
    return {name: tables[name] for name in _LOWER_TABLES}


def _map_table(prefix: str) -> dict[str, npt.NDArray[np.uint32]]:
    """A per-code-point string function of the Unicode tables as the code points it changes, target offsets and
    targets."""
    tables = unicode_tables.tables()
    return {part: tables[f"{prefix}_{part}"] for part in ("sources", "offsets", "targets")}


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
#
# Each set of patterns has a plan (stand-in text) of its own, for the letters free for stand-ins differ: the
# pattern family's (:func:`regex_plan`, on the batch's joined lines), the class/id words' (:func:`attr_plan`, on one
# word) and the kinds' (:func:`kind_plan`, on one line, its ASCII letters folded to lower case).

#: Stand-ins: the word, digit and space bytes of characters no pattern names, and the generic other byte.
_WORD_BYTE, _SPACE_BYTE, _OTHER_BYTE = ord("_"), 0x0B, 0x01
#: Code alphabets (marker, body bytes), each used only for codes: word characters, other characters.
_WORD_CODE = (ord("q"), (ord("x"), ord("X")))
_DIGIT_BYTE = ord("Q")
_OTHER_CODE = (0x02, (0x03, 0x04))
_CODE_BODY = 5


def _walk(pattern: Any, ignore_case: bool, found: set[int], sensitive: set[int] | None = None) -> None:
    """Collect every code point a pattern names (its literals and class members, case variants included), and
    in ``sensitive`` the ASCII letters it names case-sensitively."""

    def add(code: int) -> None:
        found.update(_case_codes(code, ignore_case))
        if sensitive is not None and not ignore_case and chr(code).isascii() and chr(code).isalpha():
            sensitive.add(code)

    for op, av in pattern:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL"):
            add(av)
        elif name == "IN":
            for item_op, item in av:
                if str(item_op) == "LITERAL":
                    add(item)
                elif str(item_op) == "RANGE":
                    for code in range(item[0], item[1] + 1):
                        add(code)
        elif name == "BRANCH":
            for branch in av[1]:
                _walk(branch, ignore_case, found, sensitive)
        elif name == "SUBPATTERN":
            _, add_flags, del_flags, sub = av
            case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            _walk(sub, case, found, sensitive)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            _walk(av[2], ignore_case, found, sensitive)


def _case_codes(code: int, ignore_case: bool) -> tuple[int, ...]:
    return _case_equivalents(chr(code)) if ignore_case else (code,)


def _parse(pattern: str, flags: int) -> tuple[Any, bool]:
    parsed = sre_parser.parse(pattern, flags)
    if parsed.state.flags & (re.MULTILINE | re.DOTALL | re.VERBOSE | re.ASCII):
        raise ValueError("no Rust translation of the flags MULTILINE, DOTALL, VERBOSE or ASCII")
    return parsed, bool(parsed.state.flags & re.IGNORECASE)


#: The stand-in bytes of a plan whose text has its ASCII letters folded to lower case (``fold_ascii``), or whose
#: patterns name no upper-case ASCII letter: upper-case letters, free there.
_UPPER_WORD_CODE = (ord("W"), (ord("X"), ord("Y")))
_UPPER_DIGIT_BYTE = ord("Q")


class RegexPlan:
    """The stand-in text's bytes for every named character, and the patterns for it (see the comment above).

    ``fold_ascii``: the stand-in text writes every ASCII letter in lower case, which frees the upper-case letters
    for the stand-ins of patterns that name nearly every letter case-insensitively (the patterns may then name
    ASCII letters only case-insensitively). ``word_code`` and ``digit_byte``: the word characters' code
    alphabet and the digits' stand-in, letters that no pattern names.
    """

    def __init__(self, patterns: list[tuple[str, int]], *, fold_ascii: bool = False,
                 word_code: tuple[int, tuple[int, int]] = _WORD_CODE, digit_byte: int = _DIGIT_BYTE) -> None:
        named: set[int] = set()
        sensitive: set[int] = set()
        for pattern, flags in patterns:
            parsed, ignore_case = _parse(pattern, flags)
            _walk(parsed, ignore_case, named, sensitive)
        if fold_ascii and sensitive:
            letters = sorted(map(chr, sensitive))
            raise ValueError(f"a plan that folds ASCII case needs case-insensitive letters, not {letters}")
        self.word_code, self.digit_byte = word_code, digit_byte
        base = bytearray(range(0x80))
        if fold_ascii:
            for byte in range(ord("A"), ord("Z") + 1):
                base[byte] = byte + (ord("a") - ord("A"))
        reserved = {_WORD_BYTE, _SPACE_BYTE, _OTHER_BYTE, digit_byte, word_code[0], *word_code[1], _OTHER_CODE[0],
                    *_OTHER_CODE[1]}
        clash = sorted(chr(c) for c in named if c < 0x80 and base[c] in reserved - {_SPACE_BYTE})
        if clash:
            raise ValueError(f"the patterns name the stand-in bytes {clash}: choose others in native.py")
        word = re.compile(r"\w")
        self.codes: dict[int, bytes] = {}
        counters = {True: 0, False: 0}
        for code in sorted(c for c in named if c >= 0x80):
            is_word = bool(word.fullmatch(chr(code)))
            marker, body = word_code if is_word else _OTHER_CODE
            index = counters[is_word]
            counters[is_word] += 1
            digits = [body[(index // len(body) ** k) % len(body)] for k in range(_CODE_BODY)]
            if index >= len(body) ** _CODE_BODY:
                raise ValueError("too many named characters for the stand-in codes")
            self.codes[code] = bytes([marker, *digits])
        # ASCII stays itself (or its lower case), but for the bytes kept for stand-ins and codes.
        ascii_map = base
        for byte in (digit_byte, word_code[0], *word_code[1]):
            if ascii_map[byte] == byte:
                ascii_map[byte] = _WORD_BYTE
        for byte in (_OTHER_CODE[0], *_OTHER_CODE[1]):
            ascii_map[byte] = _OTHER_BYTE
        self.ascii = bytes(ascii_map)

    def stand_ins(self) -> bytes:
        """The stand-in bytes of characters no pattern names: word, digit, space, other."""
        return bytes([_WORD_BYTE, self.digit_byte, _SPACE_BYTE, _OTHER_BYTE])

    def spec(self) -> dict[str, Any]:
        """What the Rust side reads to write the stand-in text of this plan."""
        return {"ascii": self.ascii, "codes": sorted(self.codes.items()), "stand_ins": self.stand_ins()}

    def translate(self, pattern: str, flags: int = 0, *, anchors: bool = False) -> str:
        """``pattern`` for the Rust ``regex`` crate (bytes, ``unicode(false)``) on the stand-in text.

        ``anchors``: the pattern is searched in one line at a time (never in lines joined), so ``^`` (the
        text's start) and ``$`` (its end, or before a final newline) translate; a ``$`` is written as an optional
        newline and the end, which finds a match where Python finds one (as long as nothing after the ``$`` needs
        that newline, as in every pattern translated here).
        """
        parsed, ignore_case = _parse(pattern, flags)
        return self._emit(parsed, ignore_case, anchors)

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
            return (*range(ord("0"), ord("9") + 1), self.digit_byte)
        if category == "CATEGORY_SPACE":
            return tuple(c for c in range(0x80) if chr(c).isspace())
        if category == "CATEGORY_WORD":
            return tuple(c for c in range(0x80) if chr(c).isalnum() or c == _WORD_BYTE)
        raise ValueError(f"no Rust translation of the category {category}")

    def _emit(self, pattern: Any, ignore_case: bool, anchors: bool = False) -> str:
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
                out.append("(?:" + "|".join(self._emit(branch, ignore_case, anchors) for branch in av[1]) + ")")
            elif name == "SUBPATTERN":
                _, add_flags, del_flags, sub = av
                case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
                if (add_flags | del_flags) & ~(re.IGNORECASE | re.UNICODE):
                    raise ValueError("no Rust translation of inline flags other than (?i)")
                out.append("(?:" + self._emit(sub, case, anchors) + ")")
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                low, high, sub = av
                bound = f"{{{low},}}" if high == sre_constants.MAXREPEAT else f"{{{low},{high}}}"
                lazy = "?" if name == "MIN_REPEAT" else ""
                out.append("(?:" + self._emit(sub, ignore_case, anchors) + ")" + bound + lazy)
            elif name == "AT" and str(av) in ("AT_BOUNDARY", "AT_NON_BOUNDARY"):
                out.append(r"\b" if str(av) == "AT_BOUNDARY" else r"\B")
            elif name == "AT" and anchors and str(av) in ("AT_BEGINNING", "AT_BEGINNING_STRING"):
                out.append(r"\A")
            elif name == "AT" and anchors and str(av) == "AT_END":
                out.append(r"(?:\n?\z)")
            elif name == "AT" and anchors and str(av) == "AT_END_STRING":
                out.append(r"\z")
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


def _attr_patterns() -> dict[str, re.Pattern[str]]:
    """The class/id word patterns (matched whole): the feature families, then the kinds' groups."""
    return {**{f"family:{name}": p for name, p in keywords.ATTR_FAMILIES.items()},
            **{f"group:{name}": p for name, p in kinds.ATTR_GROUPS.items()}}


def _kind_regexes() -> dict[str, re.Pattern[str]]:
    """The text regexes of the kind evidence (searched line by line), by the name the Rust side reads."""
    date, _, date_flags = keywords.PATTERN_SOURCES["date"]
    time, _, time_flags = keywords.PATTERN_SOURCES["time"]
    return {
        "sentence_end": kinds.SENTENCE_END,
        "byline_opening": kinds.BYLINE_OPENING,
        "caption_credit": kinds.CAPTION_CREDIT,
        "tag_label": kinds.TAG_LABEL,
        "bio_sentence": kinds.BIO_SENTENCE,
        "email": kinds.EMAIL,
        # The definitions, which find exactly the matches of the fast forms in PATTERNS (tested).
        "date": re.compile(date, date_flags),
        "time": re.compile(time, time_flags),
        "copyright": keywords.COPYRIGHT_SYMBOLS,
    }


@cache
def regex_plan() -> RegexPlan:
    """The stand-in plan of the pattern family's regexes and the copyright symbols."""
    return RegexPlan(_regex_sources())


def rust_regex(pattern: str, flags: int = 0, *, anchors: bool = False) -> str:
    """``pattern`` (Python ``re`` syntax and semantics) for the Rust ``regex`` crate, on the stand-in text of
    :func:`regex_plan` (``pattern`` must be one of the patterns it was made for).

    Raises ``ValueError`` for a construct without a translation (look-around, anchors, back-references), so a
    pattern that changes cannot drift silently.
    """
    return regex_plan().translate(pattern, flags, anchors=anchors)


@cache
def attr_plan() -> RegexPlan:
    """The stand-in plan of the class/id word patterns (lower-case words, matched case-sensitively)."""
    return RegexPlan([(p.pattern, int(p.flags)) for p in _attr_patterns().values()], word_code=_UPPER_WORD_CODE,
                     digit_byte=_UPPER_DIGIT_BYTE)


@cache
def kind_plan() -> RegexPlan:
    """The stand-in plan of the kinds' text regexes: case-insensitive, they name nearly every letter, so their
    stand-in text folds ASCII case."""
    return RegexPlan([(p.pattern, int(p.flags)) for p in _kind_regexes().values()], fold_ascii=True,
                     word_code=_UPPER_WORD_CODE, digit_byte=_UPPER_DIGIT_BYTE)


def rust_fullmatch(pattern: re.Pattern[str]) -> str:
    """``pattern.fullmatch`` of a class/id word pattern, as a Rust regex on one word's stand-in text of
    :func:`attr_plan`."""
    return r"\A(?:" + attr_plan().translate(pattern.pattern, int(pattern.flags)) + r")\z"


def rust_line_regex(pattern: re.Pattern[str]) -> str:
    """``pattern.search`` of a kinds' text regex, as a Rust regex on one line's stand-in text of :func:`kind_plan`."""
    return kind_plan().translate(pattern.pattern, int(pattern.flags), anchors=True)


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
        "word_spans": unicode_tables.tables()["word_spans"],
        "digit_spans": unicode_tables.tables()["digit_spans"],
        "space_spans": unicode_tables.tables()["space_spans"],
        "regex_ascii": regex_plan().ascii,
        "regex_codes": sorted(regex_plan().codes.items()),
        "regex_stand_ins": regex_plan().stand_ins(),
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
        "closing_chars": families.CLOSING_CHARS,
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
def _tokenize_spec() -> dict[str, Any]:
    """:func:`chromecut.evaluate.metrics.tokenize` as tables: ``html.unescape``'s entities and character reference
    rules, NFKC (each code point's NFKD, combining classes, the canonical compositions), the quotes, ``casefold``,
    and the two kinds of token (one CJK character, a run of the other word characters)."""
    cjk = metrics._CJK
    if metrics._TOKEN.pattern != rf"[{cjk}]|[^\W_{cjk}]+":
        raise ValueError("metrics._TOKEN changed: update the Rust tokenizer's spec in native.py")
    entities = sorted(html.entities.html5.items())
    return {
        "token_cjk_spans": _spans(f"[{cjk}]"),
        "token_word_spans": _spans(rf"[^\W_{cjk}]"),
        "casefold": _map_table("casefold"),
        "nfkd": _map_table("nfkd"),
        "combining": unicode_tables.tables()["combining"],
        "compositions": unicode_tables.tables()["compositions"],
        "quotes": sorted((int(cp), str(to)) for cp, to in metrics._QUOTES.items()),
        "entity_names": [name for name, _ in entities],
        "entity_values": [value for _, value in entities],
        "invalid_charrefs": sorted(html._invalid_charrefs.items()),  # type: ignore[attr-defined]
        "invalid_codepoints": sorted(html._invalid_codepoints),  # type: ignore[attr-defined]
    }


def _phrases(phrases: kinds.Phrases) -> list[list[str]]:
    """A phrase list as its token runs (the first token, then the rest)."""
    return [[first, *rest] for first, rests in phrases.by_first.items() for rest in rests]


@cache
def _html_spec(kind_features: bool, summary_features: bool) -> dict[str, Any]:
    """What the Rust featurizer reads in HTML mode: the markup families' vocabularies, the class/id word patterns,
    whether the summary family is on and, with ``kind_features``, the kinds' rules' words, phrases, regexes,
    thresholds and the tokenizer."""
    landmarks = [(f"in_{str(flag.name).lower()}", int(flag.value)) for flag in Landmark if flag.value]
    spec: dict[str, Any] = {
        "tag_vocabulary": list(markup.TAG_VOCABULARY),
        "landmark_features": landmarks,
        "attr_regex_text": attr_plan().spec(),
        "attr_families": [(name, rust_fullmatch(p)) for name, p in keywords.ATTR_FAMILIES.items()],
        "title_word_spans": _spans(markup.TITLE_WORD.pattern),
        "summary_features": summary_features,
    }
    if kind_features:
        limits = kinds.LIMITS_DEFAULT
        spec.update({
            "feature_kinds": [(name, kind.value) for name, kind in zip(kinds.KIND_FEATURES, kinds.FEATURE_KINDS,
                                                                       strict=True)],
            "article_features": list(kinds.ARTICLE_FEATURES),
            "kind_limits": {f.name: float(getattr(limits, f.name)) for f in dataclasses.fields(limits)},
            "kind_groups": [(name, rust_fullmatch(p), name not in kinds._NO_NEAREST_RULE)
                            for name, p in kinds.ATTR_GROUPS.items()],
            "kind_content_regex": rust_fullmatch(keywords.ATTR_FAMILIES["content"]),
            "kind_regex_text": kind_plan().spec(),
            "kind_regexes": [(name, rust_line_regex(p)) for name, p in _kind_regexes().items()],
            "kind_phrases": [(name, _phrases(p)) for name, p in (
                ("comment", kinds.COMMENT_TEXT), ("comment_action", kinds.COMMENT_ACTION_TEXT),
                ("bio", kinds.BIO_TEXT), ("promo", kinds.PROMO_TEXT), ("footer", kinds.FOOTER_TEXT),
                ("photo_cues", kinds.PHOTO_CUES))],
            "number_signs": "".join(sorted(kinds.NUMBER_SIGNS)),
            "cell_tags": sorted(kinds.CELL_TAGS),
            "caption_tags": list(kinds.CAPTION_TAGS),
            "credit_sign": kinds.CREDIT_SIGN,
            "email_sign": kinds.EMAIL_SIGN,
            "isdigit_spans": unicode_tables.tables()["isdigit_spans"],
            "kind_landmarks": {
                "site_frame": kinds._SITE_FRAME, "article": kinds._ARTICLE, "header": int(Landmark.HEADER),
                "footer": int(Landmark.FOOTER), "figure": int(Landmark.FIGURE),
            },
            **_tokenize_spec(),
        })
    return spec


def _keyword_forms(plurals: bool) -> dict[str, Any]:
    """The one-word keyword phrases the featurizer matches, their plurals too when ``plurals`` (else the shared
    spec's)."""
    if not plurals:
        return {}
    return {"keyword_single": [(word, families) for word, families in keywords.KEYWORDS.single_with_plurals().items()]}


def build(fitted: Featurizer, *, all_names: bool = False) -> _core.TextFeaturizer:
    """The Rust featurizer of a :class:`~chromecut.features.Featurizer` (fitted or not), text or HTML mode: its
    ``feature_names_`` in their order, or every feature in the output order when unfitted or ``all_names``."""
    stopwords, cjk_stopwords = families.stopwords(tuple(fitted.stopword_languages))
    frequency = getattr(fitted, "line_frequency_", {})
    html_mode = fitted.mode == "html"
    sections_on = bool(fitted.section_features) and not html_mode
    markdown_on = bool(fitted.markdown_features) and not html_mode
    bases = [*context.NEIGHBOUR_BASE_TEXT, *(context.NEIGHBOUR_BASE_HTML if html_mode else ()),
             *(context.NEIGHBOUR_BASE_SECTIONS if sections_on else ()),
             *(context.NEIGHBOUR_BASE_MARKDOWN if markdown_on else ())]
    names = [] if all_names else list(getattr(fitted, "feature_names_", None) or [])
    vocab_on = bool(getattr(fitted, "vocab_features", False))
    table = getattr(fitted, "vocab_", vocab.EMPTY) if vocab_on else vocab.EMPTY
    html = _html_spec(bool(fitted.kind_features), bool(fitted.summary_features)) if html_mode else None
    if html is not None and getattr(fitted, "attr_vocab_features", False):
        html = {**html, "attr_vocab": getattr(fitted, "attr_vocab_", vocab.EMPTY).spec(vocab.ATTR_VOCAB_MAX_WORDS)}
    return _core.TextFeaturizer(
        {
            **_shared_spec(),
            "names": names,
            "keyword_max_chars": int(fitted.keyword_max_chars),
            "stopwords": stopwords,
            "cjk_stopwords": cjk_stopwords,
            "section_features": sections_on,
            "markdown_features": markdown_on,
            "page_word_features": bool(fitted.page_word_features),
            "vocab_features": vocab_on,
            **table.spec(),
            "cjk_prose_words": bool(fitted.cjk_prose_words),
            **_keyword_forms(bool(getattr(fitted, "keyword_plurals", False))),
            "neighbour_bases": bases,
            "frequency_keys": [key.encode("utf-8", "surrogatepass") for key in frequency],
            "frequency_counts": np.fromiter(frequency.values(), dtype=np.int64, count=len(frequency)),
            "html": html,
        }
    )


#: Parameter sets whose unfitted Rust featurizer a process keeps (:func:`unfitted`).
UNFITTED_CACHE_SIZE = 16
_Params = tuple[tuple[str, Any], ...]


def unfitted(fitted: Featurizer) -> _core.TextFeaturizer:
    """The Rust featurizer of ``fitted``'s parameters alone (no frequency table, every feature in the output
    order): what a fit reads (the repetition keys, the feature order), built once per parameters and process."""
    params = fitted.get_params()
    return _unfitted_build(tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(params.items())))


@lru_cache(maxsize=UNFITTED_CACHE_SIZE)
def _unfitted_build(params: _Params) -> _core.TextFeaturizer:
    from chromecut.features.featurizer import Featurizer  # imports this module

    values = dict(params)
    return build(Featurizer(values.pop("mode"), **values), all_names=True)


def output_names(fitted: Featurizer) -> list[str]:
    """Every feature ``fitted``'s mode and parameters produce, in the output order."""
    return list(unfitted(fitted).names)


#: One Rust featurizer per Python one, with what it was built from: rebuilt when the Python one is fitted again
#: (new table, names and vocabulary objects, kept alive here so their identities cannot be reused) or its parameters
#: change.
_Built = tuple[object, object, dict[str, Any], tuple[object, object], _core.TextFeaturizer]
_BUILT: weakref.WeakKeyDictionary[Featurizer, _Built] = weakref.WeakKeyDictionary()


def rust_featurizer(fitted: Featurizer) -> _core.TextFeaturizer:
    """The Rust featurizer of a fitted :class:`~chromecut.features.Featurizer` (its ``feature_names_`` in order),
    built once and rebuilt only when it is fitted again or its parameters change."""
    frequency, names = getattr(fitted, "line_frequency_", None), getattr(fitted, "feature_names_", None)
    params = fitted.get_params()
    built = _BUILT.get(fitted)
    table = (getattr(fitted, "vocab_", None), getattr(fitted, "attr_vocab_", None))
    if (built is None or built[0] is not frequency or built[1] is not names or built[2] != params
            or any(old is not new for old, new in zip(built[3], table, strict=True))):
        built = (frequency, names, params, table, build(fitted))
        _BUILT[fitted] = built
    return built[4]


def _codes(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def markup_columns(frame: pd.DataFrame) -> _core.MarkupColumns:
    """The markup columns of an HTML line frame as the Rust featurizer reads them: numbers as float64 (as
    :func:`~chromecut.features.batch.numeric_column` reads them), strings as codes into the list of the distinct
    ones (``tag`` -1 where missing), ``depth`` also as codes of its values (the container family groups by them),
    ``title`` and ``summary`` ``None`` when the frame has none."""
    tag_codes, tag_values = pd.factorize(frame["tag"], use_na_sentinel=True)
    depth_codes, _ = pd.factorize(frame["depth"], use_na_sentinel=False)
    attr, attr_lists = factorize_strings(string_list(frame["attr_words"]))
    title, titles = factorize_strings(string_list(frame["title"])) if "title" in frame else (None, [])
    summary, summaries = factorize_strings(string_list(frame["summary"])) if "summary" in frame else (None, [])
    return {
        "tag": np.asarray(tag_codes, dtype=np.int64),
        # A tag that is not a string names no tag of the vocabulary, and no cell or caption either.
        "tags": [value if isinstance(value, str) else "" for value in tag_values],
        "heading": numeric_column(frame, "heading"),
        "list_item": numeric_column(frame, "list_item"),
        "depth": numeric_column(frame, "depth"),
        "link_chars": numeric_column(frame, "link_chars"),
        "link_count": numeric_column(frame, "link_count"),
        "landmarks": numeric_column(frame, "landmarks"),
        "depth_code": np.asarray(depth_codes, dtype=np.int64),
        "attr": attr,
        "attr_lists": attr_lists,
        "title": title,
        "titles": titles,
        "summary": summary,
        "summaries": summaries,
    }


def features(
    fitted: Featurizer, frame: pd.DataFrame, leave_one_out: bool, dtype: type[np.floating[Any]] = np.float32
) -> npt.NDArray[np.floating[Any]]:
    """The feature matrix of a line frame (text or HTML mode, as ``fitted``), columns in ``feature_names_`` order
    (else every feature)."""
    texts = string_list(frame["text"])
    pages = LineBatch.from_frame(frame, with_text=False)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    domain = _codes(frame["domain"].to_numpy()) if "domain" in frame else None
    # Without a source column each document is its own source page: its page number is its code.
    source = _codes(frame[SOURCE_COLUMN].to_numpy()) if SOURCE_COLUMN in frame else pages.page
    markup = markup_columns(frame) if fitted.mode == "html" else None
    # The frame the vocabularies were learnt from reads them out of fold (a loaded bundle's have the whole table
    # only).
    tables = [getattr(fitted, name, None) for name in ("vocab_", "attr_vocab_")]
    learnt = leave_one_out and any(table is not None and table.folds > 0 for table in tables)
    folds = vocab.site_folds(frame) if learnt else None
    return rust_featurizer(fitted).features(
        "\n".join(texts), lengths, pages.page_size, source, domain=domain, leave_one_out=leave_one_out,
        float64=dtype is np.float64, markup=markup, vocab_folds=folds,
    )


def line_keys(fitted: Featurizer, frame: pd.DataFrame) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Each line's repetition key (digits masked, lower-cased, whitespace folded: what the corpus line-frequency
    table counts) and its length in code points."""
    texts = string_list(frame["text"])
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    buffer, ends = unfitted(fitted).line_keys("\n".join(texts), lengths)
    starts = np.concatenate(([0], ends[:-1])) if len(ends) else ends
    keys = [buffer[start:end].decode("utf-8", "surrogatepass") for start, end in zip(starts, ends, strict=True)]
    return keys, lengths
