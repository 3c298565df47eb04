"""Section-aware features of plain text: what a whole-page text dump shows of a page's layout without markup.

A scraper's dump keeps the order of a page's blocks but loses their markup. What is left of the layout is in the
lines' shapes and order: a short heading ("Related", "Most read") over a run of bulleted or headline-shaped
lines, the main text as the densest run of long prose lines, menus glued into one line
("HomeNewsSportsWeather"), widget lines that are only a number, a counter, a date or a byline. These families
read the text alone, so they serve text mode (and could serve HTML mode later); the
:class:`~chromecut.features.Featurizer` runs them in text mode only, in the Rust core
(``core/src/features/sections.rs``), with the thresholds of this module. HTML mode's kind features read the
main text's position (``main_*``) too.

Lines are the rows of the line frame, which leaves blank lines out: a dump with a blank line between every block
gets the same features as one without (a blank line neither ends a section nor breaks a run).
"""

from __future__ import annotations

from chromecut.features.keywords import KEYWORDS

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

#: The section keyword flags, one per family of :data:`~chromecut.features.keywords.KEYWORDS`, and every
#: section feature, in the output order.
SECTION_KEYWORD_FEATURES = tuple(f"sec_kw_{name}" for name in KEYWORDS.names)
SECTION_FEATURES = (
    "sec_heading", "sec_since", "sec_lines", *SECTION_KEYWORD_FEATURES,
    "run_lines", "run_len_spread", "run_same_start", "run_similar_len", "main_inside", "main_dist", "main_dist_rel",
    "repeat_page", "glued_camel", "glued_camel_run", "glued_separators", "cap_word_share", "only_number",
    "meta_line", "byline",
)
