"""A feature prototype for text mode: where a dump put blank lines, tried before a port to the Rust core.

Inference reads a dump's non-blank lines only, and every feature is blind to the blank lines between them
(``chromecut/features/frame.py``). Yet many renderers write blocks the way the page grouped them: inscriptis,
html-text, resiliparse and html2text put a blank line between paragraphs and none between the items of a menu or
a list, so a run of lines with no blank line between them is one block of the page. The columns, per non-blank
line of a text-mode frame (from its ``line`` index, which keeps each line's place in the dump):

- ``blank_before`` / ``blank_after``: how many blank lines stand between the line and the previous / next
  non-blank line (at most :data:`BLANK_CAP`; missing at the page's ends);
- ``log_block_lines``: log2 of 1 + the number of lines of its block (the run of lines with no blank line between
  them);
- ``blank_share``: the share of the page's line breaks that hold a blank line (the same on every line of the page).

On a dump with no blank line at all (chromecut's block lines, BeautifulSoup's lines) the first three are missing,
not zero: the dump says nothing of its blocks. A pre-cleaned training copy (``features.augment_precleaned``) has
its lines renumbered so that a line it removed leaves no gap, only the dump's own blank lines do.

The bundle a run saves expects columns that only this script's process computes: every command goes through it
(the cleaner on its line-frame path, ``fused=False``, which runs the featuriser):

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/blank_gaps.py train experiment=ship_text \\
        model.num_threads=2 ship_to=null tracking.enabled=false output_dir=outputs/NAME
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/blank_gaps.py noise --mode text --renderers --beyond 100 \\
        outputs/BASE outputs/NAME
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/blank_gaps.py gate --root ../shared/datasets --text-model outputs/NAME
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/blank_gaps.py evaluate --mode text --no-peers \\
        --out outputs/lodo-NAME.json experiment=ship_text

Figures, never assertions (docs/training.md, "Blank lines between blocks").
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from prototype_run import load_unfused, train_and_print

import chromecut.train.frame as train_frame
from chromecut.features.featurizer import Featurizer

#: The columns, in order.
GAP_COLUMNS = ("blank_before", "blank_after", "log_block_lines", "blank_share")
#: A run of blank lines counts at most this many.
BLANK_CAP = 3


def gap_columns(doc: npt.NDArray[Any], line: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """The :data:`GAP_COLUMNS` of a frame's lines (pages contiguous, each in its lines' order)."""
    n = len(doc)
    out = np.full((n, len(GAP_COLUMNS)), np.nan, dtype=np.float32)
    if n == 0:
        return out
    same = np.r_[False, doc[1:] == doc[:-1]]
    gap = np.where(same, np.r_[0, np.diff(line)] - 1, -1)  # -1: the page's first line
    page = np.cumsum(~same) - 1
    breaks = np.bincount(page, weights=same.astype(np.float64))
    blanks = np.bincount(page, weights=(gap > 0).astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = blanks / breaks
    has_blanks = (blanks > 0)[page]
    before = np.where(gap >= 0, np.minimum(gap, BLANK_CAP), np.nan)
    after = np.r_[before[1:], np.nan]
    after[~np.r_[same[1:], False]] = np.nan
    block = np.cumsum(~same | (gap > 0)) - 1
    block_lines = np.bincount(block)[block]
    out[:, 0] = np.where(has_blanks, before, np.nan)
    out[:, 1] = np.where(has_blanks, after, np.nan)
    out[:, 2] = np.where(has_blanks, np.log2(1.0 + block_lines), np.nan)
    out[:, 3] = share[page]
    return out


def close_removed_lines(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each pre-cleaned copy's lines renumbered: a line's index less the lines of its page the copy
    removed before it, so only the dump's own blank lines leave gaps."""
    copy = frame["doc"].astype(str).str.endswith(train_frame.AUGMENTED_SUFFIX)
    if not copy.any():
        return frame
    original = frame[~copy]
    rank_all = original.groupby("doc", sort=False).cumcount()
    ranks = pd.DataFrame({"doc": original["doc"].astype(str), "line": original["line"], "rank_all": rank_all})
    copies = frame[copy].copy()
    copies["base"] = copies["doc"].astype(str).str.slice(stop=-len(train_frame.AUGMENTED_SUFFIX))
    rank_kept = copies.groupby("doc", sort=False).cumcount()
    merged = copies[["base", "line"]].merge(ranks, left_on=["base", "line"], right_on=["doc", "line"], how="left")
    removed = merged["rank_all"].to_numpy() - rank_kept.to_numpy()
    out = frame.copy()
    lines = copies["line"].to_numpy(dtype=np.int64) - removed.astype(np.int64)
    out.loc[copy, "line"] = lines.astype(out["line"].dtype)
    return out


def patch() -> None:
    """Append the columns to text mode's features (training's, the folds', the cleaner's) and clean on the
    line-frame path."""
    base_names = Featurizer.output_names
    base_features = Featurizer._features

    def output_names(self: Featurizer) -> list[str]:
        names = base_names(self)
        saved = getattr(self, "feature_names_", None)
        if self.mode != "text" or (saved is not None and GAP_COLUMNS[0] not in saved):
            return names
        return [*names, *GAP_COLUMNS]

    def features(self: Featurizer, frame: pd.DataFrame, leave_one_out: bool) -> pd.DataFrame:
        if GAP_COLUMNS[0] not in self.feature_names_:
            return base_features(self, frame, leave_one_out)
        names = self.feature_names_
        self.feature_names_ = [n for n in names if n not in GAP_COLUMNS]
        try:
            table = base_features(self, frame, leave_one_out)
        finally:
            self.feature_names_ = names
        gaps = gap_columns(frame["doc"].to_numpy(), frame["line"].to_numpy(dtype=np.int64))
        for i, name in enumerate(GAP_COLUMNS):
            table[name] = gaps[:, i]
        return table[names]

    Featurizer.output_names = output_names  # type: ignore[method-assign]
    Featurizer._features = features  # type: ignore[method-assign]

    to_text_mode = train_frame.to_text_mode

    def renumbered(*args: Any, **kwargs: Any) -> pd.DataFrame:
        return close_removed_lines(to_text_mode(*args, **kwargs))

    train_frame.to_text_mode = renumbered  # type: ignore[assignment]
    load_unfused()


def main(argv: Sequence[str]) -> None:
    if not argv or argv[0] not in ("train", "noise", "gate", "evaluate"):
        raise SystemExit(__doc__)
    patch()
    command, rest = argv[0], list(argv[1:])
    if command == "train":
        train_and_print(rest)
    elif command == "noise":
        import gate_noise

        gate_noise.main(rest)
    elif command == "gate":
        from chromecut.evaluate import quality

        raise SystemExit(quality.main(["check", *rest]))
    else:
        from chromecut.cli import main as cli_main

        raise SystemExit(cli_main(["evaluate", *rest]))


if __name__ == "__main__":
    main(sys.argv[1:])
