"""Line frame -> feature table: :class:`Featurizer` runs every feature family on a batch of lines; the same
code serves training and inference.

It follows the scikit-learn estimator contract: ``__init__`` stores parameters, ``fit`` learns the corpus
line-frequency table (``line_frequency_``) and the feature order (``feature_names_``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd

from chromecut.features.batch import Array, LineBatch, feature_table
from chromecut.features.context import container_features, neighbour_features, prose_features
from chromecut.features.families import (
    KEYWORD_MAX_CHARS_DEFAULT,
    STOPWORD_LANGUAGES_DEFAULT,
    character_features,
    keyword_features,
    length_features,
    normalised_lines,
    page_features,
    position_features,
    repetition_features,
    stopword_features,
    word_token_starts,
    word_tokens,
)
from chromecut.features.frame import LINE_FRAME_COLUMNS, MARKUP_COLUMNS, source_pages
from chromecut.features.kinds import kind_features
from chromecut.features.markup import link_features, markup_features, title_features
from chromecut.features.patterns import pattern_features
from chromecut.features.sections import main_text_features, text_section_features

#: Bumped whenever a feature's definition changes; a bundle built with another version is refused.
FEATURIZER_VERSION = "3"
#: ``html``: every family, from the markup statistics too; ``text``: the families of plain text only.
Mode = Literal["html", "text"]
MODES: tuple[Mode, ...] = ("html", "text")
#: The corpus line-frequency table keeps lines at most this long and seen on at least this many pages.
REPEAT_MAX_CHARS_DEFAULT = 100
REPEAT_MIN_PAGES_DEFAULT = 2
REPEAT_TABLE_SIZE_DEFAULT = 50_000
#: The base features whose neighbours' values (and context means) each line also sees, per mode.
_NEIGHBOUR_BASE_TEXT = ("log_chars", "stop_density", "ends_sentence", "punct_ratio", "kw_related", "pat_list_marker")
_NEIGHBOUR_BASE_HTML = ("link_density", "heading", "attr_content", "container_text_share")
#: Text mode's section-aware features (:mod:`chromecut.features.sections`) are a parameter, off by default: the
#: first model with them raised test page F1 from 0.757 to 0.777 but lowered one quality-gate floor (chinese-wce,
#: 0.887 against 0.900), so the shipped text bundle keeps the features it has until a model with them holds every
#: floor.
SECTION_FEATURES_DEFAULT = False
#: HTML mode's kind and article-boundary features (:func:`chromecut.features.kinds.kind_features`) and the main
#: text's position (:func:`chromecut.features.sections.main_text_features`); a parameter, so a bundle fitted
#: without them neither computes nor expects them.
KIND_FEATURES_DEFAULT = False
#: Who computes the features: the Python families, or their Rust port (:mod:`chromecut.features.native`), in
#: either mode, the same features to 1e-9 at a multiple of the speed. A runtime choice, not a model's: a bundle
#: loads with :func:`default_engine` whatever engine it was saved with.
Engine = Literal["python", "rust"]
ENGINES: tuple[Engine, ...] = ("python", "rust")
ENGINE_DEFAULT: Engine = "rust"
#: The environment variable that overrides :data:`ENGINE_DEFAULT` (``CHROMECUT_FEATURE_ENGINE=python``).
ENGINE_ENV = "CHROMECUT_FEATURE_ENGINE"
#: Text mode only: the section features whose neighbours tell a widget's lines from the prose around them.
_NEIGHBOUR_BASE_SECTIONS = ("sec_heading", "run_lines", "meta_line")


def default_engine() -> Engine:
    """The engine of a featurizer built or loaded without one: :data:`ENGINE_ENV` when set, else
    :data:`ENGINE_DEFAULT`."""
    choice = os.environ.get(ENGINE_ENV, "").strip().lower() or ENGINE_DEFAULT
    for engine in ENGINES:
        if choice == engine:
            return engine
    raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}, got {choice!r}")


class Featurizer:
    """Line frame -> feature table, in ``html`` mode (all families) or ``text`` mode (no markup).

    Parameters
    ----------
    mode:
        ``"html"`` or ``"text"``.
    keyword_max_chars, stopword_languages, repeat_max_chars, repeat_min_pages, repeat_table_size:
        See the ``*_DEFAULT`` constants of :mod:`chromecut.features`.
    engine:
        ``"python"`` or ``"rust"`` (see :data:`ENGINES`), in either mode; the features are the same either way.
        :func:`default_engine` when ``None`` (``rust``, unless :data:`ENGINE_ENV` says otherwise).
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
        engine: Engine | None = None,
    ) -> None:
        self.mode = mode
        self.keyword_max_chars = keyword_max_chars
        self.stopword_languages = stopword_languages
        self.repeat_max_chars = repeat_max_chars
        self.repeat_min_pages = repeat_min_pages
        self.repeat_table_size = repeat_table_size
        self.section_features = section_features
        self.kind_features = kind_features
        self.engine: Engine = default_engine() if engine is None else engine

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
            "engine": self.engine,
        }

    def fit(self, frame: pd.DataFrame) -> Featurizer:
        """Learn the corpus line-frequency table and the feature order from a line frame."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        self._check_columns(frame)
        batch = LineBatch.from_frame(frame)
        table = pd.DataFrame({"key": pd.Series(normalised_lines(batch), dtype=object), "doc": source_pages(frame)})
        table = table[batch.length <= self.repeat_max_chars].drop_duplicates()
        counts = table["key"].value_counts()
        counts = counts[counts >= self.repeat_min_pages].head(self.repeat_table_size)
        self.line_frequency_: dict[str, int] = {str(k): int(v) for k, v in counts.items()}
        self.feature_names_: list[str] = self.output_names()
        return self

    def output_names(self) -> list[str]:
        """The features this featurizer's code produces for its mode, in order (no fitting needed)."""
        empty = pd.DataFrame({column: pd.Series([], dtype=object) for column in LINE_FRAME_COLUMNS})
        return list(self._features(empty, leave_one_out=False, select=False).columns)

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

    def _features(self, frame: pd.DataFrame, leave_one_out: bool, select: bool = True) -> pd.DataFrame:
        """Every family on one batch, by the engine (the Rust one in text and HTML mode alike). ``select=False``
        keeps every feature the code produces (see :meth:`output_names`), always from the Python families."""
        self._check_columns(frame)
        if select and self.engine == "rust":
            from chromecut.features import native  # the Rust engine reads this module's constants

            names = getattr(self, "feature_names_", None) or self.output_names()
            return pd.DataFrame(native.features(self, frame, leave_one_out), index=frame.index, columns=names,
                                copy=False)
        return feature_table(self._columns(frame, leave_one_out, select), frame.index)

    def _columns(self, frame: pd.DataFrame, leave_one_out: bool, select: bool = True) -> dict[str, Array]:
        """Every family on one batch, by the Python families, as float64 columns; the context-free families
        first, as the container and neighbour families read their columns."""
        batch = LineBatch.from_frame(frame)
        tokens, token_line = word_tokens(batch)
        length = length_features(batch)
        chars = length["chars"]
        stop = stopword_features(batch, tokens, token_line, self.stopword_languages)
        keys = normalised_lines(batch)
        columns: dict[str, Array] = {
            **length,
            **position_features(batch, chars),
            **keyword_features(batch, tokens, token_line, self.keyword_max_chars),
            **character_features(batch, chars),
            **stop,
            **pattern_features(batch),
            **page_features(batch, chars, stop["stop_density"]),
            **repetition_features(batch, frame, keys, getattr(self, "line_frequency_", {}), leave_one_out),
        }
        columns.update(prose_features(batch, columns["words"], columns["ends_sentence"], chars))
        sections = self.mode == "text" and self.section_features
        if sections:
            columns.update(text_section_features(batch, columns, keys, tokens, token_line, word_token_starts(batch)))
        if self.mode == "html":
            columns.update(link_features(batch, frame, columns["words"]))
            columns.update(markup_features(batch, frame))
            columns.update(title_features(batch, frame, tokens, token_line))
            columns.update(container_features(batch, frame, columns))
            if self.kind_features:
                columns.update(kind_features(frame))
                columns.update(main_text_features(batch, columns["tokens"], columns["ends_sentence"], chars))
        base = [*_NEIGHBOUR_BASE_TEXT, *(_NEIGHBOUR_BASE_HTML if self.mode == "html" else ()),
                *(_NEIGHBOUR_BASE_SECTIONS if sections else ())]
        columns.update(neighbour_features(batch, {name: columns[name] for name in base}))
        names = getattr(self, "feature_names_", None) if select else None
        if names is not None:
            columns = {name: columns[name] for name in names}
        return columns


def categorical_features(names: Iterable[str]) -> list[str]:
    """The features LightGBM should treat as categories."""
    return [n for n in names if n == "tag"]
