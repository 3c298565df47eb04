"""Decision rules other than one threshold, on the held-out lines of leave-one-dataset-out folds: whether a page's
own probabilities choose its threshold better than the one its fold's validation sites chose.

    chromecut evaluate --mode html --no-peers --predictions /tmp/folds      # the folds' held-out lines, once
    .venv/bin/python benchmarks/decision_rules.py /tmp/folds                # every rule on every fold

Rules (the dominant-line rule of :mod:`chromecut.model.decision` kept in all):

- ``threshold``: the fold's own threshold (the report's page F1);
- ``page``: each page's own threshold, where its lines' probabilities split best into two groups (Otsu: the
  largest between-group variance), whatever the fold chose;
- ``page_clip_<d>``: the page's threshold, moved at most ``d`` away from the fold's;
- ``page_mix_<w>``: ``w`` times the page's threshold plus ``1 - w`` times the fold's;
- ``fallback_<n>``: the fold's threshold, halved on a page whose lines at or above it hold fewer than ``n``
  characters (a page the model would return almost empty; its dominant lines not counted).

Figures, never assertions: mean page F1 per held-out dataset and rule, and their mean over the datasets.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.cli import PROCESSED_DIR_DEFAULT
from chromecut.datasets.prepare import PAGES_FILE
from chromecut.evaluate.scores import kept_page_scores
from chromecut.model.decision import dominant_lines

#: ``page_clip_<d>``: how far a page's threshold may move from its fold's.
CLIP_DISTANCES = (0.1, 0.2, 0.3)
#: ``page_mix_<w>``: the page threshold's weight.
MIX_WEIGHTS = (0.5,)
#: ``fallback_<n>``: a page whose lines at or above the fold's threshold hold fewer characters than this ...
FALLBACK_CHARS = (300, 1000)
#: ... is cut at this share of the fold's threshold.
FALLBACK_SHARE = 0.5

Floats = npt.NDArray[np.float64]
#: A rule: a page's threshold from its lines' probabilities, its fold's threshold and its lines' lengths.
Rule = Callable[[Floats, float, Floats], float]


def otsu_threshold(p: Floats) -> float | None:
    """The threshold that splits ``p`` into two groups of the largest between-group variance (midway between the
    two probabilities it falls between); None for fewer than two lines or a page whose lines all score alike."""
    ordered = np.sort(np.asarray(p, dtype=np.float64))
    if ordered.size < 2 or ordered[0] == ordered[-1]:
        return None
    below = np.arange(1, ordered.size, dtype=np.float64)
    above = ordered.size - below
    sums = np.cumsum(ordered)[:-1]
    gap = sums / below - (ordered.sum() - sums) / above
    split = int(np.argmax(below * above * gap**2))
    return float((ordered[split] + ordered[split + 1]) / 2)


def rules() -> dict[str, Rule]:
    """Every rule, by name."""

    def page(p: Floats, fold: float, lengths: Floats) -> float:
        own = otsu_threshold(p)
        return fold if own is None else own

    def clip(distance: float) -> Rule:
        return lambda p, fold, lengths: float(np.clip(page(p, fold, lengths), fold - distance, fold + distance))

    def mix(weight: float) -> Rule:
        return lambda p, fold, lengths: weight * page(p, fold, lengths) + (1 - weight) * fold

    def fallback(chars: int) -> Rule:
        return lambda p, fold, lengths: fold * FALLBACK_SHARE if lengths[p >= fold].sum() < chars else fold

    chosen: dict[str, Rule] = {"threshold": lambda p, fold, lengths: fold, "page": page}
    chosen.update({f"page_clip_{d}": clip(d) for d in CLIP_DISTANCES})
    chosen.update({f"page_mix_{w}": mix(w) for w in MIX_WEIGHTS})
    chosen.update({f"fallback_{n}": fallback(n) for n in FALLBACK_CHARS})
    return chosen


def kept_by_rule(lines: pd.DataFrame, rule: Rule) -> npt.NDArray[np.bool_]:
    """The lines a rule keeps: each page's lines at or above its threshold, and its dominant lines."""
    p = lines["p_content"].to_numpy(dtype=np.float64)
    fold = float(lines["threshold"].iloc[0])
    keys = lines["doc"].to_numpy()
    lengths: Floats = np.asarray(lines["text"].astype(str).str.len(), dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    kept = np.zeros(len(p), dtype=np.bool_)
    for start, end in zip(starts, np.r_[starts[1:], len(p)], strict=True):
        kept[start:end] = p[start:end] >= rule(p[start:end], fold, lengths[start:end])
    return kept | dominant_lines(keys, lengths)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path, help="the folder `chromecut evaluate --predictions` wrote")
    parser.add_argument("--processed", type=Path, default=PROCESSED_DIR_DEFAULT, help="prepared table folder")
    args = parser.parse_args(argv)
    pages = pd.read_parquet(args.processed / PAGES_FILE)
    table: dict[str, dict[str, float]] = {}
    for path in sorted(args.predictions.glob("*.parquet")):
        lines = pd.read_parquet(path)
        table[path.stem] = {name: float(kept_page_scores(lines, kept_by_rule(lines, rule), pages)["f1"].mean())
                            for name, rule in rules().items()}
    if not table:
        parser.error(f"no fold predictions in {args.predictions}")
    frame = pd.DataFrame(table).T
    frame.loc[f"mean of {len(table)}"] = frame.mean()
    print(frame.round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
