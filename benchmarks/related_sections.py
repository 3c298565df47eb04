"""Lines under a "Related"-family heading: what the golds call them, and what text bundles keep of them.

A heading here is a line of at most ``HEADING_MAX_CHARS`` characters that the text featurizer flags with the
``related`` keyword family (``kw_related``: "Related", "Most read", "Top stories", "相关"...); the lines under it are
the next ``SECTION_LINES`` lines of ``SECTION_MIN_CHARS`` to ``SECTION_MAX_CHARS`` characters, the section ending at
a longer line. Over chromecut's own lines of the prepared table (``data/processed/lines.parquet``):

- per dataset, the share of such lines (every split) that the gold calls content;
- per dataset and text bundle, of the test pages' such lines that the gold calls chrome, the share each bundle keeps
  and their mean ``p_content`` (each test page's lines given to the bundle as one text dump).

    python benchmarks/related_sections.py text outputs/NAME

With ``--rule``, a decision rule that is not built in: each renderer's dumps of the test pages after the quality
gate's sample, cleaned by each bundle, mean page F1 as the bundle decides and with every line under a related
heading dropped whatever its probability (the dropped lines counted):

    OMP_NUM_THREADS=2 python benchmarks/related_sections.py text --rule --beyond 100 --renderers chromecut resiliparse
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.datasets.renderers import RenderError, render
from chromecut.evaluate import quality
from chromecut.evaluate.peer_scores import score_page
from chromecut.features import Featurizer
from chromecut.labels import Label
from chromecut.predict import Cleaner
from chromecut.segment.encoding import decode_text

HEADING_MAX_CHARS = 40
SECTION_LINES = 8
SECTION_MIN_CHARS = 20
SECTION_MAX_CHARS = 120
#: A line this long ends a section (an article's paragraph).
SECTION_END_CHARS = 150


def related_headings(table: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Which lines of the table are related headings: short, and flagged ``kw_related`` by the text featurizer
    (the keyword matching the models read)."""
    pages = table["dataset"].astype(str) + "/" + table["page_id"].astype(str)
    return _headings(table["text"], pages)


def _headings(texts: pd.Series, pages: pd.Series | str) -> npt.NDArray[np.bool_]:
    """Which of ``texts`` (lines of ``pages``) are related headings (see :func:`related_headings`)."""
    short = texts.str.len().to_numpy() <= HEADING_MAX_CHARS
    headings = np.zeros(len(texts), dtype=bool)
    if not short.any():
        return headings
    doc = pages[short] if isinstance(pages, pd.Series) else pages
    lines = pd.DataFrame({"text": texts[short]}).assign(doc=doc, line=np.flatnonzero(short))
    flags = Featurizer("text").fit(lines).transform(lines)["kw_related"].to_numpy() > 0
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


def rule(bundles: list[str], renderers: list[str], beyond: int) -> None:
    """The ``--rule`` printout (see the module's docstring)."""
    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    sample = quality.sample_beyond(beyond, baseline.pages_per_dataset)
    pages = [(name, page) for name, chosen in sample.pages.items() for page in chosen]
    print("| bundle | renderer | dataset | pages | page F1 | related sections dropped | lines dropped |")
    print("|---|---|---|---:|---:|---:|---:|")
    for bundle in bundles:
        cleaner = Cleaner.load(bundle)
        for renderer in renderers:
            scores: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
            for dataset, page in pages:
                try:
                    dump = render(renderer, decode_text(page.html, page.encoding_hint))
                except RenderError:
                    continue
                lines = [line for line in cleaner.label(dump, mode="text") if line.text.strip()]
                texts = [line.text.strip() for line in lines]
                kept = np.array([line.content for line in lines], dtype=bool)
                as_is = score_page("\n".join(t for t, k in zip(texts, kept, strict=True) if k), page)
                if as_is is None:
                    continue
                under = section_lines(texts, _headings(pd.Series(texts, dtype=object), "dump"))
                dropped = int(kept[under].sum())
                kept[under] = False
                ruled = score_page("\n".join(t for t, k in zip(texts, kept, strict=True) if k), page)
                scores[dataset].append((as_is.f1, ruled.f1 if ruled is not None else 0.0, dropped))
            rows = {**scores, "all": [row for values in scores.values() for row in values]}
            for dataset, values in rows.items():
                table = np.array(values)
                print(f"| {bundle} | {renderer} | {dataset} | {len(table)} | {table[:, 0].mean():.4f} | "
                      f"{table[:, 1].mean():.4f} | {int(table[:, 2].sum())} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="*", default=["text"], help="text bundles: names or folders")
    parser.add_argument("--lines", default="data/processed/lines.parquet")
    parser.add_argument("--rule", action="store_true", help="score the rule that drops related sections")
    parser.add_argument("--beyond", type=int, default=100, metavar="N",
                        help="--rule: the next N test pages of each dataset after the gate's sample")
    parser.add_argument("--renderers", nargs="+", default=["chromecut"], help="--rule: the dumps to clean")
    args = parser.parse_args()
    if args.rule:
        rule(args.bundles, args.renderers, args.beyond)
        return
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
