"""What a few labelled pages of your own site buy on its other pages: the path docs/data.md gives a user, timed
and scored on the datasets' sites with the most pages.

For each site with at least ``--min-pages`` labelled pages in the prepared table (pages in a fixed random order
of the seed): the first ``--train`` pages and the next ``--val`` become a folder of your own pages
(:mod:`chromecut.datasets.own`: the HTML, the dataset's gold text, each page's split given), prepared and trained
on as a user would (``chromecut data prepare --own``, then a run of ``experiment=ship_<mode>`` on that dataset alone
with ``model.ensemble_with=[<mode>]``: the bundle fitted on the site's pages joined with the shipped bundle of the
mode, the threshold tuned on the site's validation pages). Every other page of the site is a test page, scored
(page F1 of the clean text against the gold, as the peers are scored) by the shipped bundle, by the ensemble, and by
the site's own bundle alone (the ensemble's second member, at its own threshold). In HTML mode a test page is its
HTML; in text mode each default renderer's dump of it, in Markdown mode each Markdown renderer's (the mean over the
dumps).

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/own_site.py --root ../shared/datasets --train 15 --val 5
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/own_site.py --root ../shared/datasets --mode text

Figures, never assertions: per site its test pages and the three page F1s, then their means.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chromecut.datasets import Page, iter_pages
from chromecut.datasets.own import PAGES_FILE
from chromecut.datasets.prepare import PAGES_FILE as PREPARED_PAGES
from chromecut.datasets.prepare import PrepareSettings, prepare
from chromecut.datasets.renderers import RENDERERS, available_renderers, render
from chromecut.evaluate.peer_scores import score_page
from chromecut.io.batch import BATCH_DOCUMENTS_DEFAULT
from chromecut.model.ensemble import Ensemble
from chromecut.predict import Cleaner
from chromecut.segment.encoding import decode_text
from chromecut.train.app import compose_settings
from chromecut.train.core import train

#: Labelled pages a site needs to be measured (training, validation and at least this many less for test).
MIN_PAGES_DEFAULT = 30
TRAIN_PAGES_DEFAULT = 15
VAL_PAGES_DEFAULT = 5


def site_pages(processed: Path, min_pages: int) -> dict[tuple[str, str], list[str]]:
    """The labelled page ids of each (dataset, site) with at least ``min_pages`` of them."""
    pages = pd.read_parquet(processed / PREPARED_PAGES, columns=["dataset", "domain", "page_id", "error",
                                                                 "gold_kind"])
    pages = pages[pages["error"].isna() & (pages["gold_kind"] == "text")]
    groups = pages.groupby(["dataset", "domain"])["page_id"].apply(sorted)
    return {key: ids for key, ids in groups.items() if len(ids) >= min_pages}


def write_site(folder: Path, pages: list[Page], n_train: int, n_val: int) -> list[Page]:
    """The site's first pages as a folder of your own pages (their splits given); the rest, its test pages."""
    (folder / "html").mkdir(parents=True)
    with (folder / PAGES_FILE).open("w", encoding="utf-8") as out:
        for i, page in enumerate(pages[: n_train + n_val]):
            name = f"{i:04d}.html"
            (folder / "html" / name).write_bytes(page.html)
            out.write(json.dumps({"id": page.page_id, "url": page.url, "html_file": f"html/{name}",
                                  "gold": page.gold.text, "split": "train" if i < n_train else "val",
                                  **({"encoding": page.encoding_hint} if page.encoding_hint else {})}) + "\n")
    return pages[n_train + n_val:]


def input_groups(pages: list[Page], mode: str) -> list[list[tuple[Page, str | bytes]]]:
    """What each page is cleaned from, one group per input format: the pages' HTML, or each of the mode's
    renderers' dumps of them (a page a renderer fails on is left out of that renderer's group, as prepare does)."""
    if mode == "html":
        return [[(page, page.html) for page in pages]]
    names = [name for name in available_renderers() if mode == "text" or RENDERERS[name].markdown]
    htmls = [decode_text(page.html, page.encoding_hint) for page in pages]
    groups = []
    for name in names:
        group: list[tuple[Page, str | bytes]] = []
        for page, html in zip(pages, htmls, strict=True):
            try:
                group.append((page, render(name, html)))
            except Exception:  # a renderer that fails on a page skips that dump, as prepare does
                continue
        groups.append(group)
    return groups


