"""Lines -> feature table, shared by training and inference.

The modules follow the way of the data:

- :mod:`~chromecut.features.frame`: segmented pages -> the line frame, one row per non-blank line.
- :mod:`~chromecut.features.batch`: the views of a batch of lines (code points, character classes, page
  offsets) and the helpers every family shares.
- :mod:`~chromecut.features.families`: the context-free families of the text (length, position, keywords,
  stopwords, characters, page, repetition); :mod:`~chromecut.features.patterns`: the pattern family;
  :mod:`~chromecut.features.markup`: the HTML-only families (links, markup, class/id words, title).
- :mod:`~chromecut.features.context`: what looks past the line (neighbours, prose, containers) and the second,
  context pass over the first pass's probabilities.
- :mod:`~chromecut.features.featurizer`: :class:`Featurizer`, which runs them all (the scikit-learn contract).
- :mod:`~chromecut.features.keywords`: the keyword, pattern and class/id word families, compiled once.
- :mod:`~chromecut.features.native`: the Rust engine of both modes (``Featurizer(mode, engine="rust")``, the
  default; ``CHROMECUT_FEATURE_ENGINE=python`` picks the Python families), fed every table, list and regex from
  the modules above; :mod:`~chromecut.features.unicode_tables`: the per-code-point Unicode tables it reads, shipped
  precomputed.

The rest of the package imports from here; the modules' own names are for the features' tests and readers.
"""

from chromecut.features.context import (
    CONTEXT_HALF_WINDOWS,
    CONTEXT_LIKELY_CONTENT,
    NEIGHBOUR_OFFSETS,
    PROSE_MIN_WORDS,
    context_features,
)
from chromecut.features.families import KEYWORD_MAX_CHARS_DEFAULT, STOPWORD_LANGUAGES_DEFAULT
from chromecut.features.featurizer import (
    ENGINE_DEFAULT,
    ENGINE_ENV,
    ENGINES,
    FEATURIZER_VERSION,
    MODES,
    REPEAT_MAX_CHARS_DEFAULT,
    REPEAT_MIN_PAGES_DEFAULT,
    REPEAT_TABLE_SIZE_DEFAULT,
    Engine,
    Featurizer,
    Mode,
    categorical_features,
    default_engine,
)
from chromecut.features.frame import LINE_FRAME_COLUMNS, MARKUP_COLUMNS, TEXT_FRAME_COLUMNS, line_frame
from chromecut.features.markup import TAG_VOCABULARY

__all__ = [
    "CONTEXT_HALF_WINDOWS",
    "CONTEXT_LIKELY_CONTENT",
    "ENGINES",
    "ENGINE_DEFAULT",
    "ENGINE_ENV",
    "FEATURIZER_VERSION",
    "KEYWORD_MAX_CHARS_DEFAULT",
    "LINE_FRAME_COLUMNS",
    "MARKUP_COLUMNS",
    "MODES",
    "NEIGHBOUR_OFFSETS",
    "PROSE_MIN_WORDS",
    "REPEAT_MAX_CHARS_DEFAULT",
    "REPEAT_MIN_PAGES_DEFAULT",
    "REPEAT_TABLE_SIZE_DEFAULT",
    "STOPWORD_LANGUAGES_DEFAULT",
    "TAG_VOCABULARY",
    "TEXT_FRAME_COLUMNS",
    "Engine",
    "Featurizer",
    "Mode",
    "categorical_features",
    "context_features",
    "default_engine",
    "line_frame",
]
