"""What naming the site of a batch of pages buys (``Cleaner.clean_pages(..., sites=...)``, ``chromecut clean
--site``): each shipped bundle on the pages of the datasets' sites with the most labelled pages, cleaned in batches
of one site's pages with the site named and without.

For each site with at least ``--min-pages`` labelled pages in the prepared table, its pages (in page id order) are
cleaned in batches of ``--batch`` pages (``chromecut clean``'s batch is 16 documents): in HTML mode their HTML, in
text mode each default renderer's dump, in Markdown mode each Markdown renderer's (``benchmarks/own_site.py``'s
inputs). Page F1 of the clean text against the gold, as the peers are scored; the mean over a site's inputs.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/site_batches.py --root ../shared/datasets --mode text

Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from own_site import MIN_PAGES_DEFAULT, input_groups, site_pages

from chromecut.datasets import Page, iter_pages
from chromecut.evaluate.peer_scores import score_page
from chromecut.io.batch import BATCH_DOCUMENTS_DEFAULT
from chromecut.predict import Cleaner


def mean_f1(cleaner: Cleaner, inputs: list[tuple[Page, str | bytes]], site: str | None, batch: int) -> float:
    """Mean page F1 of the inputs cleaned ``batch`` at a time, each batch's pages named as of ``site``."""
    scores = []
    for start in range(0, len(inputs), batch):
        part = inputs[start : start + batch]
        cleaned = cleaner.clean_pages([data for _, data in part], sites=[site] * len(part))
        for (page, _), text in zip(part, cleaned, strict=True):
            prf = score_page(text if isinstance(text, str) else "", page)
            if prf is not None:
                scores.append(prf.f1)
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=None, help="the datasets' folder")
    parser.add_argument("--processed", type=Path, default=Path("data/processed"), help="the prepared table")
    parser.add_argument("--min-pages", type=int, default=MIN_PAGES_DEFAULT)
    parser.add_argument("--batch", type=int, default=BATCH_DOCUMENTS_DEFAULT)
    parser.add_argument("--mode", choices=("html", "text", "markdown"), default="text")
    args = parser.parse_args()
    cleaner = Cleaner.load(args.mode)
    rows = []
    for (dataset, site), ids in site_pages(args.processed, args.min_pages).items():
        wanted = set(ids)
        pages = [page for page in iter_pages(dataset, args.root) if page.page_id in wanted]
        # Each input format's dumps of the site's pages batched together, as a crawl of the site dumped by one tool.
        groups = input_groups(pages, args.mode)
        inputs = sum(len(group) for group in groups)
        row = {"dataset": dataset, "site": site, "pages": len(pages), "inputs": inputs,
               **{name: float(np.average([mean_f1(cleaner, group, named, args.batch) for group in groups],
                                         weights=[len(group) for group in groups]))
                  for name, named in (("unnamed", None), ("named", site))}}
        rows.append(row)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
    table = pd.DataFrame(rows)
    print(table.round(3).to_string(index=False))
    print(f"mean of {len(table)} sites ({int(table['inputs'].sum())} inputs of {int(table['pages'].sum())} pages), "
          f"batches of {args.batch}: unnamed {table['unnamed'].mean():.3f}, named {table['named'].mean():.3f}, "
          f"sites up {int((table['named'] > table['unnamed']).sum())}")


if __name__ == "__main__":
    main()
