"""Lines under a "Related"-family heading: what the golds call them, and what text bundles keep of them.

A heading here is a line of at most ``HEADING_MAX_CHARS`` characters that the text featurizer flags with the
``related`` keyword family (``kw_related``: "Related", "Most read", "Top stories", "相关"...); the lines under it are
the next ``SECTION_LINES`` lines of ``SECTION_MIN_CHARS`` to ``SECTION_MAX_CHARS`` characters, the section ending at
a longer line. Over chromecut's own lines of the prepared table (``data/processed/lines.parquet``):

- per dataset, the share of such lines (every split) that the gold calls content;
- per dataset and text bundle, of the test pages' such lines that the gold calls chrome, the share each bundle keeps
  and their mean ``p_content`` (each test page's lines given to the bundle as one text dump).

    python benchmarks/related_sections.py text outputs/NAME
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import Featurizer
from chromecut.labels import Label
from chromecut.predict import Cleaner

HEADING_MAX_CHARS = 40
SECTION_LINES = 8
SECTION_MIN_CHARS = 20
SECTION_MAX_CHARS = 120
#: A line this long ends a section (an article's paragraph).
SECTION_END_CHARS = 150


def related_headings(table: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Which lines of the table are related headings: short, and flagged ``kw_related`` by the text featurizer
    (the keyword matching the models read)."""
    short = table["text"].str.len().to_numpy() <= HEADING_MAX_CHARS
    pages = table["dataset"].astype(str) + "/" + table["page_id"].astype(str)
    lines = table.loc[short, ["text"]].assign(doc=pages[short], line=np.flatnonzero(short))
    flags = Featurizer("text").fit(lines).transform(lines)["kw_related"].to_numpy() > 0
    headings = np.zeros(len(table), dtype=bool)
    headings[np.flatnonzero(short)[flags]] = True
    return headings


def section_lines(texts: list[str], headings: npt.NDArray[np.bool_]) -> list[int]:
    """Indexes of the lines under a related heading (``headings``: which of ``texts`` are one)."""
    found: list[int] = []
    under = -1
    for i, text in enumerate(texts):
        if headings[i]:
            under = 0
            continue
        if under < 0:
            continue
        under += 1
        if under > SECTION_LINES or len(text) > SECTION_END_CHARS:
            under = -1
        elif SECTION_MIN_CHARS <= len(text) <= SECTION_MAX_CHARS:
            found.append(i)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="*", default=["text"], help="text bundles: names or folders")
    parser.add_argument("--lines", default="data/processed/lines.parquet")
    args = parser.parse_args()
    table = pd.read_parquet(args.lines, columns=["dataset", "page_id", "text", "label", "split"])
    table["heading"] = related_headings(table)
    gold: dict[str, list[int]] = defaultdict(list)
    kept: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    cleaners = {name: Cleaner.load(name) for name in args.bundles}
    for (dataset_key, _), page in table.groupby(["dataset", "page_id"], sort=False):
        dataset = str(dataset_key)
        texts = page["text"].tolist()
        labels = page["label"].to_numpy()
        rows = [i for i in section_lines(texts, page["heading"].to_numpy()) if labels[i] != Label.UNKNOWN]
        gold[dataset].extend(int(labels[i] == Label.CONTENT) for i in rows)
        chrome = [i for i in rows if labels[i] == Label.CHROME]
        if not chrome or page["split"].iloc[0] != "test":
            continue
        dump = "\n".join(t.replace("\n", " ") for t in texts)
        for name, cleaner in cleaners.items():
            labelled = cleaner.label(dump, mode="text")
            kept[(dataset, name)].extend((labelled[i].p_content, labelled[i].content) for i in chrome)
    print("| dataset | lines under a related heading | gold content share |"
          + "".join(f" {n}: test chrome lines kept | mean p |" for n in cleaners))
    print("|---|---:|---:|" + "---:|---:|" * len(cleaners))
    for dataset in sorted(gold):
        cells = []
        for name in cleaners:
            pairs = kept.get((dataset, name), [])
            cells += ([f"{np.mean([k for _, k in pairs]):.2f} of {len(pairs)}", f"{np.mean([p for p, _ in pairs]):.2f}"]
                      if pairs else ["–", "–"])
        print(f"| {dataset} | {len(gold[dataset]):,} | {np.mean(gold[dataset]):.3f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