def test_inputs(pages: list[Page], mode: str) -> list[tuple[Page, str | bytes]]:
    """What each test page is cleaned from (:func:`input_groups`, one list)."""
    return [item for group in input_groups(pages, mode) for item in group]


def mean_f1(cleaner: Cleaner, inputs: list[tuple[Page, str | bytes]], site: str | None = None,
            batch: int = BATCH_DOCUMENTS_DEFAULT) -> float:
    """Mean page F1 of the inputs cleaned ``batch`` at a time (``Cleaner.clean_pages``), each batch's pages named
    as of ``site`` when one is given."""
    scores = []
    for start in range(0, len(inputs), batch):
        part = inputs[start : start + batch]
        cleaned = cleaner.clean_pages([data for _, data in part], sites=[site] * len(part))
        for (page, _), text in zip(part, cleaned, strict=True):
            prf = score_page(text if isinstance(text, str) else "", page)
            if prf is not None:
                scores.append(prf.f1)
    return float(np.mean(scores))


def add_site_arguments(parser: argparse.ArgumentParser, mode: str) -> None:
    """The arguments both site benchmarks take: where the data is, which sites, which mode (``mode`` by default)."""
    parser.add_argument("--root", type=Path, default=None, help="the datasets' folder")
    parser.add_argument("--processed", type=Path, default=Path("data/processed"), help="the prepared table")
    parser.add_argument("--min-pages", type=int, default=MIN_PAGES_DEFAULT)
    parser.add_argument("--mode", choices=("html", "text", "markdown"), default=mode)


def print_row(row: dict[str, Any]) -> None:
    """A site's figures as they come, one JSON line."""
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}), flush=True)


def print_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Every site's figures as one table, printed; the table."""
    table = pd.DataFrame(rows)
    print(table.round(3).to_string(index=False))
    return table


def measure_site(dataset: str, site: str, ids: list[str], args: argparse.Namespace, work: Path) -> dict[str, Any]:
    order = np.random.default_rng(args.seed).permutation(len(ids))
    wanted = [ids[i] for i in order]
    by_id = {page.page_id: page for page in iter_pages(dataset, args.root) if page.page_id in set(wanted)}
    pages = [by_id[i] for i in wanted if i in by_id]
    folder = work / site.replace(".", "-")
    test = write_site(folder, pages, args.train, args.val)
    processed = work / f"{folder.name}-table"
    renderers = () if args.mode == "html" else None  # text modes learn from every default renderer's dumps
    prepare(PrepareSettings(out_dir=processed, datasets=(), own=(folder,), renderers=renderers, n_jobs=1))
    bundle = work / f"{folder.name}-bundle"
    settings = compose_settings([
        f"experiment=ship_{args.mode}", f"data.processed_dir={processed}", f"data.own_datasets=[{folder}]",
        f"data.datasets=[{folder.name}]", f"model.ensemble_with=[{args.mode}]", "model.num_threads=1",
        "tracking.enabled=false", "ship_to=null", f"output_dir={bundle}",
    ])
    train(settings, root=work)
    ensemble = Cleaner.load(bundle)
    assert isinstance(ensemble.bundle, Ensemble)
    own_bundle = Cleaner(ensemble.bundle.members[-1])
    inputs = test_inputs(test, args.mode)
    return {"dataset": dataset, "site": site, "test_pages": len(test), "test_inputs": len(inputs),
            "shipped": mean_f1(Cleaner.load(args.mode), inputs), "ensemble": mean_f1(ensemble, inputs),
            "own_bundle": mean_f1(own_bundle, inputs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_site_arguments(parser, "html")
    parser.add_argument("--train", type=int, default=TRAIN_PAGES_DEFAULT)
    parser.add_argument("--val", type=int, default=VAL_PAGES_DEFAULT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="own-site-") as tmp:
        for (dataset, site), ids in site_pages(args.processed, args.min_pages).items():
            rows.append(measure_site(dataset, site, ids, args, Path(tmp)))
            print_row(rows[-1])
    table = print_table(rows)
    print(f"mean of {len(table)} sites ({int(table['test_pages'].sum())} test pages): shipped "
          f"{table['shipped'].mean():.3f}, ensemble {table['ensemble'].mean():.3f}, own bundle "
          f"{table['own_bundle'].mean():.3f}")


if __name__ == "__main__":
    main()
