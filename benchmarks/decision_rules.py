"""Decision rules other than one threshold, on the held-out lines of leave-one-dataset-out folds: whether a page's
own probabilities choose its threshold better than the one its fold's validation sites chose.

    chromecut evaluate --mode html --no-peers --predictions /tmp/folds      # the folds' held-out lines, once
    .venv/bin/python benchmarks/decision_rules.py /tmp/folds                # every rule on every fold
    .venv/bin/python benchmarks/decision_rules.py --bundle text             # the shipped bundle on its test split
    .venv/bin/python benchmarks/decision_rules.py --bundle text --gate      # ... on the quality gate's cells

Rules (the dominant-line rule of :mod:`chromecut.model.decision` kept in all):

- ``threshold``: the fold's own threshold alone, whatever fallback the fold or bundle was saved with (the report's
  page F1 before the decision had the fallback, ``model.fallback_chars`` of docs/training.md);
- ``page``: each page's own threshold, where its lines' probabilities split best into two groups (Otsu: the
  largest between-group variance), whatever the fold chose;
- ``page_clip_<d>``: the page's threshold, moved at most ``d`` away from the fold's;
- ``page_mix_<w>``: ``w`` times the page's threshold plus ``1 - w`` times the fold's;
- ``fallback_<n>``: the fold's threshold, halved on a page whose lines at or above it hold fewer than ``n``
  characters (a page the model would return almost empty; its dominant lines not counted): the decision's
  fallback (:func:`chromecut.model.decision.page_thresholds`) at ``fallback_chars`` = ``n``;
- ``expected_f1``: no threshold of the fold's: each page keeps its most probable lines, as many as maximise the
  page's expected F1 if the probabilities were true (lines weighed by their length: the kept lines' expected
  content over the mean of what is kept and the page's expected content); ``expected_f1_mix``: the mean of that
  threshold and the fold's;
- ``smooth_<c>``: the fold's threshold with the decision's smoothing at switch cost ``c``
  (:func:`chromecut.model.decision.kept_lines`: short runs of lines just above the threshold among chrome dropped),
  how ``model.smoothing`` is chosen (docs/training.md).

Figures, never assertions: mean page F1 per held-out dataset and rule, and their mean over the datasets.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.cli import PROCESSED_DIR_DEFAULT
from chromecut.datasets.prepare import PAGES_FILE
from chromecut.evaluate.lodo import PREDICTION_COLUMNS
from chromecut.evaluate.scores import kept_page_scores
from chromecut.model.decision import dominant_lines, kept_lines, page_thresholds

#: ``page_clip_<d>``: how far a page's threshold may move from its fold's.
CLIP_DISTANCES = (0.1, 0.2, 0.3)
#: ``page_mix_<w>``: the page threshold's weight.
MIX_WEIGHTS = (0.5,)
#: ``smooth_<c>``: the switch costs tried.
SMOOTHING_COSTS = (0.5, 1.0, 2.0, 4.0)
#: ``fallback_<n>``: a page whose lines at or above the fold's threshold hold fewer characters than this is cut at
#: the decision's share of the fold's threshold (:data:`chromecut.model.decision.FALLBACK_THRESHOLD_SHARE`).
FALLBACK_CHARS = (300, 1000)

Floats = npt.NDArray[np.float64]
#: A rule: a page's threshold from its lines' probabilities, its fold's threshold and its lines' lengths.
Rule = Callable[[Floats, float, Floats], float]


def otsu_threshold(p: Floats) -> float | None:
    """The threshold that splits ``p`` into two groups of the largest between-group variance (midway between the
    two probabilities it falls between); None for fewer than two lines or a page whose lines all score alike."""
    ordered = np.sort(np.asarray(p, dtype=np.float64))
    if ordered.size < 2 or ordered[0] == ordered[-1]:
        return None
    below = np.arange(1, ordered.size, dtype=np.float64)
    above = ordered.size - below
    sums = np.cumsum(ordered)[:-1]
    gap = sums / below - (ordered.sum() - sums) / above
    split = int(np.argmax(below * above * gap**2))
    return float((ordered[split] + ordered[split + 1]) / 2)


def expected_f1_threshold(p: Floats, lengths: Floats) -> float | None:
    """The threshold that keeps the page's most probable lines, as many as maximise its expected F1 with each line
    weighed by its length, the probabilities taken as true (the plug-in rule; None for a page without text)."""
    weights = np.asarray(lengths, dtype=np.float64)
    expected = float((weights * p).sum())
    if p.size == 0 or expected <= 0:
        return None
    order = np.argsort(-p, kind="stable")
    kept_content = np.cumsum(weights[order] * p[order])
    kept_weight = np.cumsum(weights[order])
    f1 = 2 * kept_content / (kept_weight + expected)
    return float(p[order][int(np.argmax(f1))])


def rules() -> dict[str, Rule]:
    """Every rule, by name."""

    def page(p: Floats, fold: float, lengths: Floats) -> float:
        own = otsu_threshold(p)
        return fold if own is None else own

    def clip(distance: float) -> Rule:
        return lambda p, fold, lengths: float(np.clip(page(p, fold, lengths), fold - distance, fold + distance))

    def mix(weight: float) -> Rule:
        return lambda p, fold, lengths: weight * page(p, fold, lengths) + (1 - weight) * fold

    def fallback(chars: int) -> Rule:
        return lambda p, fold, lengths: float(page_thresholds(p, fold, np.zeros(len(p)), lengths, chars)[0])

    def expected_f1(p: Floats, fold: float, lengths: Floats) -> float:
        own = expected_f1_threshold(p, lengths)
        return fold if own is None else own

    chosen: dict[str, Rule] = {"threshold": lambda p, fold, lengths: fold, "page": page,
                               "expected_f1": expected_f1,
                               "expected_f1_mix": lambda p, fold, lengths: (expected_f1(p, fold, lengths) + fold) / 2}
    chosen.update({f"page_clip_{d}": clip(d) for d in CLIP_DISTANCES})
    chosen.update({f"page_mix_{w}": mix(w) for w in MIX_WEIGHTS})
    chosen.update({f"fallback_{n}": fallback(n) for n in FALLBACK_CHARS})
    return chosen


def every_rule() -> dict[str, Rule | float]:
    """:func:`rules` and the ``smooth_<c>`` switch costs, by name."""
    return {**rules(), **{f"smooth_{c:g}": c for c in SMOOTHING_COSTS}}


def kept_by_rule(lines: pd.DataFrame, rule: Rule | float) -> npt.NDArray[np.bool_]:
    """The lines a rule keeps: each page's lines at or above its threshold, and its dominant lines; a number
    instead of a rule: the fold's threshold smoothed at that switch cost."""
    p = lines["p_content"].to_numpy(dtype=np.float64)
    fold = float(lines["threshold"].iloc[0])
    keys = lines["doc"].to_numpy()
    lengths: Floats = np.asarray(lines["text"].astype(str).str.len(), dtype=np.float64)
    if not callable(rule):
        return kept_lines(p, fold, keys, lengths, rule)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    kept = np.zeros(len(p), dtype=np.bool_)
    for start, end in zip(starts, np.r_[starts[1:], len(p)], strict=True):
        kept[start:end] = p[start:end] >= rule(p[start:end], fold, lengths[start:end])
    return kept | dominant_lines(keys, lengths)


