"""How much of a model's test page F1 is the seed's: bundles trained with the same settings at several seeds,
each scored on the test pages under several threshold policies, and their probabilities averaged (a seed
ensemble) and scored the same way.

    chromecut-train experiment=ship_html seed=7 ship_to=null tracking.enabled=false output_dir=outputs/seed-7
    ...                                                                      # one bundle per seed
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/seeds.py ship_html html outputs/seed-7 outputs/seed-11 ...

Bundles trained with overrides of the experiment take them as ``--set KEY=VALUE`` (the validation and test lines
are then built as that run built them).

Policies, each chosen on the validation sites' pages only (the same lines the training run saw there, featurised
without their site, as at inference):

- ``val``: the bundle's own threshold (best weighted line F1 on the validation sites: what training chose);
- ``val_pages``: the grid threshold of best mean page F1 on the validation sites' pages;
- ``val_pages_w<n>``: the same curve smoothed over ``n`` neighbouring grid points first;
- ``fixed_<t>``: one threshold for every seed.

The ensemble's ``val`` threshold is tuned on its averaged validation probabilities as training tunes a bundle's.
Figures, never assertions: test page F1 (precision, recall; by renderer in text mode, else by dataset, or
``--by dataset``) of each bundle and policy, then their spread over the bundles.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from decision_rules import kept_by_rule, rules, split_views, with_renderer

from chromecut.cli import PROCESSED_DIR_DEFAULT
from chromecut.datasets.prepare import PAGES_FILE
from chromecut.evaluate.lodo import PREDICTION_COLUMNS
from chromecut.evaluate.scores import kept_page_scores
from chromecut.settings import TrainSettings
from chromecut.train.threshold import best_threshold, page_f1_curves

#: The thresholds ``val_pages`` tries: this step from :data:`GRID_LOW` to :data:`GRID_HIGH`.
GRID_STEP = 0.02
GRID_LOW = 0.1
GRID_HIGH = 0.8
#: ``val_pages_w<n>``: the smoothing windows (grid points, centred).
SMOOTHING_WINDOWS = (5,)
#: ``fixed_<t>``.
FIXED_THRESHOLDS = (0.4, 0.5)
#: The name of the averaged bundles' row.
ENSEMBLE = "ensemble"

Floats = npt.NDArray[np.float64]


def page_scores_at(view: pd.DataFrame, p: Floats, threshold: float, pages: pd.DataFrame) -> pd.DataFrame:
    """Each page's dataset, precision, recall and F1 when its lines at or above ``threshold`` (and its dominant
    lines) are kept; ``renderer`` too when the view has one."""
    columns = [c for c in PREDICTION_COLUMNS if c in view]
    lines = view[columns].reset_index(drop=True).assign(p_content=p, threshold=threshold)
    return with_renderer(kept_page_scores(lines, kept_by_rule(lines, rules()["threshold"]), pages), lines)


def line_threshold(view: pd.DataFrame, p: Floats, settings: TrainSettings) -> float:
    """The ``val`` policy: best weighted line F1 over the labelled lines, the lines weighed as training weighs the
    validation split (:func:`chromecut.train.fit.fit_bundle`: line weight times the split's balance and
    definition weights), as training tunes it."""
    from chromecut.train.definition import split_weights
    from chromecut.train.ensemble import validation_threshold

    return validation_threshold(view, p, settings.model, split_weights({"val": view}, settings.data).get("val", 1.0))


def policies(view: pd.DataFrame, p: Floats, own: float, pages: pd.DataFrame) -> dict[str, float]:
    """Every policy's threshold for one bundle's validation probabilities ``p`` (``own``: its ``val`` one)."""
    grid = np.round(np.arange(GRID_LOW, GRID_HIGH + GRID_STEP / 2, GRID_STEP), 2)
    curve = page_f1_curves(view, p, grid, pages).drop(columns=["doc", "dataset"]).mean()
    chosen = {"val": own, "val_pages": best_threshold(curve)}
    for window in SMOOTHING_WINDOWS:
        chosen[f"val_pages_w{window}"] = best_threshold(curve.rolling(window, center=True, min_periods=1).mean())
    chosen.update({f"fixed_{t}": t for t in FIXED_THRESHOLDS})
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment", help="the settings the bundles were trained with (ship_html, ship_text)")
    parser.add_argument("bundles", nargs="+", help="bundle folders (or shipped names), one per seed")
    parser.add_argument("--processed", type=Path, default=PROCESSED_DIR_DEFAULT, help="prepared table folder")
    parser.add_argument("--by", choices=("renderer", "dataset"), default="renderer",
                        help="the columns of page F1 by group (renderer: text mode only)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting the bundles were trained with beside the experiment's "
                             "(features.blank_rows_in_training=false); repeatable")
    args = parser.parse_args(argv)
    from chromecut.model.bundle import Bundle
    from chromecut.predict import resolve_model
    from chromecut.train.app import compose_settings

    pages = pd.read_parquet(args.processed / PAGES_FILE)
    views = split_views(args.experiment, overrides=args.set)
    probs: dict[str, dict[str, Floats]] = {}
    own: dict[str, float] = {}
    for name in args.bundles:
        bundle = Bundle.load(resolve_model(name))
        probs[name] = {split: bundle.predict_proba(view) for split, view in views.items()}
        own[name] = bundle.threshold
    if len(args.bundles) > 1:
        probs[ENSEMBLE] = {split: np.mean([probs[n][split] for n in args.bundles], axis=0) for split in views}
        own[ENSEMBLE] = line_threshold(views["val"], probs[ENSEMBLE]["val"],
                                       compose_settings([f"experiment={args.experiment}", *args.set]))
    rows = []
    for name, p in probs.items():
        for policy, threshold in policies(views["val"], p["val"], own[name], pages).items():
            scores = page_scores_at(views["test"], p["test"], threshold, pages)
            row = {"bundle": name, "policy": policy, "threshold": round(threshold, 3),
                   **{k: round(float(scores[k].mean()), 4) for k in ("f1", "precision", "recall")}}
            by = args.by if args.by in scores else "dataset"
            row.update({str(k): v for k, v in scores.groupby(by)["f1"].mean().round(4).items()})
            rows.append(row)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(table.to_string(index=False))
        singles = table[table["bundle"] != ENSEMBLE]
        print("\ntest page F1 of the single bundles by policy (mean, standard deviation, lowest, highest):")
        print(singles.groupby("policy", sort=False)["f1"].agg(["mean", "std", "min", "max"]).round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
