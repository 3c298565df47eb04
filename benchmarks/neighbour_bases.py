"""A prototype of the neighbour features: more base features whose values at the neighbouring lines each line sees.

Each line sees a few base features of the lines one and two before and after it, and their means over a near and
a wide window (:data:`chromecut.features.context.NEIGHBOUR_BASE_TEXT` and the others). A comment under an article
reads as prose in a text dump; what tells it from the article is around it: an author-and-date line above, a
"Reply" or "Report" line below. This script adds base features to the text bases (``--bases kw_comments,pat_date``:
a keyword family's count and a pattern's) and trains one ``chromecut-train`` run (its Hydra overrides after
``--``), printing its test and validation figures. The bundle it saves asks for columns the shipped bases do not
compute, so it cannot be served: ``--score SCRIPT -- ARGS`` runs a script under the same patch, which holds for
scripts that load no shipped text or Markdown bundle beside it (a featurizer built for one cannot tell which
bases it was fitted with). An experiment, not a model to ship.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/neighbour_bases.py --bases kw_comments,pat_date -- \\
        experiment=ship_text model.num_threads=2 ship_to=null tracking.enabled=false output_dir=outputs/nb-text

Figures, never assertions (docs/training.md has the measured ones).
"""

from __future__ import annotations

import argparse
import runpy
import sys
from collections.abc import Sequence
from typing import Any

from prototype_run import train_and_print

import chromecut.features.context as context
import chromecut.features.native as native


def patch(bases: Sequence[str]) -> None:
    """Add ``bases`` to the text bases of every text-mode featurizer built from now on (HTML mode as shipped)."""
    original = native.build

    def build(fitted: Any, *, all_names: bool = False) -> Any:
        if fitted.mode != "text":
            return original(fitted, all_names=all_names)
        saved = context.NEIGHBOUR_BASE_TEXT
        context.NEIGHBOUR_BASE_TEXT = (*saved, *bases)  # type: ignore[assignment]
        try:
            return original(fitted, all_names=all_names)
        finally:
            context.NEIGHBOUR_BASE_TEXT = saved

    native.build = build


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--bases", required=True, help="comma-separated base feature names to add")
    parser.add_argument("--score", metavar="SCRIPT", help="run this Python script (and its arguments) patched instead")
    parser.add_argument("rest", nargs="*", help="Hydra overrides, or the script's arguments with --score")
    args = parser.parse_args(argv)
    patch([name for name in args.bases.split(",") if name])
    if args.score:
        sys.argv = [args.score, *args.rest]
        runpy.run_path(args.score, run_name="__main__")
        return
    train_and_print(args.rest)


if __name__ == "__main__":
    main()
