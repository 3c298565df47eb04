"""A model blind to some features: one ``chromecut-train`` run (or ``chromecut evaluate``'s folds) with the named
columns of the feature table missing on every line, so no tree splits on them.

The question it answers: how much a model needs a feature that may not carry over to other pages, such as the
page's size (``log_page_lines``, and ``log_from_end`` with ``log_from_start``), which differs between a whole
page's dump and a short dump of the same article (``benchmarks/short_dump_context.py``). A column that is missing on
every training line never enters a tree, so the saved bundle decides the same whatever the column holds: a
:class:`~chromecut.Cleaner` (and ``benchmarks/gate_noise.py``, ``chromecut quality check``) scores it as it is.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/blind_columns.py --columns log_page_lines,log_from_end \\
        experiment=ship_text model.num_threads=2 ship_to=null tracking.enabled=false output_dir=outputs/NAME
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/blind_columns.py --columns log_page_lines,log_from_end \\
        --evaluate --mode text --no-peers --out outputs/lodo-NAME.json experiment=ship_text

Figures, never assertions (docs/training.md, "Lines under a Related heading").
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from prototype_run import train_and_print

from chromecut.cli import main as cli_main
from chromecut.features.featurizer import Featurizer


def blind(columns: Sequence[str]) -> None:
    """Make every feature table the featurizer writes hold ``columns`` missing (training's, the folds', the
    test split's)."""
    features = Featurizer._features

    def without(self: Featurizer, frame: pd.DataFrame, *args: Any, **kwargs: Any) -> pd.DataFrame:
        table = features(self, frame, *args, **kwargs)
        unknown = [name for name in columns if name not in table.columns]
        if unknown:
            raise SystemExit(f"no such feature: {', '.join(unknown)}")
        table[list(columns)] = np.nan
        return table

    Featurizer._features = without  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--columns", required=True, help="comma-separated feature names to leave missing")
    parser.add_argument("rest", nargs=argparse.REMAINDER,
                        help="Hydra overrides, or --evaluate and chromecut evaluate's arguments")
    args = parser.parse_args(argv)
    blind([name for name in args.columns.split(",") if name])
    if args.rest[:1] == ["--evaluate"]:
        raise SystemExit(cli_main(["evaluate", *args.rest[1:]]))
    train_and_print(args.rest)


if __name__ == "__main__":
    main()
