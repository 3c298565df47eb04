"""What HTML mode's markup families read besides the class/id word families
(:data:`chromecut.features.keywords.ATTR_FAMILIES`): the tag vocabulary of the categorical ``tag`` feature and
what a word of the page's ``<title>`` is. The families (links, tags, headings, lists, depth, landmarks, class/id
words, title) are computed by the Rust core (``core/src/features/markup.rs``).
"""

from __future__ import annotations

import re

from chromecut.segment.html import BLOCK_TAGS

#: Tag vocabulary for the categorical ``tag`` feature.
TAG_VOCABULARY: tuple[str, ...] = tuple(sorted(BLOCK_TAGS))
#: A word of the page's title: a run of letters and digits.
TITLE_WORD = re.compile(r"[^\W_]+")
