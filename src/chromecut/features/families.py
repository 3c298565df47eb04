"""What the text families read besides the keyword lists (:mod:`chromecut.features.keywords`): their parameters'
defaults, the stopword lists and the closing characters. The families themselves (length, position, keywords,
characters, stopwords, patterns, page, repetition, prose) are computed by the Rust core
(``core/src/features/``), handed these by :mod:`chromecut.features.native`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import stopwordsiso

from chromecut.features.batch import CJK, char_table

#: Keyword families describe widget headings and short chrome lines; in longer prose they are noise.
KEYWORD_MAX_CHARS_DEFAULT = 120
#: Languages whose stopwords count towards stopword density (the datasets' languages and their neighbours).
STOPWORD_LANGUAGES_DEFAULT = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "hr", "cs", "sv", "ru", "zh")
#: Closing quotes and brackets: a line that ends with one after a full stop still ends a sentence.
CLOSING_CHARS = "\"'”’»)]）」"


@cache
def stopwords(languages: tuple[str, ...]) -> tuple[list[str], npt.NDArray[np.uint32]]:
    """The stopwords of ``languages`` (from the ``stopwordsiso`` package's lists, case-folded, sorted) and the
    code points of the single-character CJK ones."""
    unknown = sorted(set(languages) - set(stopwordsiso.langs()))
    if unknown:
        raise ValueError(f"no stopword list for {unknown}: the lists are those of stopwordsiso, "
                         f"{', '.join(sorted(stopwordsiso.langs()))}")
    words = sorted({w.casefold() for w in stopwordsiso.stopwords(list(languages))})
    table = char_table()
    cjk = [ord(w) for w in words if len(w) == 1 and table[ord(w)] & CJK]
    return words, np.array(sorted(cjk), dtype=np.uint32)
