"""Gold -> one label per line (content, chrome or unknown).

Full-text gold is aligned to the page's lines by tokens, not characters, so whitespace, punctuation, entity
and quote differences do not matter. Each line proposes the gold offsets its token n-grams vote for; a
weighted monotone chain (a longest-increasing-subsequence over gold offsets) picks, for lines in page order,
the placements that explain most gold tokens in order, which settles text that occurs more than once (a
headline repeated in a breadcrumb and a "Related" list). A second pass lets lines the chain skipped take gold
text no other line claimed, so pages whose order differs from the gold's lose nothing. A line is content when
its aligned coverage reaches ``min_coverage``; the coverage is kept as the line's alignment score.

Snippet gold (must / must-not snippets) labels only the lines a snippet falls on; the rest are unknown.

Tokens come from :func:`chromecut.evaluate.metrics.tokenize`, the tokenizer of the scores, so labels and scores
agree on what a word is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from chromecut.datasets import Gold, GoldKind
from chromecut.evaluate.metrics import PRF, tokenize

#: A line is content when at least this share of its tokens aligns to the gold.
MIN_COVERAGE_DEFAULT = 0.5
#: Token n-gram length used to find where a line sits in the gold.
ANCHOR_NGRAM_DEFAULT = 3
#: How far (in gold tokens) an n-gram hit may drift from a placement and still count for it.
DRIFT_TOKENS_DEFAULT = 8
#: Candidate placements kept per line (the best-voted gold offsets).
MAX_CANDIDATES_DEFAULT = 4
#: An n-gram seen more often than this in the gold is too common to place a line by.
MAX_NGRAM_OCCURRENCES_DEFAULT = 32
#: A skipped line may still take gold text if at least this share of its placement is unclaimed.
MIN_UNCLAIMED_DEFAULT = 0.5


class Label(IntEnum):
    """The label of one line."""

    UNKNOWN = -1
    CHROME = 0
    CONTENT = 1


@dataclass(frozen=True, slots=True)
class LineLabels:
    """Labels of a page's lines, the alignment score of each, and how much of the gold the page explains."""

    labels: npt.NDArray[np.int8]
    scores: npt.NDArray[np.float32]
    gold_coverage: float | None


# ----------------------------------------------------------------------------------------------------------
# Full-text alignment
# ----------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Placement:
    line: int
    offset: int
    length: int
    covered: int


def _ngram_index(gold: Sequence[int], n: int) -> dict[tuple[int, ...], list[int]]:
    index: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for i in range(len(gold) - n + 1):
        index[tuple(gold[i : i + n])].append(i)
    return index


def _placements(
    line: int,
    tokens: Sequence[int],
    indexes: dict[int, dict[tuple[int, ...], list[int]]],
    anchor_ngram: int,
    drift: int,
    max_candidates: int,
    max_occurrences: int,
) -> list[_Placement]:
    """Candidate gold offsets of one line, each with how many of the line's tokens it covers."""
    m = len(tokens)
    n = min(anchor_ngram, m)
    index = indexes[n]
    hits: list[tuple[int, int]] = []  # (offset the hit implies for the line start, position in the line)
    votes: Counter[int] = Counter()
    for j in range(m - n + 1):
        positions = index.get(tuple(tokens[j : j + n]))
        if not positions or len(positions) > max_occurrences:
            continue
        for p in positions:
            hits.append((p - j, j))
            votes[p - j] += 1
    if not hits:
        return []
    placements = []
    for offset, _ in votes.most_common(max_candidates):
        covered = np.zeros(m, dtype=bool)
        for hit_offset, j in hits:
            if abs(hit_offset - offset) <= drift:
                covered[j : j + n] = True
        placements.append(_Placement(line, max(offset, 0), m, int(covered.sum())))
    return placements


