"""Section-aware features of plain text: what a whole-page text dump shows of a page's layout without markup.

A scraper's dump keeps the order of a page's blocks but loses their markup. What is left of the layout is in the
lines' shapes and order: a short heading ("Related", "Most read") over a run of bulleted or headline-shaped
lines, the main text as the densest run of long prose lines, menus glued into one line
("HomeNewsSportsWeather"), widget lines that are only a number, a counter, a date or a byline. These families
read the text alone, so they serve text mode (and could serve HTML mode later); the
:class:`~chromecut.features.Featurizer` runs them in text mode only.

Lines are the rows of the line frame, which leaves blank lines out: a dump with a blank line between every block
gets the same features as one without (a blank line neither ends a section nor breaks a run).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from chromecut.features.batch import (
    ALPHA,
    CJK,
    DIGIT,
    MAX_CODEPOINT,
    PUNCT,
    SPACE,
    UPPER,
    Array,
    LineBatch,
    safe_ratio,
)
from chromecut.features.keywords import (
    BYLINE_CJK_COLONS,
    BYLINE_CJK_PREFIXES,
    BYLINE_WORDS,
    KEYWORDS,
    SEPARATOR_CHARS,
)

#: A heading is a line with letters, at most this many words and characters, no final sentence punctuation
#: and no list marker: a section label ("Related", "Most read") or a headline.
HEADING_MAX_WORDS_DEFAULT = 8
HEADING_MAX_CHARS_DEFAULT = 60
#: A headline-shaped line has letters, no list marker, one sentence without a final one, at most this many
#: characters, and at most this many words or this share of capitalised words (title case).
HEADLINE_MAX_WORDS_DEFAULT = 14
HEADLINE_MAX_CHARS_DEFAULT = 120
TITLE_CASE_MIN_SHARE_DEFAULT = 0.6
#: Lines of a run are alike in length within this share of the run's median length.
RUN_SIMILAR_LENGTH_DEFAULT = 0.5
#: Main-text prose: at least this many tokens (words, or CJK characters) and a sentence ending; prose lines
#: at most this many other lines apart belong to one run (a subheading or a widget line between paragraphs).
MAIN_MIN_TOKENS_DEFAULT = 12
MAIN_MAX_GAP_DEFAULT = 3
#: A line that is only a number keeps at most this many letters ("1.2K", "12°C").
ONLY_NUMBER_MAX_LETTERS_DEFAULT = 2
#: A metadata line: a date, time, counter or unit, and at most this many words ("12 March 2025, 10:42").
META_MAX_WORDS_DEFAULT = 6
#: A byline: at most this many words, no final sentence punctuation, a byline word among the first
#: :data:`BYLINE_WORD_POSITIONS` tokens, and a capitalised name right after it.
BYLINE_MAX_WORDS_DEFAULT = 8
BYLINE_WORD_POSITIONS = 2

#: How a line is shaped, for runs of like lines: neither, bulleted, headline-shaped.
SHAPE_OTHER, SHAPE_BULLETED, SHAPE_HEADLINE = 0, 1, 2
#: The leading-marker class of a line starting with a digit, an upper-case letter, another letter.
_MARK_DIGIT, _MARK_UPPER, _MARK_LETTER = ord("0"), ord("A"), ord("a")
#: The first two characters of a Chinese byline, and the colons that may follow them.
_CJK_BYLINE_PAIRS = np.array([ord(p[0]) * MAX_CODEPOINT + ord(p[1]) for p in BYLINE_CJK_PREFIXES], dtype=np.int64)
_CJK_BYLINE_COLONS = np.array([ord(c) for c in BYLINE_CJK_COLONS], dtype=np.uint32)
_CJK_BYLINE_CHARS = 3
_SEPARATOR_CODES = np.array([ord(c) for c in SEPARATOR_CHARS], dtype=np.uint32)
#: Glued menus need a letter, a mark and a letter (or a lower-case letter and a capital).
_GLUED_MIN_CHARS = 3
#: The section keyword flags, one per family of :data:`~chromecut.features.keywords.KEYWORDS`, and every
#: feature of this module in the order :func:`text_section_features` returns them.
SECTION_KEYWORD_FEATURES = tuple(f"sec_kw_{name}" for name in KEYWORDS.names)
SECTION_FEATURES = (
    "sec_heading", "sec_since", "sec_lines", *SECTION_KEYWORD_FEATURES,
    "run_lines", "run_len_spread", "run_same_start", "run_similar_len", "main_inside", "main_dist", "main_dist_rel",
    "repeat_page", "glued_camel", "glued_camel_run", "glued_separators", "cap_word_share", "only_number",
    "meta_line", "byline",
)


def _previous(values: npt.NDArray[np.bool_], index: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Each line's previous line's value on the same page (False on a page's first line)."""
    return np.concatenate([[False], values[:-1]])[: len(values)] & (index > 0)


