"""Where text mode loses to HTML mode on the same lines: chromecut's block lines of the test pages, labelled by
the gold alignment, scored by the shipped HTML model (from the page) and by a text model (from the lines joined).

It prints each mode's false-content and false-chrome weight (a line weighing the square root of its tokens, these
capped as training's line weights cap them), the part where only text mode is wrong, the tags of those lines, and
the pages that carry most of it; ``--save`` keeps the per-line table (Parquet) for a closer look.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/text_html_gap.py text

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chromecut.cli import PROCESSED_DIR_DEFAULT
from chromecut.datasets import iter_pages
from chromecut.datasets.prepare import LINES_FILE
from chromecut.labels import Label
from chromecut.model.estimator import WEIGHT_TOKEN_CAP
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html

#: The permissive datasets whose gold is full text (trafilatura's is snippets: most lines unlabelled).
DATASETS = ("wcxb", "readability", "chinese-wce")
TOP_PAGES = 12


def score(text_model: str, datasets: Sequence[str]) -> pd.DataFrame:
    """One row per labelled line of the test pages: its label and both modes' probability and decision."""
    columns = ["dataset", "page_id", "split", "line", "label", "tag"]
    lines = pd.read_parquet(PROCESSED_DIR_DEFAULT / LINES_FILE, columns=columns)
    test = lines[(lines["split"] == "test") & lines["dataset"].isin(datasets) & (lines["label"] != Label.UNKNOWN)]
    labelled = {key: group.set_index("line") for key, group in test.groupby(["dataset", "page_id"], observed=True)}
    html, text = Cleaner.load("html"), Cleaner.load(text_model)
    rows = []
    for dataset in datasets:
        for page in iter_pages(dataset):
            gold = labelled.get((dataset, page.page_id))
            if gold is None:
                continue
            seg = segment_html(page.html, encoding_hint=page.encoding_hint)
            by_html = html.label_segmentation(seg)
            by_text = text.label("\n".join(seg.texts))
            for i, (h, t) in enumerate(zip(by_html, by_text, strict=True)):
                if i in gold.index:
                    rows.append((dataset, page.page_id, i, h.text, int(gold.at[i, "label"]), str(gold.at[i, "tag"]),
                                 h.p_content, h.content, t.p_content, t.content))
    frame = pd.DataFrame(rows, columns=["dataset", "page_id", "line", "text", "label", "tag", "p_html", "kept_html",
                                        "p_text", "kept_text"])
    frame["weight"] = np.sqrt(frame["text"].str.split().str.len().clip(upper=WEIGHT_TOKEN_CAP))
    return frame


def report(frame: pd.DataFrame) -> None:
    content = frame["label"] == Label.CONTENT
    for mode in ("html", "text"):
        wrong = frame[f"kept_{mode}"] != content
        print(f"{mode:5} false content {frame.loc[wrong & ~content, 'weight'].sum():8.0f}"
              f"  false chrome {frame.loc[wrong & content, 'weight'].sum():8.0f}")
    only_text = (frame["kept_html"] == content) & (frame["kept_text"] != content)
    false_content = frame[only_text & ~content]
    print(f"only text wrong: false content {false_content['weight'].sum():.0f}, "
          f"false chrome {frame.loc[only_text & content, 'weight'].sum():.0f}")
    print("their tags:", false_content.groupby("tag")["weight"].sum().sort_values(ascending=False).head(8).round(0)
          .to_dict())
    pages = false_content.groupby(["dataset", "page_id"])["weight"].sum().sort_values(ascending=False)
    print(f"{len(pages)} pages; the top {TOP_PAGES} carry {pages.head(TOP_PAGES).sum() / pages.sum():.0%}:")
    for (dataset, page_id), weight in pages.head(TOP_PAGES).items():
        print(f"  {dataset:12} {page_id:14} {weight:6.0f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("model", help="a text bundle: text, or a bundle folder")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated datasets")
    parser.add_argument("--save", type=Path, help="write the per-line table here (Parquet)")
    args = parser.parse_args(argv)
    frame = score(args.model, args.datasets.split(","))
    if args.save:
        frame.to_parquet(args.save, index=False)
    report(frame)


if __name__ == "__main__":
    main()
