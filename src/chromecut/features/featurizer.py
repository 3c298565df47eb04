"""Line frame -> feature table: :class:`Featurizer` runs every feature family on a batch of lines, in the Rust
core (:mod:`chromecut.features.native`); the same code serves training and inference.

It follows the scikit-learn estimator contract: ``__init__`` stores parameters, ``fit`` learns the corpus
line-frequency table (``line_frequency_``) and the feature order (``feature_names_``). The features' contract
(names, order, values) is held by the golden files of the tests (``tests/golden_features.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd

from chromecut.features import native, vocab
from chromecut.features.families import KEYWORD_MAX_CHARS_DEFAULT, STOPWORD_LANGUAGES_DEFAULT
from chromecut.features.frame import MARKUP_COLUMNS, source_pages

#: Bumped whenever a feature's definition changes; a bundle built with another version is refused. 5: the
#: features of version 3 computed by the Rust core alone (the Python families removed; the golden files hold them).
FEATURIZER_VERSION = "5"
#: ``html``: every family, from the markup statistics too; ``text``: the families of plain text only.
Mode = Literal["html", "text"]
MODES: tuple[Mode, ...] = ("html", "text")
#: The corpus line-frequency table keeps lines at most this long and seen on at least this many pages.
REPEAT_MAX_CHARS_DEFAULT = 100
REPEAT_MIN_PAGES_DEFAULT = 2
REPEAT_TABLE_SIZE_DEFAULT = 50_000
#: Text mode's section-aware features (:mod:`chromecut.features.sections`) are a parameter, off by default: the
#: first model with them raised test page F1 from 0.757 to 0.777 but lowered one quality-gate floor (chinese-wce,
#: 0.887 against 0.900), so the shipped text bundle keeps the features it has until a model with them holds every
#: floor.
SECTION_FEATURES_DEFAULT = False
#: HTML mode's kind and article-boundary features (:mod:`chromecut.features.kinds`) and the main text's position
#: (:mod:`chromecut.features.sections`); a parameter, so a bundle fitted without them neither computes nor expects
#: them.
KIND_FEATURES_DEFAULT = False
#: HTML mode's summary family (``core/src/features/markup.rs``, ``SUMMARY_FEATURES``): how much of a line the
#: page's own ``og:description`` / ``description`` holds and the reverse, and the line's distance from the line
#: that holds most of it. Off here: a bundle saved without the parameter was fitted without it.
SUMMARY_FEATURES_DEFAULT = False
#: Either mode's page-word family (``core/src/features/page_words.rs``: the share of a line's tokens that many of
#: its page's long lines hold, the page's function words in any language). Off here: a bundle saved without the
#: parameter was fitted without it.
PAGE_WORD_FEATURES_DEFAULT = False
#: Text mode's Markdown link features (``core/src/features/markdown.rs``: the share of a line's visible text that
#: is link text in a Markdown dump, its links, its link and image syntax); a parameter, so a bundle fitted without
#: them neither computes nor expects them.
MARKDOWN_FEATURES_DEFAULT = False
#: The prose test (``prose_before``, ``prose_after``, ``prose_before_share``) counts a line's CJK characters as
#: words, two to a word (``core/src/features/text.rs``, ``prose_words``): Chinese and Japanese put no space between
#: words, so without it no paragraph of theirs is prose. Off here: a bundle saved without the parameter was
#: fitted without it.
CJK_PROSE_WORDS_DEFAULT = False
#: The keyword families' one-word phrases also match their plurals ("cookies", "newsletters"; see
#: :meth:`chromecut.features.keywords.KeywordFamilies.single_with_plurals`). Off here: a bundle saved without the
#: parameter was fitted without it.
KEYWORD_PLURALS_DEFAULT = False
#: Either mode's learnt vocabulary (:mod:`chromecut.features.vocab`: the chrome log-odds of a line's words, learnt
#: from the training pages' labels). Off here: a bundle saved without the parameter was fitted without it.
VOCAB_FEATURES_DEFAULT = False
#: HTML mode's learnt class/id word vocabulary (:mod:`chromecut.features.vocab`: the chrome log-odds of a line's
#: class and id words, learnt from the training pages' labels the same way). Off here: a bundle saved without the
#: parameter was fitted without it.
ATTR_VOCAB_FEATURES_DEFAULT = False


class Featurizer:
    """Line frame -> feature table, in ``html`` mode (all families) or ``text`` mode (no markup).

    Parameters
    ----------
    mode:
        ``"html"`` or ``"text"``.
    keyword_max_chars, stopword_languages, repeat_max_chars, repeat_min_pages, repeat_table_size:
        See the ``*_DEFAULT`` constants of :mod:`chromecut.features`.
    section_features, kind_features, markdown_features, summary_features:
        Text mode's section features, HTML mode's kind features, text mode's Markdown link features, HTML mode's
        summary features (see :data:`SECTION_FEATURES_DEFAULT`, :data:`KIND_FEATURES_DEFAULT`,
        :data:`MARKDOWN_FEATURES_DEFAULT`, :data:`SUMMARY_FEATURES_DEFAULT`).
    page_word_features:
        Either mode's page-word family (:data:`PAGE_WORD_FEATURES_DEFAULT`).
    cjk_prose_words:
        Whether the prose test counts CJK characters as words (:data:`CJK_PROSE_WORDS_DEFAULT`).
    keyword_plurals:
        Whether the keyword families' one-word phrases also match their plurals (:data:`KEYWORD_PLURALS_DEFAULT`).
    vocab_features:
        Either mode's learnt vocabulary (:data:`VOCAB_FEATURES_DEFAULT`); ``fit`` then needs a ``label`` column
        and learns ``vocab_`` (:class:`~chromecut.features.vocab.VocabTable`).
    attr_vocab_features:
        HTML mode's learnt class/id word vocabulary (:data:`ATTR_VOCAB_FEATURES_DEFAULT`); ``fit`` then learns
        ``attr_vocab_`` from the frame's ``attr_words`` and labels. Text mode has no class/id words and ignores it.
    """

    def __init__(
        self,
        mode: Mode = "html",
        *,
        keyword_max_chars: int = KEYWORD_MAX_CHARS_DEFAULT,
        stopword_languages: tuple[str, ...] = STOPWORD_LANGUAGES_DEFAULT,
        repeat_max_chars: int = REPEAT_MAX_CHARS_DEFAULT,
        repeat_min_pages: int = REPEAT_MIN_PAGES_DEFAULT,
        repeat_table_size: int = REPEAT_TABLE_SIZE_DEFAULT,
        section_features: bool = SECTION_FEATURES_DEFAULT,
        kind_features: bool = KIND_FEATURES_DEFAULT,
        markdown_features: bool = MARKDOWN_FEATURES_DEFAULT,
        cjk_prose_words: bool = CJK_PROSE_WORDS_DEFAULT,
        keyword_plurals: bool = KEYWORD_PLURALS_DEFAULT,
        summary_features: bool = SUMMARY_FEATURES_DEFAULT,
        page_word_features: bool = PAGE_WORD_FEATURES_DEFAULT,
        vocab_features: bool = VOCAB_FEATURES_DEFAULT,
        attr_vocab_features: bool = ATTR_VOCAB_FEATURES_DEFAULT,
    ) -> None:
        self.mode = mode
        self.keyword_max_chars = keyword_max_chars
        self.stopword_languages = stopword_languages
        self.repeat_max_chars = repeat_max_chars
        self.repeat_min_pages = repeat_min_pages
        self.repeat_table_size = repeat_table_size
        self.section_features = section_features
        self.kind_features = kind_features
        self.markdown_features = markdown_features
        self.cjk_prose_words = cjk_prose_words
        self.keyword_plurals = keyword_plurals
        self.summary_features = summary_features
        self.page_word_features = page_word_features
        self.vocab_features = vocab_features
        self.attr_vocab_features = attr_vocab_features

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (the sklearn contract), JSON-serialisable."""
        return {
            "mode": self.mode,
            "keyword_max_chars": self.keyword_max_chars,
            "stopword_languages": list(self.stopword_languages),
            "repeat_max_chars": self.repeat_max_chars,
            "repeat_min_pages": self.repeat_min_pages,
            "repeat_table_size": self.repeat_table_size,
            "section_features": self.section_features,
            "kind_features": self.kind_features,
            "markdown_features": self.markdown_features,
            "cjk_prose_words": self.cjk_prose_words,
            "keyword_plurals": self.keyword_plurals,
            "summary_features": self.summary_features,
            "page_word_features": self.page_word_features,
            "vocab_features": self.vocab_features,
            "attr_vocab_features": self.attr_vocab_features,
        }

    def fit(self, frame: pd.DataFrame) -> Featurizer:
        """Learn the corpus line-frequency table, the vocabularies (with ``vocab_features`` and, in HTML mode,
        ``attr_vocab_features``, from the frame's labels) and the feature order from a line frame."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        self._check_columns(frame)
        if self.vocab_features:
            self.vocab_: vocab.VocabTable = vocab.learn(native.unfitted(self), frame)
        if self.attr_vocab_features and self.mode == "html":
            self.attr_vocab_: vocab.VocabTable = vocab.learn_attr(native.unfitted(self), frame)
        keys, lengths = native.line_keys(self, frame)
        table = pd.DataFrame({"key": pd.Series(keys, dtype=object), "doc": source_pages(frame)})
        table = table[lengths <= self.repeat_max_chars].drop_duplicates()
        counts = table["key"].value_counts()
        counts = counts[counts >= self.repeat_min_pages].head(self.repeat_table_size)
        self.line_frequency_: dict[str, int] = {str(k): int(v) for k, v in counts.items()}
        self.feature_names_: list[str] = self.output_names()
        return self

    def output_names(self) -> list[str]:
        """The features this featurizer's code produces for its mode, in order (no fitting needed)."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        return native.output_names(self)

    def fit_transform(self, frame: pd.DataFrame, fit_frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """Fit, then transform the same frame with leave-one-out corpus frequencies.

        ``fit_frame`` fits on other rows than those transformed: augmented copies of a page (which must not
        count as more pages that repeat its lines) are transformed, the original pages fitted.
        """
        return self.fit(frame if fit_frame is None else fit_frame)._features(frame, leave_one_out=True)

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The feature table of a line frame, columns in ``feature_names_`` order, float32."""
        if not hasattr(self, "feature_names_"):
            raise RuntimeError("Featurizer is not fitted; call fit() or load a bundle")
        return self._features(frame, leave_one_out=False)

    def _check_columns(self, frame: pd.DataFrame) -> None:
        """Refuse a frame without the columns this mode reads (a text frame given to an html featurizer)."""
        missing = [c for c in ("doc", "text") if c not in frame]
        if self.mode == "html":
            missing += [c for c in MARKUP_COLUMNS if c not in frame]
        if missing:
            raise ValueError(f"{self.mode} features need the columns {missing} (plain text: use mode='text')")

    def _features(self, frame: pd.DataFrame, leave_one_out: bool) -> pd.DataFrame:
        """Every family on one batch, in the Rust core, as one float32 block."""
        self._check_columns(frame)
        return pd.DataFrame(native.features(self, frame, leave_one_out), index=frame.index,
                            columns=self.feature_names_, copy=False)


def categorical_features(names: Iterable[str]) -> list[str]:
    """The features LightGBM should treat as categories."""
    return [n for n in names if n == "tag"]
