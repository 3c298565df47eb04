"""What a bundle loses on pages whose language its stopword lists do not know: the pages of one language
cleaned by the bundle as it is and by the same bundle with that language's list dropped (or every list), the
trees unchanged. Pages: the validation and test sites' pages of the chosen datasets whose language is stated
(``pages.parquet`` of ``chromecut data prepare``); text bundles read chromecut's own lines of each page, HTML
bundles the page. Page F1 (snippet score on snippet gold) at the bundle's own decision and averaged over fixed
thresholds.

    .venv/bin/python benchmarks/stopword_languages.py --language de --datasets trafilatura text outputs/candidate
    .venv/bin/python benchmarks/stopword_languages.py --language en --datasets wcxb --drop-all text

Figures, never assertions.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from chromecut import Cleaner
from chromecut.datasets import GoldKind, datasets_root, iter_pages
from chromecut.datasets.prepare import PAGES_FILE
from chromecut.evaluate.metrics import PRF, shingle_prf, snippet_score
from chromecut.model.bundle import Bundle
from chromecut.predict import resolve_model
from chromecut.segment.html import html_to_text

#: The fixed thresholds whose page F1 is averaged (the threshold differs from one retrain to the next).
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5)
#: The splits whose pages are cleaned (no model was fitted on them).
SPLITS = ("val", "test")
PROCESSED_DEFAULT = Path("data/processed")


def score(kept: str, page: pd.Series) -> PRF:
    if page["gold_kind"] == str(GoldKind.SNIPPETS):
        return snippet_score(kept, list(page["with_snippets"]), list(page["without_snippets"]))
    return shingle_prf(kept, page["gold_text"] or "")


def load_pages(processed: Path, language: str, datasets: Sequence[str]) -> list[tuple[pd.Series, bytes]]:
    """The chosen pages' rows of ``pages.parquet`` and their HTML."""
    pages = pd.read_parquet(processed / PAGES_FILE)
    chosen = pages[pages["dataset"].isin(datasets) & pages["split"].isin(SPLITS) & pages["language"].eq(language)
                   & pages["error"].isna()]
    rows = {(r["dataset"], r["page_id"]): r for _, r in chosen.iterrows()}
    out = []
    for dataset in datasets:
        for page in iter_pages(dataset, datasets_root()):
            if (dataset, page.page_id) in rows:
                out.append((rows[(dataset, page.page_id)], page.html))
    return out


def page_f1(cleaner: Cleaner, pages: list[tuple[pd.Series, bytes]]) -> tuple[float, list[float]]:
    """Mean page F1 at the bundle's own decision, and at each of :data:`THRESHOLDS`."""
    own, fixed = [], np.zeros((len(pages), len(THRESHOLDS)))
    text_mode = cleaner.bundle.featurizer.mode == "text"
    for i, (row, html) in enumerate(pages):
        lines = cleaner.label(html_to_text(html) if text_mode else html)
        own.append(score("\n".join(line.text for line in lines if line.content), row).f1)
        for j, threshold in enumerate(THRESHOLDS):
            fixed[i, j] = score("\n".join(line.text for line in lines if line.p_content >= threshold), row).f1
    return float(np.mean(own)), fixed.mean(axis=0).tolist()


def without_lists(bundle: Bundle, language: str | None) -> Bundle:
    """The bundle with ``language``'s stopword list dropped (every list when None), the trees unchanged."""
    featurizer = bundle.featurizer
    kept = () if language is None else tuple(x for x in featurizer.stopword_languages if x != language)
    blind = type(featurizer)(**{**featurizer.get_params(), "stopword_languages": kept})
    blind.line_frequency_ = featurizer.line_frequency_
    blind.feature_names_ = featurizer.feature_names_
    return replace(bundle, featurizer=blind)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundles", nargs="+", help="bundles: html, text, markdown, a folder or an MLflow URI")
    parser.add_argument("--language", required=True, help="the pages' language, as pages.parquet states it")
    parser.add_argument("--datasets", required=True, help="comma-separated datasets the pages come from")
    parser.add_argument("--drop-all", action="store_true", help="drop every stopword list, not the language's")
    parser.add_argument("--processed", type=Path, default=PROCESSED_DEFAULT, help="chromecut data prepare's folder")
    args = parser.parse_args(argv)
    pages = load_pages(args.processed, args.language, args.datasets.split(","))
    dropped = "every list" if args.drop_all else f"no {args.language} list"
    print(f"{len(pages)} pages in {args.language}; page F1 at the bundle's decision, then mean over thresholds "
          + ", ".join(map(str, THRESHOLDS)))
    for name in args.bundles:
        bundle = Bundle.load(resolve_model(name))
        for label, variant in ((name, bundle), (f"{name}, {dropped}", without_lists(bundle, None if args.drop_all
                                                                                   else args.language))):
            own, fixed = page_f1(Cleaner(variant), pages)
            print(f"{label:60s} {own:.4f}  {np.mean(fixed):.4f}  (" + " ".join(f"{v:.4f}" for v in fixed) + ")")


if __name__ == "__main__":
    main()
