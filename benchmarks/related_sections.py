"""Lines under a "Related"-family heading: what the golds call them, and what text bundles keep of them.

A heading here is a line of at most ``HEADING_MAX_CHARS`` characters that holds a phrase of the ``related`` keyword
family ("Related", "Most read", "Top stories", "相关"...); the lines under it are the next ``SECTION_LINES`` lines of
``SECTION_MIN_CHARS`` to ``SECTION_MAX_CHARS`` characters, the section ending at a longer line. Over chromecut's
own lines of the prepared table (``data/processed/lines.parquet``):

- per dataset, the share of such lines (every split) that the gold calls content;
- per dataset and text bundle, of the test pages' such lines that the gold calls chrome, the share each bundle keeps
  and their mean ``p_content`` (each test page's lines given to the bundle as one text dump).

    python benchmarks/related_sections.py text outputs/NAME
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict

import numpy as np
import pandas as pd

from chromecut.features.keywords import KEYWORDS
from chromecut.labels import Label
from chromecut.predict import Cleaner

HEADING_MAX_CHARS = 40
SECTION_LINES = 8
SECTION_MIN_CHARS = 20
SECTION_MAX_CHARS = 120
#: A line this long ends a section (an article's paragraph).
SECTION_END_CHARS = 150
_WORD = re.compile(r"[^\W_]+")
_RELATED = KEYWORDS.family_index("related")


def is_related_heading(text: str) -> bool:
    if len(text) > HEADING_MAX_CHARS:
        return False
    if any(phrase in text for phrase in KEYWORDS.cjk_phrases.get(_RELATED, ())):
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    if any(_RELATED in KEYWORDS.single.get(w, []) for w in words):
        return True
    return any(family == _RELATED and tuple(words[i:i + len(phrase)]) == phrase
               for i, w in enumerate(words) for phrase, family in KEYWORDS.multi.get(w, []))


def section_lines(texts: list[str]) -> list[int]:
    """Indexes of the lines under a related heading."""
    found: list[int] = []
    under = -1
    for i, text in enumerate(texts):
        if is_related_heading(text):
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
    gold: dict[str, list[int]] = defaultdict(list)
    kept: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    cleaners = {name: Cleaner.load(name) for name in args.bundles}
    for (dataset_key, _), page in table.groupby(["dataset", "page_id"], sort=False):
        dataset = str(dataset_key)
        texts = page["text"].tolist()
        labels = page["label"].to_numpy()
        rows = [i for i in section_lines(texts) if labels[i] != Label.UNKNOWN]
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
