"""How the models grow with their training data: a copy of the prepared table in which the training pages of all
but a share of the training sites are unlabelled.

The sites kept are drawn per dataset (each keeps about that share of its training sites, at least one); the other
training sites' lines are unknown (weight 0; the pages stay, so nothing else of the frame changes), and the
validation and test pages are untouched, so runs on copies of several shares are scored on the same pages as the
shipped run. Then train on each copy as usual:

    .venv/bin/python benchmarks/learning_curve.py --out data/processed-half --share 0.5
    chromecut-train experiment=ship_html data.processed_dir=data/processed-half model.num_threads=2 \\
        ship_to=null tracking.enabled=false output_dir=outputs/half-html

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from hard_pages import blank

from chromecut.cli import PROCESSED_DIR_DEFAULT
from chromecut.datasets.prepare import PAGES_FILE

#: The seed of the draw of sites.
SEED_DEFAULT = 0
#: The split whose sites are drawn.
TRAIN_SPLIT = "train"


def dropped_pages(pages: pd.DataFrame, share: float, seed: int) -> set[str]:
    """``dataset/page_id`` of the training pages of the sites not kept: each dataset keeps ``share`` of its
    training sites (rounded, at least one), drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    train = pages[pages["split"].astype(str) == TRAIN_SPLIT]
    dropped: set[str] = set()
    for _, group in train.groupby("dataset", sort=True, observed=True):
        sites = np.sort(group["domain"].astype(str).unique())
        kept = set(rng.choice(sites, size=max(1, round(share * len(sites))), replace=False).tolist())
        out = group[~group["domain"].astype(str).isin(kept)]
        dropped.update((out["dataset"].astype(str) + "/" + out["page_id"].astype(str)).tolist())
    return dropped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the copy's folder")
    parser.add_argument("--share", type=float, required=True, help="the share of training sites kept (0 to 1)")
    parser.add_argument("--seed", type=int, default=SEED_DEFAULT, help="the draw's seed")
    parser.add_argument("--processed", type=Path, default=PROCESSED_DIR_DEFAULT, help="prepared table folder")
    args = parser.parse_args(argv)
    if not 0.0 < args.share <= 1.0:
        parser.error(f"--share must be in (0, 1], got {args.share}")
    pages = pd.read_parquet(args.processed / PAGES_FILE, columns=["dataset", "page_id", "domain", "split"])
    dropped = dropped_pages(pages, args.share, args.seed)
    print(f"{len(dropped):,} of {int((pages['split'].astype(str) == TRAIN_SPLIT).sum()):,} training pages unlabelled")
    blank(args.processed, args.out, dropped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
