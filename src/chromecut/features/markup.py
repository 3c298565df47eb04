"""The feature families of HTML mode, read from the markup statistics of the line frame: links, tags, headings,
lists, depth, landmarks, class/id words and the page's ``<title>``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features.batch import (
    SPACE,
    Array,
    LineBatch,
    factorize_strings,
    numeric_column,
    page_reduce,
    safe_ratio,
    string_list,
)
from chromecut.features.keywords import ATTR_FAMILIES
from chromecut.segment.html import BLOCK_TAGS, Landmark

#: Tag vocabulary for the categorical ``tag`` feature.
TAG_VOCABULARY: tuple[str, ...] = tuple(sorted(BLOCK_TAGS))
_TAG_CODES = {tag: float(i) for i, tag in enumerate(TAG_VOCABULARY)}
#: Class/id words whose family memberships are kept in memory (pages and batches repeat the same words).
ATTR_MEMBERSHIP_CACHE_SIZE = 65536


@lru_cache(maxsize=ATTR_MEMBERSHIP_CACHE_SIZE)
def attr_membership(word: str) -> tuple[bool, ...]:
    """Whether a class/id word belongs to each family of :data:`chromecut.features.keywords.ATTR_FAMILIES`, in order."""
    return tuple(pattern.fullmatch(word) is not None for pattern in ATTR_FAMILIES.values())


def _words_and_owners(word_lists: list[str]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """The words of space-separated word lists, in order, and the list each came from: one ``split`` of all
    of them when every list is words joined by single spaces (as segmentation writes them), else list by list."""
    all_words = " ".join(word_lists).split()
    counts = [value.count(" ") + 1 if value else 0 for value in word_lists]
    if sum(counts) != len(all_words) or any(value != value.strip() or "  " in value for value in word_lists):
        per_list = [value.split() for value in word_lists]
        all_words = [word for words in per_list for word in words]
        counts = [len(words) for words in per_list]
    return all_words, np.repeat(np.arange(len(word_lists), dtype=np.int64), counts)


def link_features(batch: LineBatch, frame: pd.DataFrame, words: Array) -> dict[str, Array]:
    """Link density (linked share of non-whitespace characters), link count and links per word (``words`` from
    :func:`~chromecut.features.families.length_features`)."""
    nonspace = batch.per_line((batch.flags & SPACE) == 0)
    link_chars = numeric_column(frame, "link_chars")
    link_count = numeric_column(frame, "link_count")
    return {
        "link_density": np.minimum(safe_ratio(link_chars, nonspace), 1.0),
        "link_count": link_count,
        "links_per_word": safe_ratio(link_count, words),
    }


def markup_features(batch: LineBatch, frame: pd.DataFrame) -> dict[str, Array]:
    """Tag, heading level, list item, depth (absolute and relative to the page), landmarks, class/id words."""
    depth = numeric_column(frame, "depth")
    landmarks = np.nan_to_num(numeric_column(frame, "landmarks"), nan=0.0).astype(np.int64)
    out: dict[str, Array] = {
        "tag": np.array([_TAG_CODES.get(tag, np.nan) for tag in frame["tag"].tolist()], dtype=np.float64),
        "heading": numeric_column(frame, "heading"),
        "list_item": numeric_column(frame, "list_item"),
        "depth": depth,
        "depth_rel": depth - page_reduce(batch, np.nan_to_num(depth), "median"),
    }
    for flag in Landmark:
        if flag.value:
            out[f"in_{str(flag.name).lower()}"] = ((landmarks & flag.value) > 0).astype(np.float64)
    # Many lines share their ancestors' words: classify each distinct word once, then count per line.
    codes, uniques = factorize_strings(string_list(frame["attr_words"]))
    all_words, owner = _words_and_owners(uniques)
    word_codes, distinct = factorize_strings(all_words)
    membership = np.array([attr_membership(w) for w in distinct], dtype=np.float64).reshape(
        len(distinct), len(ATTR_FAMILIES)
    )
    # Most words belong to no family: only the others are summed, per family, into their word lists.
    in_family: npt.NDArray[np.bool_] = np.asarray(np.any(membership, axis=1))
    hits = np.flatnonzero(in_family[word_codes])
    per_unique = np.zeros((len(uniques), len(ATTR_FAMILIES)))
    for i in range(len(ATTR_FAMILIES)):
        per_unique[:, i] = np.bincount(owner[hits], weights=membership[word_codes[hits], i], minlength=len(uniques))
    for i, name in enumerate(ATTR_FAMILIES):
        out[f"attr_{name}"] = per_unique[codes, i] if len(uniques) else np.zeros(batch.n)
    return out


#: A word of the page's title: a run of letters and digits.
_WORD = re.compile(r"[^\W_]+")


def title_features(
    batch: LineBatch, frame: pd.DataFrame, tokens: list[str], token_line: npt.NDArray[np.int64]
) -> dict[str, Array]:
    """How much of the line is in the page's ``<title>`` and how much of the title the line holds."""
    if "title" not in frame or batch.n == 0:
        return {"line_in_title": np.full(batch.n, np.nan), "title_in_line": np.full(batch.n, np.nan)}
    titles = frame["title"].fillna("").astype(str).to_numpy()
    title_sets = [set(_WORD.findall(titles[start].lower())) for start in batch.page_start.tolist()]
    # Tokens come in line order, so each page's tokens are one slice: one membership map per page.
    bounds = np.searchsorted(batch.page[token_line], np.arange(len(title_sets) + 1)).tolist()
    in_title = np.fromiter(
        chain.from_iterable(map(words.__contains__, tokens[lo:hi])
                            for words, lo, hi in zip(title_sets, bounds[:-1], bounds[1:], strict=True)),
        dtype=np.bool_, count=len(tokens),
    )
    hits = np.bincount(token_line[in_title], minlength=batch.n).astype(np.float64)[: batch.n]
    n_tokens = np.bincount(token_line, minlength=batch.n).astype(np.float64)[: batch.n]
    title_size = np.array([len(s) for s in title_sets], dtype=np.float64)[batch.page]
    return {
        "line_in_title": safe_ratio(hits, n_tokens),
        "title_in_line": np.minimum(safe_ratio(hits, title_size), 1.0),
    }
