"""A prototype of text mode: glued lines split for scoring, one label per input line all the same.

A glued dump (BeautifulSoup's ``get_text()`` without separators, lxml's ``text_content()``) runs a menu into
one line ("HomeSportFußball") and a breadcrumb into the headline and the article's first paragraph. This script
splits each line of a renderer's dump where a lower-case letter, a digit or a closing mark is followed at once by
a capital (:data:`chromecut.datasets.renderings.GLUE`), lets a text model score the pieces as lines of their own,
and gives each input line the token-weighted mean probability of its pieces, kept at the model's threshold.
It prints mean page F1 per dataset, as the dump is cleaned today and split, on up to ``--beyond`` test pages of
each dataset after the quality gate's sample (``--beyond 0``: the gate's sample itself).

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/split_glued.py text bs4-glued --beyond 100

``--relabel DIR`` writes instead a processed folder whose glued renderers' dumps of the given datasets are split
the same way and labelled again by the alignment (the other files linked to ``data/processed``), for a text model
that learns from the pieces (``chromecut-train experiment=ship_text data.processed_dir=DIR ...``). It splits the
dumps of every split, validation and test included; ``chromecut data prepare --split-glued`` splits those of
training pages only, as the project builds it:

    .venv/bin/python benchmarks/split_glued.py --relabel data/processed-split wcxb trafilatura readability chinese-wce

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chromecut.datasets import iter_pages
from chromecut.datasets.renderers import RENDERERS
from chromecut.datasets.renderings import GLUE, label_dump, split_at_glue
from chromecut.evaluate import quality
from chromecut.evaluate.peer_scores import score_page
from chromecut.predict import Cleaner
from chromecut.segment.encoding import decode_text
from chromecut.segment.html import split_text_lines

#: The renderers whose dumps glue blocks together, and the prepared folder the relabelled one links to.
GLUED_RENDERERS = tuple(name for name, renderer in RENDERERS.items() if renderer.glued)
PROCESSED = Path("data/processed")


def split_kept(cleaner: Cleaner, dump: str, min_pieces: int) -> list[str]:
    """The lines of ``dump`` kept when each line of at least ``min_pieces`` pieces is scored piece by piece."""
    lines = split_text_lines(dump)  # as text mode numbers them
    pieces: list[str] = []
    owner: list[int] = []
    for i, line in enumerate(lines):
        parts = GLUE.split(line)
        parts = parts if len(parts) >= min_pieces else [line]
        pieces.extend(parts)
        owner.extend([i] * len(parts))
    labelled = cleaner.label("\n".join(pieces))
    tokens = np.array([len(piece.text.split()) for piece in labelled], dtype=np.float64)
    weighted = np.bincount(owner, weights=tokens * np.array([piece.p_content for piece in labelled]),
                           minlength=len(lines))
    total = np.bincount(owner, weights=tokens, minlength=len(lines))
    mean = np.divide(weighted, total, out=np.zeros(len(lines)), where=total > 0)
    return [line for line, p in zip(lines, mean, strict=True) if p >= cleaner.threshold]


def relabel(out: Path, datasets: Sequence[str]) -> None:
    """``out``: ``data/processed`` with the glued renderers' dumps of ``datasets`` split and labelled again."""
    renderings = pd.read_parquet(PROCESSED / "renderings.parquet")
    for column in ("dataset", "page_id", "renderer"):
        renderings[column] = renderings[column].astype(str)
    chosen = renderings[renderings["renderer"].isin(GLUED_RENDERERS) & renderings["dataset"].isin(datasets)]
    dumps = {key: group.sort_values("line") for key, group in chosen.groupby(["dataset", "page_id", "renderer"])}
    relabelled, done = [], set()
    for dataset in datasets:
        for page in iter_pages(dataset):
            for renderer in GLUED_RENDERERS:
                dump = dumps.get((dataset, page.page_id, renderer))
                if dump is None:
                    continue
                lines, labels = label_dump(split_at_glue("\n".join(dump["text"].tolist()))[0], page.gold)
                first = dump.iloc[0]
                relabelled.append(pd.DataFrame({
                    **{key: first[key] for key in ("dataset", "page_id", "domain", "split", "license", "permissive",
                                                   "renderer")},
                    "line": np.arange(len(lines)), "text": lines, "label": labels.labels,
                    "align_score": labels.scores}))
                done.add((dataset, page.page_id, renderer))
    keys = zip(renderings["dataset"], renderings["page_id"], renderings["renderer"], strict=True)
    kept = [key not in done for key in keys]
    table = pd.concat([renderings[kept], *relabelled], ignore_index=True).astype(renderings.dtypes.to_dict())
    out.mkdir(parents=True, exist_ok=True)
    table.sort_values(["dataset", "page_id", "renderer", "line"], kind="stable").to_parquet(
        out / "renderings.parquet", index=False)
    for other in PROCESSED.iterdir():
        if other.name != "renderings.parquet" and not (out / other.name).exists():
            (out / other.name).symlink_to(other.resolve())
    print(f"{len(done)} dumps split: {len(renderings)} lines, now {len(table)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--relabel", type=Path, metavar="DIR", help="write the relabelled folder instead")
    parser.add_argument("model", help="a text bundle: text, or a bundle folder (with --relabel: a dataset)")
    parser.add_argument("renderer", nargs="+",
                        help="a renderer of chromecut.datasets.renderers (with --relabel: more datasets)")
    parser.add_argument("--beyond", type=int, default=100, metavar="N",
                        help="the next N test pages of each dataset after the gate's sample (0: the sample)")
    parser.add_argument("--min-pieces", type=int, default=1, help="split only lines of at least this many pieces")
    args = parser.parse_args(argv)
    if args.relabel:
        relabel(args.relabel, [args.model, *args.renderer])
        return
    (renderer,) = args.renderer
    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    sample = (quality.sample_beyond(args.beyond, baseline.pages_per_dataset) if args.beyond
              else quality.gate_sample(None, baseline.pages_per_dataset))
    cleaner = Cleaner.load(args.model)
    scores: dict[str, list[tuple[float, float]]] = {}
    for dataset, chosen in sample.pages.items():
        for page in chosen:
            dump = quality.mode_input(f"text:{renderer}", page, decode_text(page.html, page.encoding_hint))
            if not isinstance(dump, str):
                continue
            today = score_page(cleaner.clean(dump), page)
            split = score_page("\n".join(split_kept(cleaner, dump, args.min_pieces)), page)
            scores.setdefault(dataset, []).append((today.f1 if today else 0.0, split.f1 if split else 0.0))
    rows = [(dataset, np.array(values)) for dataset, values in scores.items()]
    rows.append(("all", np.concatenate([values for _, values in rows])))
    for dataset, values in rows:
        print(f"{dataset:22} {len(values):4} pages  today {values[:, 0].mean():.3f}  split {values[:, 1].mean():.3f}"
              f"  difference {values[:, 1].mean() - values[:, 0].mean():+.3f}")


if __name__ == "__main__":
    main()
