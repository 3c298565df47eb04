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
from typing import Any

import numpy as np
from own_site import add_site_arguments, input_groups, mean_f1, print_row, print_table, site_pages

from chromecut.datasets import iter_pages
from chromecut.io.batch import BATCH_DOCUMENTS_DEFAULT
from chromecut.predict import Cleaner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_site_arguments(parser, "text")
    parser.add_argument("--batch", type=int, default=BATCH_DOCUMENTS_DEFAULT)
    args = parser.parse_args()
    cleaner = Cleaner.load(args.mode)
    rows: list[dict[str, Any]] = []
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
        print_row(row)
    table = print_table(rows)
    print(f"mean of {len(table)} sites ({int(table['inputs'].sum())} inputs of {int(table['pages'].sum())} pages), "
          f"batches of {args.batch}: unnamed {table['unnamed'].mean():.3f}, named {table['named'].mean():.3f}, "
          f"sites up {int((table['named'] > table['unnamed']).sum())}")


if __name__ == "__main__":
    main()