def capitalised_share(batch: LineBatch, words: Array) -> Array:
    """Share of a line's whitespace-separated words that start with an upper-case letter (title case, menus)."""
    space = (batch.flags & SPACE) > 0
    word_start = ~space & np.concatenate([[True], space[:-1]]) if space.size else space
    return safe_ratio(batch.per_line(word_start & ((batch.flags & UPPER) > 0)), words)


def heading_lines(
    batch: LineBatch, columns: dict[str, Array], *,
    max_words: int = HEADING_MAX_WORDS_DEFAULT, max_chars: int = HEADING_MAX_CHARS_DEFAULT,
) -> npt.NDArray[np.bool_]:
    """Headings: short lines with letters, without final sentence punctuation or a list marker."""
    heading: npt.NDArray[np.bool_] = (
        (batch.count(ALPHA) > 0) & (columns["ends_sentence"] == 0) & (columns["pat_list_marker"] == 0)
        & (columns["words"] <= max_words) & (columns["chars"] <= max_chars)
    )
    return heading


def line_shapes(
    batch: LineBatch, columns: dict[str, Array], cap_share: Array, *,
    max_words: int = HEADLINE_MAX_WORDS_DEFAULT, max_chars: int = HEADLINE_MAX_CHARS_DEFAULT,
    title_case_share: float = TITLE_CASE_MIN_SHARE_DEFAULT,
) -> npt.NDArray[np.int64]:
    """Each line's shape: :data:`SHAPE_BULLETED` (a list marker), :data:`SHAPE_HEADLINE` (one short sentence
    without a final period, or title case) or :data:`SHAPE_OTHER`."""
    bulleted = columns["pat_list_marker"] > 0
    headline = ((batch.count(ALPHA) > 0) & (columns["ends_sentence"] == 0) & (columns["sentences"] <= 1)
                & (columns["chars"] <= max_chars) & ((columns["words"] <= max_words) | (cap_share >= title_case_share)))
    return np.where(bulleted, SHAPE_BULLETED, np.where(headline, SHAPE_HEADLINE, SHAPE_OTHER)).astype(np.int64)


def section_features(batch: LineBatch, heading: npt.NDArray[np.bool_], keywords: Array) -> dict[str, Array]:
    """The section each line is in: a heading opens a section unless the line before it is a heading too (a
    stack of short lines, a menu or an unbulleted headline list, stays under its first line); the section runs
    to the next one. Per line: whether it is a heading, the lines since the section's heading and the lines
    the section holds under it (NaN before a page's first heading), and the keyword families (one flag each) of
    the section's first heading that has one, from that heading on: the lines under "Related" are related.

    ``keywords`` holds the ``kw_*`` flags of :func:`~chromecut.features.families.keyword_features`, one row per
    family of :data:`~chromecut.features.keywords.KEYWORDS`.
    """
    rows = np.arange(batch.n)
    opens = heading & ~_previous(heading, batch.index_in_page())
    last_open = np.maximum.accumulate(np.where(opens, rows, -1)) if batch.n else rows
    in_section = last_open >= batch.page_start[batch.page]
    owner = np.where(in_section, last_open, batch.n)
    size = np.bincount(owner, minlength=batch.n + 1)[owner].astype(np.float64)
    # The section's label: its first heading with a keyword family (a widget's label comes first; a word of a
    # headline under it, "home" in "How to prepare your home", does not relabel the list).
    labelled = np.flatnonzero(heading & in_section & (keywords.max(axis=0, initial=0.0) > 0))
    label = np.full(batch.n + 1, batch.n, dtype=np.int64)
    owners, first = np.unique(owner[labelled], return_index=True)
    label[owners] = labelled[first]
    line_label = label[owner]
    families = np.where(line_label <= rows, keywords[:, np.minimum(line_label, max(batch.n - 1, 0))], 0.0)
    return {
        "sec_heading": heading.astype(np.float64),
        "sec_since": np.where(in_section, rows - last_open, np.nan),
        "sec_lines": np.where(in_section, size - 1.0, np.nan),
        **{name: families[i] for i, name in enumerate(SECTION_KEYWORD_FEATURES)},
    }


