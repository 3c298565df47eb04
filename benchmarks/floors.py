"""Where the time of a page goes before any feature: the parse floors, and the trees with each predictor.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/floors.py --pages 120

On the benchmark's sample of pages (:func:`chromecut.bench.sample.load_sample`), prints milliseconds per page of
selectolax's parse, the same parse followed by a Python walk that only visits every node (the least any
segmentation written in Python does), resiliparse's parse and its main-content extraction, and chromecut's
whole segmentation; then, per mode, microseconds per line of chromecut's featurisation and of each shipped
booster's input conversion (feature table to float32 matrix) and prediction with LightGBM's predictor and
compiled (:mod:`chromecut.model.compiled`), on the pages' own feature rows (best of three). Last, the budgets the
speed goals leave: resiliparse's time per page, less the parse-and-walk floor and the compiled trees of a
page's lines, is what everything else may take per line in HTML mode; 200,000 lines/s less the compiled trees
is the same for text mode. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import numpy as np
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree
from selectolax.lexbor import LexborHTMLParser

from chromecut.bench.sample import DEFAULT_DATASETS, load_sample
from chromecut.bench.timing import best_of
from chromecut.features import line_frame
from chromecut.model.estimator import CONTEXT_PASS, FIRST_PASS
from chromecut.predict import Cleaner

PAGES_DEFAULT = 120
MS_PER_SECOND = 1e3
US_PER_SECOND = 1e6
REPEATS = 3
#: The text-mode goal of the speed benchmark, lines per second on one core.
TEXT_GOAL_LINES_PER_SECOND = 200_000
#: selectolax's node name of text nodes.
TEXT_NODE = "-text"


def per_item(run: Callable[[bytes], object], items: Sequence[bytes]) -> float:
    """Seconds per item of ``run`` over ``items``, after one warm-up call."""
    run(items[0])
    start = time.perf_counter()
    for item in items:
        run(item)
    return (time.perf_counter() - start) / len(items)


def parse_and_visit(html: bytes) -> int:
    """selectolax's parse, then every node of the body visited from Python, reading its name (and the text of
    text nodes): the floor of a segmentation written in Python over this parser."""
    body = LexborHTMLParser(html).body
    if body is None:
        return 0
    visited = 0
    for node in body.traverse(include_text=True):
        visited += 1
        if node.tag == TEXT_NODE:
            node.text_content  # noqa: B018 - reading it is the point
    return visited


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=PAGES_DEFAULT, help="pages in the sample")
    args = parser.parse_args(argv)
    pages = load_sample(list(DEFAULT_DATASETS), args.pages)
    htmls = [page.html for page in pages]
    cleaner = Cleaner.load("html")
    floors = {
        "selectolax parse": lambda html: LexborHTMLParser(html),
        "selectolax parse + visit": parse_and_visit,
        "resiliparse parse": lambda html: HTMLTree.parse_from_bytes(html),
        "resiliparse main content": lambda html: extract_plain_text(HTMLTree.parse_from_bytes(html),
                                                                    main_content=True),
        "chromecut segmentation": lambda html: cleaner.segment(html),
    }
    print(f"{len(pages)} pages")
    per_page = {name: per_item(run, htmls) for name, run in floors.items()}
    for name, seconds in per_page.items():
        print(f"{name:28s} {seconds * MS_PER_SECOND:7.2f} ms/page")
    trees: dict[str, float] = {}  # seconds per line of both compiled passes, per mode
    lines_per_page: dict[str, float] = {}
    for mode in ("html", "text"):
        plain, compiled = Cleaner.load(mode), Cleaner.load(mode, predictor="compiled")
        frame = line_frame(enumerate(plain.segment(page.input(mode)) for page in pages))
        if mode == "text":
            frame = frame[["doc", "line", "text"]]
        lines_per_page[mode] = len(frame) / len(pages)
        featurise = best_of(lambda f=plain.bundle.featurizer.transform, frame=frame: f(frame), REPEATS)
        print(f"{mode} featurisation (Featurizer.transform) "
              f"{featurise / len(frame) * US_PER_SECOND:6.2f} us/line ({len(frame):,} lines)")
        features = plain.bundle.featurizer.transform(frame)
        final = plain.bundle.classifier.final_features(features, frame)
        for which, table in ((FIRST_PASS, features), (CONTEXT_PASS, final)):
            matrix = table.to_numpy(dtype=np.float32)
            classifier = plain.bundle.classifier
            boosters = {"lightgbm": classifier.booster_ if which == FIRST_PASS else classifier.context_booster_,
                        "compiled": (compiled.bundle.classifier.compiled_ or (None, None))[which]}
            timings = {
                "to_numpy": best_of(lambda table=table: table.to_numpy(dtype=np.float32), REPEATS),
                "lightgbm": best_of(lambda b=boosters["lightgbm"], m=matrix: b.predict(m, num_threads=1), REPEATS),
                "compiled": best_of(lambda f=boosters["compiled"], m=matrix: f.predict(m), REPEATS),
            }
            trees[mode] = trees.get(mode, 0.0) + timings["compiled"] / len(table)
            label = f"{mode} {'first' if which == FIRST_PASS else 'context'} pass ({table.shape[1]} features)"
            for name, seconds in timings.items():
                print(f"{label}, {name:9s} "
                      f"{seconds / len(table) * US_PER_SECOND:6.2f} us/line ({len(table):,} lines)")
        same = np.abs(plain.bundle.predict_proba(frame, features) - compiled.bundle.predict_proba(frame, features))
        print(f"{mode}: largest probability difference, compiled vs LightGBM: {same.max():.1e}")
    html_left = (per_page["resiliparse main content"] - per_page["selectolax parse + visit"]
                 - trees["html"] * lines_per_page["html"])
    print(f"html goal (as fast as resiliparse): {html_left * MS_PER_SECOND:.2f} ms/page left after the parse, "
          f"the visit and the compiled trees, {html_left / lines_per_page['html'] * US_PER_SECOND:.2f} us "
          f"for each of a page's {lines_per_page['html']:.0f} lines to segment, featurise and write")
    text_left = 1 / TEXT_GOAL_LINES_PER_SECOND - trees["text"]
    print(f"text goal ({TEXT_GOAL_LINES_PER_SECOND:,} lines/s): {text_left * US_PER_SECOND:.2f} us/line left after "
          "the compiled trees, to read, featurise and write a line")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