def with_renderer(scores: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Page scores with each page's ``renderer`` from its lines, when the lines have one (text mode)."""
    if "renderer" in lines:
        scores["renderer"] = scores["doc"].map(lines.groupby("doc", sort=False)["renderer"].first())
    return scores


def split_views(experiment: str, splits: Sequence[str] = ("val", "test"),
                overrides: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """The ``splits`` lines of ``chromecut-train experiment=<experiment> [overrides]``: the line table built and
    split as that run builds it (text mode: the renderers' dumps), the pages featurised without their site, as at
    inference."""
    from chromecut.train.app import compose_settings
    from chromecut.train.core import project_root
    from chromecut.train.frame import (
        build_frame,
        load_renderings,
        load_table,
        selected_datasets,
        site_view,
        split_frames,
    )

    settings = compose_settings([f"experiment={experiment}", *overrides])
    root = project_root()
    datasets = selected_datasets(settings.data)
    lines, pages = load_table(settings.data, root, None)
    frame = build_frame(lines, pages, datasets, settings.data)
    dumps = settings.features.mode == "text" and settings.features.learn_from_renderings
    renderings = load_renderings(settings.data, root, datasets) if dumps else None
    parts = split_frames(frame, settings.features, np.random.default_rng(settings.seed), renderings)
    return {split: site_view(parts[split], 0.0) for split in splits}


def bundle_lines(model: str, experiment: str, split: str) -> pd.DataFrame:
    """A bundle's ``split`` lines (:func:`split_views`) as ``--predictions`` writes a fold's."""
    from chromecut.model.bundle import Bundle
    from chromecut.predict import resolve_model

    part = split_views(experiment, (split,))[split]
    bundle = Bundle.load(resolve_model(model))
    columns = [c for c in PREDICTION_COLUMNS if c in part]
    return part[columns].reset_index(drop=True).assign(p_content=bundle.predict_proba(part),
                                                       threshold=bundle.threshold)


def gate_scores(model: str, mode: str) -> pd.DataFrame:
    """Every rule's mean page F1 in each cell of the quality gate of ``mode`` (its pages, as the gate cleans them:
    the bundle's probabilities of each page's non-blank lines, then each rule), beside the cell's floor."""
    from chromecut.evaluate import quality
    from chromecut.evaluate.peer_scores import score_page
    from chromecut.predict import Cleaner
    from chromecut.segment.encoding import decode_text

    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    sample = quality.gate_sample(None, baseline.pages_per_dataset)
    cleaner = Cleaner.load(model)
    chosen = every_rule()
    rows = []
    for cell in quality.gate_cells((mode,), quality.gate_renderers(), ()):
        for dataset, pages in sample.pages.items():
            per_rule: dict[str, list[float]] = {name: [] for name in chosen}
            for page in pages:
                given = quality.mode_input(cell, page, decode_text(page.html, page.encoding_hint))
                if given is None:
                    continue
                labeled = [line for line in cleaner.label(given) if line.text.strip()]
                p = np.array([line.p_content for line in labeled], dtype=np.float64)
                lengths = np.array([len(line.text) for line in labeled], dtype=np.float64)
                for name, rule in chosen.items():
                    threshold = rule(p, cleaner.threshold, lengths) if callable(rule) else cleaner.threshold
                    cost = rule if not callable(rule) else 0.0
                    kept = kept_lines(p, threshold, np.zeros(len(p)), lengths, cost)
                    prf = score_page("\n".join(line.text for line, k in zip(labeled, kept, strict=True) if k), page)
                    per_rule[name].append(prf.f1 if prf is not None else 0.0)
            if per_rule["threshold"]:
                floor = baseline.floors.get(cell, {}).get(dataset, float("nan"))
                rows.append({"cell": cell, "dataset": dataset, "pages": len(per_rule["threshold"]), "floor": floor,
                             **{name: float(np.mean(values)) for name, values in per_rule.items()}})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path, nargs="?",
                        help="the folder `chromecut evaluate --predictions` wrote")
    parser.add_argument("--processed", type=Path, default=PROCESSED_DIR_DEFAULT, help="prepared table folder")
    parser.add_argument("--bundle", metavar="MODEL",
                        help="instead: a bundle (html, text, a folder) on its own split's lines, by dataset "
                             "(text: by renderer)")
    parser.add_argument("--experiment", default=None, help="with --bundle: the settings its table is built with "
                                                          "(default ship_<mode of the bundle>)")
    parser.add_argument("--split", choices=("val", "test"), default="test")
    parser.add_argument("--gate", action="store_true",
                        help="with --bundle: the quality gate's cells of the bundle's mode instead, and their floors")
    args = parser.parse_args(argv)
    pages = pd.read_parquet(args.processed / PAGES_FILE)
    if args.bundle:
        from chromecut.predict import Cleaner

        mode = Cleaner.load(args.bundle).mode
        if args.gate:
            frame = gate_scores(args.bundle, mode)
            names = list(every_rule())
            print(frame.round(4).to_string(index=False))
            from chromecut.evaluate import quality

            band = quality.read_baseline(quality.BASELINE_FILE_DEFAULT).noise_band
            below = {name: int((frame[name] < frame["floor"] - band).sum()) for name in names}
            print(f"cells below their floor by more than the gate's band {band}:", below)
            print("mean over cells:", frame[names].mean().round(4).to_dict())
            return 0
        lines = bundle_lines(args.bundle, args.experiment or f"ship_{mode}", args.split)
        by = "renderer" if "renderer" in lines else "dataset"
        table = {}
        for name, rule in every_rule().items():
            scores = with_renderer(kept_page_scores(lines, kept_by_rule(lines, rule), pages), lines)
            row = scores.groupby(by)["f1"].mean()
            row["all pages"] = scores["f1"].mean()
            table[name] = row
        print(pd.DataFrame(table).round(4).to_string())
        return 0
    if args.predictions is None:
        parser.error("give the predictions folder, or --bundle")
    table: dict[str, dict[str, float]] = {}
    for path in sorted(args.predictions.glob("*.parquet")):
        lines = pd.read_parquet(path)
        table[path.stem] = {name: float(kept_page_scores(lines, kept_by_rule(lines, rule), pages)["f1"].mean())
                            for name, rule in every_rule().items()}
    if not table:
        parser.error(f"no fold predictions in {args.predictions}")
    frame = pd.DataFrame(table).T
    frame.loc[f"mean of {len(table)}"] = frame.mean()
    print(frame.round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
