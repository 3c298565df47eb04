"""Training without the pages whose gold a model with the markup cannot follow: a copy of the prepared table with
their labels blanked.

Some training pages' gold is arbitrary for any line model: one section of a landing page among several alike, a
snippet gold whose one must-not snippet is a line like the content around it. This script scores the shipped
HTML bundle on its own training pages (the pages it learnt from, so a page it still gets wrong is one its labels
contradict), and writes a copy of the prepared table where every line of the training pages below
``--below`` page F1 is unknown (weight 0 in training; the page stays, so the page-level features of its lines
do not change); validation and test pages are untouched. It reads the prepared table ``chromecut-train`` reads
by default (``data/processed``). Then train on the copy as usual:

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/hard_pages.py --out data/processed-clean --below 0.5
    chromecut-train experiment=ship_text data.processed_dir=data/processed-clean model.num_threads=2 \\
        ship_to=null tracking.enabled=false output_dir=outputs/clean-text

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from decision_rules import split_views
from seeds import page_scores_at

from chromecut.cli import PROCESSED_DIR_DEFAULT
from chromecut.datasets.prepare import LINES_FILE, PAGES_FILE, REPORT_FILE
from chromecut.datasets.renderings import RENDERING_PAGES_FILE, RENDERINGS_FILE
from chromecut.labels import Label

#: The tables whose lines carry labels (blanked), and the files copied as they are.
LABELLED_FILES = (LINES_FILE, RENDERINGS_FILE)
COPIED_FILES = (PAGES_FILE, RENDERING_PAGES_FILE, REPORT_FILE)
#: Training pages below this page F1 of the shipped HTML bundle are blanked.
BELOW_DEFAULT = 0.5


def hard_pages(below: float, processed: Path) -> pd.DataFrame:
    """The shipped HTML bundle's page scores on its training pages that fall below ``below`` page F1 (the pages
    as ``chromecut-train experiment=ship_html`` splits them, from its prepared table; ``processed``: the gold)."""
    from chromecut.model.bundle import Bundle
    from chromecut.predict import resolve_model

    pages = pd.read_parquet(processed / PAGES_FILE)
    view = split_views("ship_html", ("train",))["train"]
    bundle = Bundle.load(resolve_model("html"))
    scores = page_scores_at(view, bundle.predict_proba(view), bundle.threshold, pages)
    print(f"{len(scores)} training pages, mean page F1 {scores['f1'].mean():.4f}")
    return scores[scores["f1"] < below]


def blank(source: Path, target: Path, docs: set[str]) -> None:
    """Copy the prepared table from ``source`` to ``target`` with the lines of ``docs`` labelled unknown."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED_FILES:
        shutil.copy(source / name, target / name)
    for name in LABELLED_FILES:
        table = pq.read_table(source / name)
        keys = (table.column("dataset").to_pandas().astype(str) + "/"
                + table.column("page_id").to_pandas().astype(str))
        hit = keys.isin(docs).to_numpy()
        labels = table.column("label").to_numpy().copy()
        labels[hit] = Label.UNKNOWN
        at = table.schema.get_field_index("label")
        field = table.schema.field(at)
        pq.write_table(table.set_column(at, field, pa.array(labels, type=field.type)), target / name)
        print(f"{name}: {int(np.count_nonzero(hit)):,} of {len(hit):,} lines blanked")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the copy's folder")
    parser.add_argument("--below", type=float, default=BELOW_DEFAULT, help="page F1 under which a page is blanked")
    args = parser.parse_args(argv)
    hard = hard_pages(args.below, PROCESSED_DIR_DEFAULT)
    print(f"{len(hard)} pages below {args.below}:", hard.groupby("dataset").size().to_dict())
    blank(PROCESSED_DIR_DEFAULT, args.out, set(hard["doc"].astype(str).str.split("#").str[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