def _marker_classes(batch: LineBatch) -> npt.NDArray[np.int64]:
    """Each line's leading marker: its first character, digits and letters folded to one class each (so "1."
    and "2." share a marker, and so do headlines starting with any capital)."""
    first = np.minimum(batch.char_start, max(batch.codepoints.size - 1, 0))
    if batch.n == 0 or batch.codepoints.size == 0:
        return np.zeros(batch.n, dtype=np.int64)
    flags, codes = batch.flags[first], batch.codepoints[first].astype(np.int64)
    marker = np.where((flags & DIGIT) > 0, _MARK_DIGIT,
                      np.where((flags & UPPER) > 0, _MARK_UPPER, np.where((flags & ALPHA) > 0, _MARK_LETTER, codes)))
    return np.where(batch.length > 0, marker, -1)


def run_features(
    batch: LineBatch, shape: npt.NDArray[np.int64], chars: Array, *,
    similar_length: float = RUN_SIMILAR_LENGTH_DEFAULT,
) -> dict[str, Array]:
    """Runs of like lines (consecutive bulleted lines, or consecutive headline-shaped lines): the run's line
    count (0 for a line of neither shape), its spread of line lengths (standard deviation over mean), and how
    alike its lines are: the share that start with the run's first line's marker, and the share whose length
    is within ``similar_length`` (a share) of the run's median length. Lists of links and headlines are runs of
    short alike lines; prose is in no run."""
    if batch.n == 0:
        return {k: np.zeros(0) for k in ("run_lines", "run_len_spread", "run_same_start", "run_similar_len")}
    index = batch.index_in_page()
    starts = (index == 0) | (shape != np.concatenate([[SHAPE_OTHER], shape[:-1]]))
    run = np.cumsum(starts) - 1
    size = np.bincount(run).astype(np.float64)
    mean = np.bincount(run, weights=chars) / size
    deviation = chars - mean[run]
    spread = safe_ratio(np.sqrt(np.bincount(run, weights=deviation**2) / size), mean)
    first = np.flatnonzero(starts)
    marker = _marker_classes(batch)
    same_start = np.bincount(run, weights=marker == marker[first][run]) / size
    # Near the median, which one long item does not pull away from the others (the mean would).
    ordered = chars[np.lexsort((chars, run))]  # each run's lengths sorted, the runs where they were
    median = (ordered[first + (size.astype(np.int64) - 1) // 2] + ordered[first + size.astype(np.int64) // 2]) / 2
    similar = np.bincount(run, weights=np.abs(chars - median[run]) <= similar_length * median[run]) / size
    shaped = shape != SHAPE_OTHER
    return {
        "run_lines": np.where(shaped, size[run], 0.0),
        "run_len_spread": np.where(shaped, spread[run], np.nan),
        "run_same_start": np.where(shaped, same_start[run], np.nan),
        "run_similar_len": np.where(shaped, similar[run], np.nan),
    }


def main_text_features(
    batch: LineBatch, tokens: Array, ends_sentence: Array, chars: Array, *,
    min_tokens: int = MAIN_MIN_TOKENS_DEFAULT, max_gap: int = MAIN_MAX_GAP_DEFAULT,
) -> dict[str, Array]:
    """Where the line is from the page's main text: the run of prose lines (prose lines at most ``max_gap``
    lines apart) with the most prose characters, from its first to its last prose line. Per line: whether it
    is inside, and its signed distance in lines (negative before, positive after, 0 inside), also over the
    page's line count; NaN on a page without prose. Chrome sits around the main text, not inside it."""
    names = ("main_inside", "main_dist", "main_dist_rel")
    if batch.n == 0:
        return {k: np.zeros(0) for k in names}
    prose = np.flatnonzero((tokens >= min_tokens) & (ends_sentence > 0))
    best_start = np.full(len(batch.page_size), -1, dtype=np.int64)
    best_end = np.full(len(batch.page_size), -1, dtype=np.int64)
    if prose.size:
        apart = (np.diff(prose) > max_gap + 1) | (np.diff(batch.page[prose]) != 0)
        opens = np.concatenate([[True], apart])
        run = np.cumsum(opens) - 1
        weight = np.bincount(run, weights=chars[prose])
        first, last = prose[opens], prose[np.concatenate([apart, [True]])]
        run_page = batch.page[first]
        order = np.lexsort((first, -weight, run_page))  # per page: heaviest first, the earliest of equals
        best = order[np.concatenate([[True], np.diff(run_page[order]) != 0])]
        best_start[run_page[best]], best_end[run_page[best]] = first[best], last[best]
    rows = np.arange(batch.n)
    start, end = best_start[batch.page], best_end[batch.page]
    has_main = start >= 0
    distance = np.where(rows < start, rows - start, np.where(rows > end, rows - end, 0)).astype(np.float64)
    distance[~has_main] = np.nan
    return {
        "main_inside": (has_main & (rows >= start) & (rows <= end)).astype(np.float64),
        "main_dist": distance,
        "main_dist_rel": distance / batch.page_size[batch.page],
    }


def page_repeat_features(batch: LineBatch, keys: list[str]) -> dict[str, Array]:
    """How many other lines of the same page have the same normalised text (``keys``, from
    :func:`~chromecut.features.families.normalised_lines`): menus and widget labels repeat on a page, prose
    does not."""
    if batch.n == 0:
        return {"repeat_page": np.zeros(0)}
    # Each key's first row in the batch names it (one dict look-up per line, in C); with the page, a group.
    first_rows: dict[str, int] = {}
    first_row = np.fromiter(map(first_rows.setdefault, keys, range(batch.n)), dtype=np.int64, count=batch.n)
    _, group, counts = np.unique(batch.page * batch.n + first_row, return_inverse=True, return_counts=True)
    return {"repeat_page": counts[group.reshape(-1)].astype(np.float64) - 1.0}


def glued_features(batch: LineBatch) -> dict[str, Array]:
    """Menus glued into one line, as lxml's ``text_content`` renders them: lower-case-to-upper-case steps
    without a space ("HomeNewsSports": 2), the most capitalised words run together in one space-free piece
    ("HomeNewsSports": 3; 0 without a step), and separators with a letter on both sides ("News|Sport")."""
    flags = batch.flags
    if flags.size < _GLUED_MIN_CHARS:
        return {k: np.zeros(batch.n) for k in ("glued_camel", "glued_camel_run", "glued_separators")}
    cased = flags & (ALPHA | UPPER | CJK)
    upper = (cased[1:] & UPPER) > 0
    steps = np.flatnonzero((cased[:-1] == ALPHA) & upper) + 1  # a cased lower-case letter, then a capital
    camel_run = np.zeros(batch.n)
    if steps.size:
        # Steps with no space between them are in one piece: the pieces are told apart by the spaces before.
        piece = np.searchsorted(np.flatnonzero((flags & SPACE) > 0), steps)
        _, first, count = np.unique(piece, return_index=True, return_counts=True)
        np.maximum.at(camel_run, batch.line_of(steps[first]), count + 1.0)
    # A punctuation mark between two letters (few: "don't", "e-mail"), then only those that separate.
    letter = (flags & ALPHA) > 0
    between = np.flatnonzero(letter[:-2] & ((flags[1:-1] & PUNCT) > 0) & letter[2:]) + 1
    glued = between[np.isin(batch.codepoints[between], _SEPARATOR_CODES)]
    return {
        "glued_camel": _per_line_count(batch, steps),
        "glued_camel_run": camel_run,
        "glued_separators": _per_line_count(batch, glued),
    }


def _per_line_count(batch: LineBatch, positions: npt.NDArray[np.int64]) -> Array:
    """How many of ``positions`` (offsets into ``joined``) fall on each line."""
    return np.bincount(batch.line_of(positions), minlength=batch.n).astype(np.float64)[: batch.n]


def meta_features(
    batch: LineBatch, columns: dict[str, Array], tokens: list[str], token_line: npt.NDArray[np.int64],
    token_starts: npt.NDArray[np.int64], *,
    only_number_letters: int = ONLY_NUMBER_MAX_LETTERS_DEFAULT, meta_max_words: int = META_MAX_WORDS_DEFAULT,
    byline_max_words: int = BYLINE_MAX_WORDS_DEFAULT,
) -> dict[str, Array]:
    """Widget and metadata lines: only a number ("1.2K", "12°C", "10:42"); a short line with a date, time,
    counter or unit (the ``pat_*`` counts of :mod:`chromecut.features.patterns`: "23 comments", "12 March
    2025"); a byline ("By Jane Doe", "Von Max Muster", "作者：张三")."""
    only_number = (batch.count(DIGIT) > 0) & (batch.count(ALPHA) <= only_number_letters)
    dated = columns["pat_date"] + columns["pat_time"] + columns["pat_counter"] + columns["pat_unit"]
    meta = (dated > 0) & (columns["words"] <= meta_max_words)
    byline = np.zeros(batch.n, dtype=np.bool_)
    line_tokens = np.bincount(token_line, minlength=batch.n)[: batch.n]
    first_token = np.cumsum(line_tokens) - line_tokens
    candidate = (columns["words"] <= byline_max_words) & (columns["ends_sentence"] == 0)
    for position in range(BYLINE_WORD_POSITIONS):  # a few positions per line, every line at once
        lines = np.flatnonzero(candidate & (line_tokens >= position + 2))  # a name must follow the word
        at = first_token[lines] + position
        is_word = np.fromiter(map(BYLINE_WORDS.__contains__, map(tokens.__getitem__, at.tolist())),
                              dtype=np.bool_, count=len(at))
        named = (batch.flags[token_starts[at[is_word] + 1]] & UPPER) > 0
        byline[lines[is_word][named]] = True
    cjk = np.flatnonzero(candidate & (batch.count(CJK) > 0) & (batch.length >= _CJK_BYLINE_CHARS))
    if cjk.size:
        start = batch.char_start[cjk]
        codes = batch.codepoints
        pair = codes[start].astype(np.int64) * MAX_CODEPOINT + codes[start + 1]
        byline[cjk[np.isin(pair, _CJK_BYLINE_PAIRS) & np.isin(codes[start + 2], _CJK_BYLINE_COLONS)]] = True
    return {
        "only_number": only_number.astype(np.float64),
        "meta_line": meta.astype(np.float64),
        "byline": byline.astype(np.float64),
    }


def text_section_features(
    batch: LineBatch, columns: dict[str, Array], keys: list[str], tokens: list[str],
    token_line: npt.NDArray[np.int64], token_starts: npt.NDArray[np.int64],
) -> dict[str, Array]:
    """Every family of this module with its default thresholds, from the context-free columns already computed
    (length, character, stopword, keyword and pattern families) and the batch's word tokens."""
    cap_share = capitalised_share(batch, columns["words"])
    keywords = np.stack([columns[f"kw_{name}"] for name in KEYWORDS.names]) if batch.n else np.zeros(
        (len(KEYWORDS.names), 0))
    return {
        **section_features(batch, heading_lines(batch, columns), keywords),
        **run_features(batch, line_shapes(batch, columns, cap_share), columns["chars"]),
        **main_text_features(batch, columns["tokens"], columns["ends_sentence"], columns["chars"]),
        **page_repeat_features(batch, keys),
        **glued_features(batch),
        "cap_word_share": cap_share,
        **meta_features(batch, columns, tokens, token_line, token_starts),
    }
