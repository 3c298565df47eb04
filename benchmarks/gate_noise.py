"""How much of a quality-gate cell is sampling noise: each dataset's mean page F1 on the gate's sample with its
bootstrap standard error, and for a candidate bundle the paired difference from the first (its standard error,
and how many pages changed at all).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gate_noise.py                      # the shipped bundle
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gate_noise.py html models/candidate  # shipped against a candidate
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gate_noise.py --mode text text models/text-candidate
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gate_noise.py --mode text --renderers --beyond 100 \
        text models/text-candidate   # every renderer's dumps, on up to 100 test pages after the gate's
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gate_noise.py --mode markdown text markdown
        # the Markdown renderers' dumps: the text model against the Markdown model

``--beyond N`` scores the next N test pages of each dataset after the gate's sample instead (the same order, none
of the gate's pages): a candidate judged there was not chosen on the gate's pages. ``--renderers`` adds text
mode on every renderer's dumps, with one summary line per renderer.

Figures, never assertions: the gate's floors and band (``reports/quality-floors.json``) are what decides.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from chromecut.evaluate import quality

#: Bootstrap resamples of each dataset's pages, and the generator's seed.
RESAMPLES_DEFAULT = 2000
SEED = 0


def bootstrap_se(values: np.ndarray, rng: np.random.Generator, resamples: int) -> float:
    """The standard error of the mean of ``values`` by resampling them with replacement."""
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    return float(values[picks].mean(axis=1).std())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("models", nargs="*", help="one model (default: the shipped one of --mode), or two to compare")
    parser.add_argument("--mode", choices=quality.MODES, default="html")
    parser.add_argument("--resamples", type=int, default=RESAMPLES_DEFAULT)
    parser.add_argument("--beyond", type=int, default=0, metavar="N",
                        help="score the next N test pages of each dataset after the gate's sample instead")
    parser.add_argument("--renderers", action="store_true", help="text mode: also every renderer's dumps")
    args = parser.parse_args(argv)
    models = args.models or [args.mode]
    if len(models) > 2:
        parser.error("at most two models")
    baseline = quality.read_baseline(quality.BASELINE_FILE_DEFAULT)
    sample = (quality.sample_beyond(args.beyond, baseline.pages_per_dataset) if args.beyond
              else quality.gate_sample(None, baseline.pages_per_dataset))
    renderers = None if args.renderers and args.mode == "text" else ()
    scores = [quality.page_f1s(sample, {args.mode: model}, renderers=renderers, modes=(args.mode,))
              for model in models]
    rng = np.random.default_rng(SEED)
    for mode, first_scores in scores[0].items():
        print(f"{mode:22s} {'pages':>5s} {'floor':>7s} {'mean':>7s} {'SE':>7s}"
              + (f" {'diff':>8s} {'SE':>7s} {'changed':>7s}" if len(models) == 2 else ""))
        for dataset, values in first_scores.items():
            first = np.array(values)
            floor = float("nan") if args.beyond else baseline.floors.get(mode, {}).get(dataset, float("nan"))
            row = (f"{dataset:22s} {len(first):5d} {floor:7.4f} {first.mean():7.4f} "
                   f"{bootstrap_se(first, rng, args.resamples):7.4f}")
            if len(models) == 2:
                diff = np.array(scores[1][mode][dataset]) - first
                row += (f" {diff.mean():+8.4f} {bootstrap_se(diff, rng, args.resamples):7.4f} "
                        f"{int((np.abs(diff) > 0).sum()):7d}")
            print(row)
        every = np.concatenate([np.array(v) for v in first_scores.values()])
        summary = f"{'all pages':22s} {len(every):5d} {'':7s} {every.mean():7.4f}"
        if len(models) == 2:
            other = np.concatenate([np.array(scores[1][mode][d]) for d in first_scores])
            summary += f" {'':7s} {other.mean() - every.mean():+8.4f}"
        print(summary, flush=True)
    print(f"the gate's band: a score may sit {baseline.noise_band} below its floor")


if __name__ == "__main__":
    main()
