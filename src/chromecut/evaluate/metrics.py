"""The token-level scores every comparison uses: shingle P/R/F1 against full-text gold, snippet scores.

Text is compared by tokens (:func:`tokenize`), not characters, so whitespace, punctuation, entity and quote
differences do not matter; a full-text extraction is scored on multisets of 4-token shingles, the field's usual
measure (dragnet, CleanEval, WCXB). The same tokenizer places lines in the gold when labelling
(:mod:`chromecut.labels`), so a line the labels call content is content by the score too.

This module imports nothing from chromecut: labelling, training, evaluation and benchmarks all use it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

#: Shingle length of the token-level score (the field's usual 4-gram shingles).
SHINGLE_DEFAULT = 4

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"'})


def normalise(text: str) -> str:
    """Entity-unescaped, NFKC-folded, case-folded text with typographic quotes made plain."""
    return unicodedata.normalize("NFKC", html.unescape(text)).translate(_QUOTES).casefold()


def tokenize(text: str) -> list[str]:
    """Word tokens of normalised text; each CJK character is a token of its own."""
    return _TOKEN.findall(normalise(text))


def shingles(tokens: Sequence[str], n: int = SHINGLE_DEFAULT) -> Counter[tuple[str, ...]]:
    """The multiset of token n-grams; a text shorter than ``n`` tokens is one shingle of all its tokens."""
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1."""

    precision: float
    recall: float
    f1: float


def prf(true_positive: float, predicted: float, actual: float) -> PRF:
    """P/R/F1 from counts, with the field's conventions for empty sides (both empty is a perfect score)."""
    if predicted == 0 and actual == 0:
        return PRF(1.0, 1.0, 1.0)
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def shingle_prf(predicted: str, gold: str, n: int = SHINGLE_DEFAULT) -> PRF:
    """Token-level P/R/F1 of an extraction against the gold text, on multisets of ``n``-token shingles."""
    pred, ref = shingles(tokenize(predicted), n), shingles(tokenize(gold), n)
    overlap = sum((pred & ref).values())
    return prf(overlap, sum(pred.values()), sum(ref.values()))


def snippet_score(predicted: str, with_snippets: Sequence[str], without_snippets: Sequence[str]) -> PRF:
    """Snippet gold: recall = share of must-snippets kept, precision = share of must-not snippets dropped."""
    text = " ".join(tokenize(predicted))
    kept = sum(1 for s in with_snippets if " ".join(tokenize(s)) in text)
    dropped = sum(1 for s in without_snippets if " ".join(tokenize(s)) not in text)
    recall = kept / len(with_snippets) if with_snippets else 1.0
    precision = dropped / len(without_snippets) if without_snippets else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)
