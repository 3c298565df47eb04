"""What routing Markdown text to the Markdown model does: each renderer's whole-page dumps of the test pages,
how many of them :func:`chromecut.io.inputs.looks_like_markdown` calls Markdown, and mean page F1 of the text
model on every dump against the routing that ``chromecut clean`` does without ``--model`` (the Markdown model
for a dump sniffed as Markdown, the text model for the others).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/markdown_routing.py                # the test pages beyond the gate's
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/markdown_routing.py --beyond 0 --pages 100   # the gate's sample

By default the pages are the test pages that follow the quality gate's sample (up to ``--pages`` per dataset), so
nothing here was chosen on the gate's pages. Figures, never assertions.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from chromecut.datasets.renderers import available_renderers
from chromecut.evaluate import quality
from chromecut.evaluate.peer_scores import score_page
from chromecut.io.batch import MARKDOWN_MODEL, shipped_model_for
from chromecut.predict import Cleaner
from chromecut.segment.encoding import decode_text

#: Test pages per dataset after the gate's sample, by default.
PAGES_DEFAULT = 100
#: chromecut's own block lines: the ``text`` cell of the gate.
OWN_LINES = "chromecut"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--pages", type=int, default=PAGES_DEFAULT, help="test pages per dataset")
    parser.add_argument("--beyond", type=int, default=None, metavar="N",
                        help="skip the first N test pages of each dataset (default: the gate's sample size)")
    parser.add_argument("--text-model", default="text")
    parser.add_argument("--markdown-model", default=MARKDOWN_MODEL)
    args = parser.parse_args(argv)
    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    skip = baseline.pages_per_dataset if args.beyond is None else args.beyond
    sample = quality.gate_sample(None, skip + args.pages)
    pages = [page for chosen in sample.pages.values() for page in chosen[skip:]]
    cleaners = {"text": Cleaner.load(args.text_model), MARKDOWN_MODEL: Cleaner.load(args.markdown_model)}
    renderers = [OWN_LINES, *(name for name in available_renderers() if name != OWN_LINES)]
    # per renderer: (sniffed Markdown, text model's page F1, routed page F1) per dump
    rows: dict[str, list[tuple[bool, float, float]]] = defaultdict(list)
    by_dataset: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for page in pages:
        decoded = decode_text(page.html, page.encoding_hint)
        for renderer in renderers:
            dump = quality.mode_input("text" if renderer == OWN_LINES else f"text:{renderer}", page, decoded)
            if dump is None:
                continue
            routed = shipped_model_for(dump, "text")
            scores = {}
            for name in {"text", routed}:
                prf = score_page(cleaners[name].clean(dump), page)
                scores[name] = prf.f1 if prf is not None else 0.0
            rows[renderer].append((routed == MARKDOWN_MODEL, scores["text"], scores[routed]))
            by_dataset[renderer, page.dataset].append((scores["text"], scores[routed]))
    print(f"{len(pages)} test pages ({args.pages} per dataset after the first {skip})")
    print(f"{'renderer':24s} {'dumps':>6s} {'markdown':>9s} {'text F1':>8s} {'routed F1':>9s} {'diff':>7s}")
    for renderer in renderers:
        values = np.array(rows[renderer], dtype=np.float64)
        if not len(values):
            continue
        print(f"{renderer:24s} {len(values):6d} {values[:, 0].mean():9.3f} {values[:, 1].mean():8.3f} "
              f"{values[:, 2].mean():9.3f} {values[:, 2].mean() - values[:, 1].mean():+7.3f}")
    print("\nper dataset, where routing changed a score:")
    for (renderer, dataset), pairs in sorted(by_dataset.items()):
        values = np.array(pairs)
        if np.any(values[:, 0] != values[:, 1]):
            print(f"  {renderer:22s} {dataset:22s} {len(values):4d} {values[:, 0].mean():.3f} -> "
                  f"{values[:, 1].mean():.3f}")


if __name__ == "__main__":
    main()
