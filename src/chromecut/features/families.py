"""The context-free feature families of a line's text: one function per family, each reading a
:class:`~chromecut.features.batch.LineBatch` and returning named columns. Both modes compute them (the markup
families are in :mod:`chromecut.features.markup`, the pattern family in :mod:`chromecut.features.patterns`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd
import stopwordsiso

from chromecut.features.batch import (
    ALPHA,
    CJK,
    COMMA,
    DIGIT,
    MAX_CODEPOINT,
    PUNCT,
    SENT_END,
    SPACE,
    UPPER,
    Array,
    LineBatch,
    char_table,
    page_reduce,
    safe_ratio,
)
from chromecut.features.frame import source_pages
from chromecut.features.keywords import COPYRIGHT_SYMBOLS, KEYWORDS

#: Keyword families describe widget headings and short chrome lines; in longer prose they are noise.
KEYWORD_MAX_CHARS_DEFAULT = 120
#: Languages whose stopwords count towards stopword density (the datasets' languages and their neighbours).
STOPWORD_LANGUAGES_DEFAULT = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "hr", "cs", "sv", "ru", "zh")
#: Closing quotes and brackets: a line that ends with one after a full stop still ends a sentence.
_CLOSING_CHARS = "\"'”’»)]）」"


@cache
def _stopwords(languages: tuple[str, ...]) -> tuple[frozenset[str], npt.NDArray[np.bool_]]:
    """Stopword set (from the ``stopwordsiso`` package's lists) and a table of single-character CJK stopwords."""
    words = frozenset(w.casefold() for w in stopwordsiso.stopwords(list(languages)))
    cjk = np.zeros(MAX_CODEPOINT, dtype=np.bool_)
    for w in words:
        if len(w) == 1 and char_table()[ord(w)] & CJK:
            cjk[ord(w)] = True
    return words, cjk


def length_features(batch: LineBatch) -> dict[str, Array]:
    """Characters, words and mean word length."""
    chars = batch.length.astype(np.float64)
    space = (batch.flags & SPACE) > 0
    word_start = ~space & np.concatenate([[True], space[:-1]]) if batch.flags.size else space
    words = batch.per_line(word_start)
    nonspace = batch.per_line(~space)
    return {
        "chars": chars, "log_chars": np.log1p(chars), "words": words, "mean_word_len": safe_ratio(nonspace, words),
    }


def position_features(batch: LineBatch, chars: Array) -> dict[str, Array]:
    """Where the line sits: relative index, distance from both ends, share of text before it, and signed
    distance to the page's longest line (prose clusters around it)."""
    index = batch.index_in_page().astype(np.float64)
    count = batch.page_size[batch.page].astype(np.float64)
    total = page_reduce(batch, chars, "sum")
    cumulative = np.cumsum(chars)
    before = cumulative - chars - (cumulative - chars)[batch.page_start][batch.page]
    longest = np.zeros(len(batch.page_size), dtype=np.float64)
    if batch.n:
        order = np.lexsort((-chars, batch.page))  # per page, longest first
        longest = (order[batch.page_start] - batch.page_start).astype(np.float64)
    return {
        "rel_index": safe_ratio(index, count - 1),
        "log_from_start": np.log1p(index),
        "log_from_end": np.log1p(count - 1 - index),
        "text_before_share": safe_ratio(before, total),
        "to_longest": (index - longest[batch.page]) / count if batch.n else index,
        "log_page_lines": np.log1p(count),
    }


def _word_chars(batch: LineBatch) -> npt.NDArray[np.bool_]:
    """The code points of ``joined`` that belong to word tokens: letters and digits that are not CJK."""
    flags = batch.flags
    word_char: npt.NDArray[np.bool_] = ((flags & (ALPHA | DIGIT)) > 0) & ((flags & CJK) == 0)
    return word_char


def _token_starts(word_char: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    starts = word_char & ~np.concatenate([[False], word_char[:-1]]) if word_char.size else word_char
    return np.flatnonzero(starts)


def word_token_starts(batch: LineBatch) -> npt.NDArray[np.int64]:
    """Offset in ``joined`` of each word token of :func:`word_tokens` (the same tokens, in the same order)."""
    return _token_starts(_word_chars(batch))


def word_tokens(batch: LineBatch) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Lower-cased word tokens of the batch (letters and digits; CJK text counts by character elsewhere) and
    the line of each token."""
    word_char = _word_chars(batch)
    token_starts = _token_starts(word_char)
    joined = batch.joined
    lowered = joined.lower()
    # lower() maps a character to one or more: when the lengths agree, every offset still holds, and the
    # tokens are the lowered text with every other character made a space, split (in C) on the spaces.
    if len(lowered) == len(joined):
        codepoints = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        spaced = np.where(word_char, codepoints, np.uint32(ord(" ")))
        tokens = spaced.tobytes().decode("utf-32-le", "surrogatepass").split()
    else:
        ends = np.flatnonzero(word_char & ~np.append(word_char[1:], False)) + 1
        tokens = [joined[s:e].lower() for s, e in zip(token_starts.tolist(), ends.tolist(), strict=True)]
    return tokens, batch.line_of(token_starts)


def keyword_features(
    batch: LineBatch, tokens: list[str], token_line: npt.NDArray[np.int64],
    max_chars: int = KEYWORD_MAX_CHARS_DEFAULT,
) -> dict[str, Array]:
    """One flag per keyword family, on lines short enough to be a widget heading or a chrome line.

    Phrases match whole word tokens in a row (so "share" is not found in "shareholder"); CJK phrases match
    as substrings on lines that hold CJK characters; copyright symbols by their own pattern.
    """
    flags = np.zeros((len(KEYWORDS.names), batch.n))
    short_line = batch.length <= max_chars
    token_lines = token_line.tolist()
    single, multi = KEYWORDS.single, KEYWORDS.multi
    # Only the tokens that start a phrase of some family are looked at (a set test per token, in C).
    opens_phrase = np.fromiter(map(KEYWORDS.first_words.__contains__, tokens), dtype=np.bool_, count=len(tokens))
    opens_phrase &= short_line[token_line]  # long lines get no keyword flags (cleared below): not worth a look
    for position in np.flatnonzero(opens_phrase).tolist():
        token = tokens[position]
        families = single.get(token)
        if families is not None:
            flags[families, token_lines[position]] = 1.0
        candidates = multi.get(token)
        if candidates is not None:
            line = token_lines[position]
            for words, family in candidates:
                end = position + len(words)
                if end <= len(tokens) and token_lines[end - 1] == line and tuple(tokens[position:end]) == words:
                    flags[family, line] = 1.0
    if KEYWORDS.cjk is not None and batch.n:
        for row in np.flatnonzero((batch.count(CJK) > 0) & short_line).tolist():
            for match in KEYWORDS.cjk.finditer(batch.texts[row]):
                flags[int(str(match.lastgroup)[1:]), row] = 1.0
    starts = np.fromiter((m.start() for m in COPYRIGHT_SYMBOLS.finditer(batch.joined)), dtype=np.int64)
    flags[KEYWORDS.family_index("copyright"), batch.line_of(starts)] = 1.0
    flags[:, ~short_line] = 0.0
    return {f"kw_{name}": flags[i] for i, name in enumerate(KEYWORDS.names)}


def stopword_features(
    batch: LineBatch, tokens: list[str], token_line: npt.NDArray[np.int64],
    languages: tuple[str, ...] = STOPWORD_LANGUAGES_DEFAULT,
) -> dict[str, Array]:
    """Share of tokens that are stopwords (prose is full of them, chrome has few); CJK counts by character."""
    words, cjk_table = _stopwords(languages)
    is_stop = np.fromiter(map(words.__contains__, tokens), dtype=np.bool_, count=len(tokens))
    stops = np.bincount(token_line[is_stop], minlength=batch.n).astype(np.float64)[: batch.n]
    n_tokens = np.bincount(token_line, minlength=batch.n).astype(np.float64)[: batch.n]
    cjk_chars = batch.count(CJK)
    cjk_stops = batch.per_line(cjk_table[batch.codepoints]) if batch.n else np.zeros(0)
    total = n_tokens + cjk_chars
    stop_total = stops + cjk_stops
    return {"tokens": total, "stopwords": stop_total, "stop_density": safe_ratio(stop_total, total)}


def character_features(batch: LineBatch, chars: Array) -> dict[str, Array]:
    """Punctuation, digit, upper-case and letter ratios; sentence ending, sentence count and commas."""
    alpha = batch.count(ALPHA)
    flags = batch.flags
    space_next = np.append((flags[1:] & SPACE) > 0, True) if flags.size else flags.astype(bool)
    sentence_breaks = batch.per_line(((flags & SENT_END) > 0) & space_next)
    # The last character of a line that is not a closing quote or bracket (a quoted sentence still ends one).
    last = np.maximum(batch.char_start + batch.length - 1, 0)
    closing = np.array([ord(c) for c in _CLOSING_CHARS], dtype=np.uint32)
    last_is_closing = np.isin(batch.codepoints[last], closing) if batch.n else np.zeros(0, dtype=bool)
    last = np.where(last_is_closing & (batch.length > 1), last - 1, last)
    ends = ((flags[last] & SENT_END) > 0) & (batch.length > 0) if batch.n else np.zeros(0, dtype=bool)
    return {
        "punct_ratio": safe_ratio(batch.count(PUNCT), chars),
        "digit_ratio": safe_ratio(batch.count(DIGIT), chars),
        "alpha_ratio": safe_ratio(alpha, chars),
        "upper_ratio": safe_ratio(batch.count(UPPER), alpha),
        "cjk_ratio": safe_ratio(batch.count(CJK), chars),
        "ends_sentence": ends.astype(np.float64),
        "sentences": sentence_breaks + 1.0,
        "commas": batch.count(COMMA),
    }


def page_features(batch: LineBatch, chars: Array, stop_density: Array) -> dict[str, Array]:
    """A line's length and stopword density relative to its page."""
    if batch.n == 0:
        return {k: np.zeros(0) for k in ("chars_rel_max", "chars_rel_median", "chars_rank", "stop_density_rel")}
    order = np.lexsort((chars, batch.page))
    rank = np.empty(batch.n, dtype=np.float64)
    rank[order] = np.arange(batch.n) - batch.page_start[batch.page[order]] + 1
    return {
        "chars_rel_max": safe_ratio(chars, page_reduce(batch, chars, "max")),
        "chars_rel_median": safe_ratio(chars, page_reduce(batch, chars, "median")),
        "chars_rank": rank / batch.page_size[batch.page],
        "stop_density_rel": stop_density - page_reduce(batch, stop_density, "mean"),
    }


def normalised_lines(batch: LineBatch) -> list[str]:
    """The key under which repeated lines are counted: lower case, digits masked, whitespace folded."""
    if not batch.n:
        return []
    # Digits (category Nd, as the regex \d) masked on the code points; lower() never turns anything into a
    # digit or a newline, so masking first is the same and the keys line up with the lines.
    masked = np.where((batch.flags & DIGIT) > 0, np.uint32(ord("0")), batch.codepoints)
    text = masked.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass").lower()
    # str.split() and the regex \s agree on whitespace: runs fold to one space, none at either end.
    return [" ".join(line.split()) for line in text.split("\n")]


def repetition_features(
    batch: LineBatch, frame: pd.DataFrame, keys: list[str], line_frequency: dict[str, int], leave_one_out: bool
) -> dict[str, Array]:
    """How often the same line text repeats: on other pages of the same site in the batch, and in the corpus
    the featurizer was fitted on (pages seen, log-scaled)."""
    # A dict lookup per line: pandas' Series.map would turn the whole table into a Series on every call.
    corpus = np.fromiter((line_frequency.get(k, 0) for k in keys), dtype=np.float64, count=len(keys))
    if leave_one_out:
        # A fitted page counts itself once; without this, training rows would never show zero.
        corpus = np.maximum(corpus - 1.0, 0.0)
    site = np.full(batch.n, np.nan)
    if "domain" in frame and batch.n:
        table = pd.DataFrame({"domain": frame["domain"].to_numpy(), "key": keys, "page": source_pages(frame)})
        pages_per_site = table.groupby("domain", sort=False)["page"].transform("nunique").to_numpy(np.float64)
        pages_with = table.groupby(["domain", "key"], sort=False)["page"].transform("nunique").to_numpy(np.float64)
        site = np.where(pages_per_site > 1, (pages_with - 1.0) / np.maximum(pages_per_site - 1.0, 1.0), np.nan)
    return {"repeat_corpus": np.log1p(corpus), "repeat_site": site}