class _MaxTree:
    """Fenwick tree over positions answering "best chain score ending at or before position p"."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.score = [0.0] * (size + 1)
        self.item = [-1] * (size + 1)

    def update(self, position: int, score: float, item: int) -> None:
        i = position + 1
        while i <= self.size:
            if score > self.score[i]:
                self.score[i], self.item[i] = score, item
            i += i & -i

    def query(self, position: int) -> tuple[float, int]:
        best, item = 0.0, -1
        i = min(position + 1, self.size)
        while i > 0:
            if self.score[i] > best:
                best, item = self.score[i], self.item[i]
            i -= i & -i
        return best, item


def _monotone_chain(candidates: list[list[_Placement]], gold_len: int, drift: int) -> dict[int, _Placement]:
    """The set of placements, at most one per line, increasing in line and gold offset, of most coverage."""
    tree = _MaxTree(gold_len + 1)
    items: list[_Placement] = []
    back: list[int] = []
    totals: list[float] = []
    for per_line in candidates:
        pending = []
        for placement in per_line:
            # A placement may follow anything that ended before it starts (with some slack for overlap).
            best, prev = tree.query(min(placement.offset + drift, gold_len))
            pending.append((best + placement.covered, prev, placement))
        for total, prev, placement in pending:
            items.append(placement)
            back.append(prev)
            totals.append(total)
            end = min(placement.offset + placement.length, gold_len)
            tree.update(end, total, len(items) - 1)
    if not items:
        return {}
    chosen: dict[int, _Placement] = {}
    k = int(np.argmax(totals))
    while k >= 0:
        chosen[items[k].line] = items[k]
        k = back[k]
    return chosen


def align_lines(
    lines: Sequence[str],
    gold_text: str,
    *,
    min_coverage: float = MIN_COVERAGE_DEFAULT,
    anchor_ngram: int = ANCHOR_NGRAM_DEFAULT,
    drift: int = DRIFT_TOKENS_DEFAULT,
    max_candidates: int = MAX_CANDIDATES_DEFAULT,
    max_occurrences: int = MAX_NGRAM_OCCURRENCES_DEFAULT,
    min_unclaimed: float = MIN_UNCLAIMED_DEFAULT,
) -> LineLabels:
    """Label each line content or chrome by aligning it to full-text gold.

    Lines without a single word token (separators, icons) are chrome with score 0: they carry no tokens, so
    no token-level score depends on them.

    Returns
    -------
    LineLabels
        Per-line labels and coverage scores, and ``gold_coverage``, the share of gold tokens the content
        lines explain (low values flag a page whose HTML does not hold its gold).
    """
    vocab: dict[str, int] = {}
    gold = [vocab.setdefault(t, len(vocab)) for t in tokenize(gold_text)]
    line_tokens = [[vocab.get(t, -1) for t in tokenize(text)] for text in lines]
    labels = np.full(len(lines), Label.CHROME, dtype=np.int8)
    scores = np.zeros(len(lines), dtype=np.float32)
    if not gold:
        return LineLabels(labels, scores, None)
    indexes = {n: _ngram_index(gold, n) for n in range(1, anchor_ngram + 1)}
    candidates = [
        _placements(i, toks, indexes, anchor_ngram, drift, max_candidates, max_occurrences) if toks else []
        for i, toks in enumerate(line_tokens)
    ]
    chain = _monotone_chain(candidates, len(gold), drift)
    claimed = np.zeros(len(gold), dtype=bool)
    for i, placement in chain.items():
        coverage = placement.covered / placement.length
        scores[i] = coverage
        if coverage >= min_coverage:
            labels[i] = Label.CONTENT
            claimed[placement.offset : placement.offset + placement.length] = True
    for i, per_line in enumerate(candidates):
        if i in chain or not per_line or len(line_tokens[i]) < anchor_ngram:
            # Short lines ("Home", "Share") match gold words by chance; only the ordered chain may place them.
            if per_line and i not in chain:
                scores[i] = max(p.covered / p.length for p in per_line)
            continue
        best = max(per_line, key=lambda p: p.covered)
        coverage = best.covered / best.length
        scores[i] = coverage
        span = claimed[best.offset : best.offset + best.length]
        if coverage >= min_coverage and span.size and 1.0 - span.mean() >= min_unclaimed:
            labels[i] = Label.CONTENT
            claimed[best.offset : best.offset + best.length] = True
    return LineLabels(labels, scores, float(claimed.mean()))


def label_snippets(
    lines: Sequence[str], with_snippets: Sequence[str], without_snippets: Sequence[str]
) -> LineLabels:
    """Label the lines a must-snippet falls on content, those a must-not snippet falls on chrome.

    A snippet may span lines; every line it touches takes its label. Lines no snippet touches are unknown.
    A line touched by both kinds is unknown (the gold contradicts itself there).
    """
    labels = np.full(len(lines), Label.UNKNOWN, dtype=np.int8)
    scores = np.zeros(len(lines), dtype=np.float32)
    stream: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(lines):
        toks = tokenize(text)
        stream.extend(toks)
        owner.extend([i] * len(toks))
    found = 0
    touched: dict[int, set[Label]] = defaultdict(set)
    for snippets, label in ((with_snippets, Label.CONTENT), (without_snippets, Label.CHROME)):
        for snippet in snippets:
            needle = tokenize(snippet)
            start = _find_sublist(stream, needle)
            if start < 0:
                continue
            found += label == Label.CONTENT
            for line in set(owner[start : start + len(needle)]):
                touched[line].add(label)
    for line, kinds in touched.items():
        if len(kinds) == 1:
            labels[line] = next(iter(kinds))
            scores[line] = 1.0
    coverage = found / len(with_snippets) if with_snippets else None
    return LineLabels(labels, scores, coverage)


def _find_sublist(haystack: Sequence[str], needle: Sequence[str]) -> int:
    if not needle:
        return -1
    first = needle[0]
    n = len(needle)
    for i in range(len(haystack) - n + 1):
        if haystack[i] == first and list(haystack[i : i + n]) == list(needle):
            return i
    return -1


def label_lines(lines: Sequence[str], gold: Gold, *, min_coverage: float = MIN_COVERAGE_DEFAULT) -> LineLabels:
    """Label a page's lines from its gold, whatever the gold's form."""
    if gold.kind is GoldKind.SNIPPETS:
        return label_snippets(lines, gold.with_snippets, gold.without_snippets)
    return align_lines(lines, gold.text or "", min_coverage=min_coverage)


def label_figures(labels: npt.NDArray[np.int8], gold_coverage: float | None, oracle: PRF) -> dict[str, float]:
    """A labelled page's (or dump's) row figures: its line counts by label, the share of the gold its lines
    reach, and the oracle's precision, recall and F1 (keeping exactly its gold-aligned lines)."""
    counts = np.bincount(labels.astype(np.int64) + 1, minlength=3)
    return {
        "lines": len(labels),
        "unknown_lines": int(counts[Label.UNKNOWN + 1]),
        "chrome_lines": int(counts[Label.CHROME + 1]),
        "content_lines": int(counts[Label.CONTENT + 1]),
        "gold_coverage": np.nan if gold_coverage is None else gold_coverage,
        "oracle_precision": oracle.precision,
        "oracle_recall": oracle.recall,
        "oracle_f1": oracle.f1,
    }


def oracle_text(lines: Sequence[str], labels: npt.NDArray[np.int8]) -> str:
    """The text an extractor that keeps exactly the content-labelled lines would output."""
    return "\n".join(text for text, label in zip(lines, labels, strict=True) if label == Label.CONTENT)
