"""Lines -> feature table, shared by training and inference.

The modules follow the way of the data:

- :mod:`~chromecut.features.frame`: segmented pages -> the line frame, one row per non-blank line.
- :mod:`~chromecut.features.featurizer`: :class:`Featurizer` (the scikit-learn contract), which computes every
  family of both modes in the Rust core (``core/src/features/``) through :mod:`~chromecut.features.native`, the
  one implementation that training and inference share.
- What the families read, all of it handed to Rust by :mod:`~chromecut.features.native`:
  :mod:`~chromecut.features.keywords` (the keyword, pattern and class/id word families),
  :mod:`~chromecut.features.families` (stopwords, the text families' defaults), :mod:`~chromecut.features.markup`
  (the tag vocabulary), :mod:`~chromecut.features.sections` and :mod:`~chromecut.features.kinds` (their rules'
  thresholds, words and regexes), :mod:`~chromecut.features.batch` (the character classes) and
  :mod:`~chromecut.features.unicode_tables` (the per-code-point Unicode tables, shipped precomputed).
- :mod:`~chromecut.features.context`: the neighbour offsets and bases, and the second, context pass over the
  first pass's probabilities.
- :mod:`~chromecut.features.kinds` also tells each line's kind of chrome for the evaluation's error report.

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
    FEATURIZER_VERSION,
    MODES,
    REPEAT_MAX_CHARS_DEFAULT,
    REPEAT_MIN_PAGES_DEFAULT,
    REPEAT_TABLE_SIZE_DEFAULT,
    Featurizer,
    Mode,
    categorical_features,
)
from chromecut.features.frame import LINE_FRAME_COLUMNS, MARKUP_COLUMNS, TEXT_FRAME_COLUMNS, line_frame
from chromecut.features.markup import TAG_VOCABULARY

__all__ = [
    "CONTEXT_HALF_WINDOWS",
    "CONTEXT_LIKELY_CONTENT",
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
    "Featurizer",
    "Mode",
    "categorical_features",
    "context_features",
    "line_frame",
]
