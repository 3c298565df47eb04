"""A prototype of the context pass: comment frames in a text dump.

A comment under an article reads as prose in a text dump; its frame tells it apart: an author-and-date line
above it, a short "Reply" (or "Antworten", "Répondre", "回复": the comment keyword family of
:mod:`chromecut.features.keywords`) line below it, and the same again for the next comment. This script adds to
the context pass's features, per line: how many lines below it the next short comment-word line is, how many
lines above it the last short dated line is (:data:`chromecut.features.keywords.PATTERNS` ``date`` or
``time``), whether both are near with no comment-word line between (a frame), and the page's count of short
comment-word lines. It trains one ``chromecut-train`` run (its Hydra overrides as arguments) and prints its test
and validation figures; the bundle it saves cannot be served (the Rust pipeline does not compute the columns), so
it is an experiment, not a model to ship.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/comment_frames.py experiment=ship_text model.num_threads=2 \\
        ship_to=null tracking.enabled=false output_dir=outputs/frames-text

``--gap BUNDLE`` runs ``benchmarks/text_html_gap.py`` on such a bundle instead, scored by the line-frame path
(``Cleaner(fused=False)``, whose context pass is the patched Python one).

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
from prototype_run import add_context_columns, load_unfused, page_bounds, train_and_print

from chromecut.features.keywords import _TEXT_FAMILIES, PATTERNS

FRAME_NAMES = ("frame_reply_below", "frame_dated_above", "frame_in", "frame_page_replies")
#: A comment-word line (a control such as "Reply", not a heading such as "13 comments") has at most this many
#: words and no digit; a dated line at most this many words.
REPLY_MAX_WORDS = 2
DATED_MAX_WORDS = 15
#: Distances are capped here; a frame's ends are at most this near.
DISTANCE_CAP = 10
FRAME_NEAR = 4
_COMMENT_WORDS = frozenset(word for phrase in _TEXT_FAMILIES["comments"] for word in phrase.split())


def _is_reply(text: str) -> bool:
    words = text.lower().replace("-", " ").split()
    return (0 < len(words) <= REPLY_MAX_WORDS and not any(c.isdigit() for c in text)
            and any(word.strip(".:()[]") in _COMMENT_WORDS for word in words))


def _is_dated(text: str) -> bool:
    return len(text.split()) <= DATED_MAX_WORDS and bool(PATTERNS["date"].search(text) or PATTERNS["time"].search(text))


def frame_columns(frame: pd.DataFrame, probability: Any = None) -> pd.DataFrame:
    """:data:`FRAME_NAMES` of every line of a line frame (``probability`` unread)."""
    texts = frame["text"].astype(str).tolist()
    reply = np.fromiter((_is_reply(t) for t in texts), dtype=bool, count=len(texts))
    dated = np.fromiter((_is_dated(t) for t in texts), dtype=bool, count=len(texts))
    out = np.zeros((len(texts), len(FRAME_NAMES)), dtype=np.float32)
    for start, end in page_bounds(frame):
        next_reply, last_reply = DISTANCE_CAP, -1
        below = np.full(end - start, DISTANCE_CAP, dtype=np.float32)
        for i in range(end - 1, start - 1, -1):  # the next comment-word line below each line
            next_reply = 0 if reply[i] else min(next_reply + 1, DISTANCE_CAP)
            below[i - start] = next_reply if not reply[i] else DISTANCE_CAP
        page_replies = float(reply[start:end].sum())
        dated_at = -1
        for i in range(start, end):
            above = min(i - dated_at, DISTANCE_CAP) if dated_at >= 0 else DISTANCE_CAP
            inside = above <= FRAME_NEAR and below[i - start] <= FRAME_NEAR and last_reply < dated_at
            out[i] = (below[i - start], above, float(inside), page_replies)
            if dated[i]:
                dated_at = i
            if reply[i]:
                last_reply = i
    return pd.DataFrame(out, index=frame.index, columns=list(FRAME_NAMES))


def main(argv: list[str]) -> None:
    add_context_columns(frame_columns, modes=("text",))
    if argv[:1] == ["--gap"]:  # benchmarks/text_html_gap.py on a bundle of this script, by the line-frame path
        import text_html_gap

        load_unfused()
        text_html_gap.main(argv[1:])
        return
    train_and_print(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
