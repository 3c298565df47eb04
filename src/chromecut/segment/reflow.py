"""Hard-wrapped text dumps, read by their blocks.

``html2text`` wraps at 78 characters unless told otherwise, ``lynx -dump`` and ``w3m -dump`` at the terminal's
width, and so do ``fmt``, ``textwrap`` and mail and archive text. Text mode learnt from dumps of one block per
line; a wrapped paragraph would reach it as a run of fragments that each read like a menu item. The Rust core
finds the width a dump was wrapped at and the lines a wrapper broke (``core/src/reflow.rs``: many lines end just
short of one width, hardly any longer line could have been broken before it, and the breaks mostly continue a
sentence); text mode then scores each block as one line and gives its label to every line of the block. A dump
that is not wrapped is read as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from chromecut import _core
from chromecut.segment.html import Line, Segmentation

#: A code point a Rust string cannot hold (a broken decoder's ``str`` can), and what the core sees instead.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"


@dataclass(frozen=True)
class Blocks:
    """A wrapped page's blocks: the segmentation the model scores (one line per block, blank blocks blank) and
    where each block starts among the page's own lines (block ``b`` holds ``starts[b]:starts[b + 1]``)."""

    width: int
    scored: Segmentation
    starts: list[int]

    def owners(self) -> list[int]:
        """The block of each of the page's own lines."""
        return [block for block, (start, end) in enumerate(pairwise(self.starts)) for _ in range(start, end)]


def text_blocks(seg: Segmentation) -> Blocks | None:
    """The blocks of a text page whose lines are hard-wrapped, ``None`` for any other page."""
    if seg.mode != "text":
        return None
    own = seg.texts
    try:
        found = _core.text_blocks(own)
    except UnicodeEncodeError:  # lone surrogates, which the core cannot hold: looked at with U+FFFD in their place
        found = _core.text_blocks([_LONE_SURROGATE.sub(REPLACEMENT_CHARACTER, text) for text in own])
    if found is None:
        return None
    width, starts = found
    lines = [Line(index=block, text=_joined(own[start:end])) for block, (start, end) in enumerate(pairwise(starts))]
    return Blocks(width, Segmentation(lines=lines, mode=seg.mode, encoding=seg.encoding), starts)


def _joined(lines: list[str]) -> str:
    """A block's text as the core joins it (``core/src/reflow.rs``, ``Blocks::texts``): its first line without
    trailing whitespace, then each further line stripped, after one space."""
    return " ".join([lines[0].rstrip(), *(line.strip() for line in lines[1:])])
