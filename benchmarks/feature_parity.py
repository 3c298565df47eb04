"""Hold the Rust featurizer to the Python one on the datasets' lines, and time both.

From the prepared line table (``data/processed/lines.parquet``), takes up to ``--pages`` pages of every dataset
(``doc`` = dataset/page_id, lines in order; ``--mode text`` drops the markup, ``--mode html`` keeps it and adds
each page's title from ``pages.parquet`` beside it), fits ``Featurizer(mode)`` on ``--fit-pages`` other pages of
each, and transforms the first set with both engines. Prints, per feature, the largest absolute
difference of the float64 columns (before the float32 cast) and how many rows differ by more than ``--tolerance``
(NaN against NaN is equal), whether the float32 tables are identical, and each engine's lines/s of ``transform``
end to end (frame in, feature table out) on batches of ``--batch-pages`` pages, as inference featurises (one
thread: run it with OMP_NUM_THREADS=1). The leave-one-out transform of the fitted pages is held to the same
contract.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/feature_parity.py --pages 400 --sections both
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/feature_parity.py --mode html --pages 400 --kinds both

(``--sections`` applies to text mode, ``--kinds`` to HTML mode.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import Featurizer, native
from chromecut.features.frame import MARKUP_COLUMNS

LINES_DEFAULT = Path("data/processed/lines.parquet")
#: The page table beside the line table (its ``title`` column), for HTML mode.
PAGES_NAME = "pages.parquet"


def line_frames(path: Path, pages: int, fit_pages: int, seed: int, mode: str = "text"
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fit frame, transform frame): line frames of disjoint pages, every dataset; in ``html`` mode with the
    markup columns and the page's title."""
    markup = list(MARKUP_COLUMNS) if mode == "html" else []
    table = pd.read_parquet(path, columns=["dataset", "page_id", "line", "text", "domain", *markup])
    table["doc"] = table["dataset"].astype(str) + "/" + table["page_id"].astype(str)
    if mode == "html":
        titles = pd.read_parquet(path.parent / PAGES_NAME, columns=["dataset", "page_id", "title"])
        titles["doc"] = titles["dataset"].astype(str) + "/" + titles["page_id"].astype(str)
        table = table.merge(titles[["doc", "title"]].drop_duplicates("doc"), on="doc", how="left")
    rng = np.random.default_rng(seed)
    fit_docs: list[str] = []
    docs: list[str] = []
    for _, group in table.groupby("dataset", observed=True, sort=True):
        unique = np.array(sorted(group["doc"].unique()), dtype=object)
        rng.shuffle(unique)
        docs.extend(unique[:pages].tolist())
        fit_docs.extend(unique[pages:pages + fit_pages].tolist())
    table = table[["doc", "line", "text", *markup, *(["title"] if mode == "html" else []), "domain"]]

    def frame(chosen: list[str]) -> pd.DataFrame:
        part = table[table["doc"].isin(set(chosen))]
        return part.sort_values(["doc", "line"], kind="stable").reset_index(drop=True)

    return frame(fit_docs), frame(docs)


def compare(python: dict[str, npt.NDArray[np.float64]], rust: npt.NDArray[np.float64], names: list[str],
            tolerance: float) -> tuple[float, list[tuple[str, float, int]]]:
    """The largest difference, and (feature, max abs difference, rows beyond the tolerance) per feature."""
    rows = []
    worst = 0.0
    for j, name in enumerate(names):
        a, b = np.asarray(python[name], dtype=np.float64), rust[:, j]
        both_nan = np.isnan(a) & np.isnan(b)
        diff = np.where(both_nan, 0.0, np.abs(a - b))
        diff = np.where(np.isnan(diff), np.inf, diff)
        top = float(diff.max(initial=0.0))
        worst = max(worst, top)
        rows.append((name, top, int((diff > tolerance).sum())))
    return worst, rows


def batches(frame: pd.DataFrame, pages: int) -> list[pd.DataFrame]:
    """The frame in batches of ``pages`` whole pages."""
    page = pd.factorize(frame["doc"])[0]
    return [part for _, part in frame.groupby(page // max(pages, 1), sort=True)]


def timed(featurizer: Featurizer, parts: list[pd.DataFrame], repeat: int) -> float:
    """The best of ``repeat`` runs of ``transform`` over every batch, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for part in parts:
            featurizer.transform(part)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=Path, default=LINES_DEFAULT)
    parser.add_argument("--pages", type=int, default=400, help="pages per dataset to transform")
    parser.add_argument("--fit-pages", type=int, default=200, help="other pages per dataset to fit on")
    parser.add_argument("--mode", choices=("text", "html"), default="text")
    parser.add_argument("--sections", choices=("off", "on", "both"), default="both", help="text mode")
    parser.add_argument("--kinds", choices=("off", "on", "both"), default="both", help="html mode")
    parser.add_argument("--tolerance", type=float, default=1e-9)
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (the best counts)")
    parser.add_argument("--batch-pages", type=int, default=100, help="pages per transform in the timing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all", action="store_true", help="print every feature, not only those that differ")
    args = parser.parse_args(argv)
    fit_frame, frame = line_frames(args.lines, args.pages, args.fit_pages, args.seed, args.mode)
    print(f"fit: {fit_frame['doc'].nunique():,} pages, {len(fit_frame):,} lines; "
          f"transform: {frame['doc'].nunique():,} pages, {len(frame):,} lines")
    per_dataset = frame.drop_duplicates("doc")["doc"].str.split("/").str[0].value_counts().sort_index()
    print("transformed pages per dataset (all of a dataset's pages when it has fewer): "
          + ", ".join(f"{name} {count}" for name, count in per_dataset.items()))
    failed = False
    choices = {"off": [False], "on": [True], "both": [False, True]}
    variants = choices[args.sections] if args.mode == "text" else choices[args.kinds]
    for flag in variants:
        option = "section_features" if args.mode == "text" else "kind_features"
        python = Featurizer(args.mode, **{option: flag}, engine="python").fit(fit_frame)  # type: ignore[arg-type]
        rust = Featurizer(args.mode, **{option: flag}, engine="rust").fit(fit_frame)  # type: ignore[arg-type]
        names = python.feature_names_
        print(f"\n== {args.mode} mode, {option}={flag}: {len(names)} features")
        # Leave-one-out on the fit pages, and on the transformed pages refitted on themselves: every dataset has
        # pages there, also those too small to leave pages for the fit set.
        refit = (Featurizer(args.mode, **{option: flag}, engine="python").fit(frame),  # type: ignore[arg-type]
                 Featurizer(args.mode, **{option: flag}, engine="rust").fit(frame))  # type: ignore[arg-type]
        checks = (("transform", frame, False, (python, rust)), ("fit_transform", fit_frame, True, (python, rust)),
                  ("fit_transform (refitted on the transformed pages)", frame, True, refit))
        for label, part, leave_one_out, (py_fitted, rs_fitted) in checks:
            reference = py_fitted._columns(part, leave_one_out)
            got = native.features(rs_fitted, part, leave_one_out, dtype=np.float64)
            worst, rows = compare(reference, got, names, args.tolerance)
            differing = [r for r in rows if r[2] or r[1] > 0]
            print(f"{label}: largest difference {worst:.3g}; features beyond {args.tolerance:g}: "
                  f"{sum(1 for r in rows if r[2])}")
            for name, top, count in rows if args.all else differing:
                print(f"  {name:28} max abs diff {top:.3g}  rows {count}")
            failed |= any(r[2] for r in rows)
        py32 = python.transform(frame)
        rs32 = rust.transform(frame)
        same = np.array_equal(py32.to_numpy(), rs32.to_numpy(), equal_nan=True) and list(py32) == list(rs32)
        print(f"float32 tables identical: {same}")
        failed |= not same
        parts = batches(frame, args.batch_pages)
        t_py, t_rs = timed(python, parts, args.repeat), timed(rust, parts, args.repeat)
        print(f"speed (transform, {len(frame):,} lines in {len(parts)} batches of {args.batch_pages} pages, best of "
              f"{args.repeat}): python {len(frame) / t_py:,.0f} lines/s, rust {len(frame) / t_rs:,.0f} lines/s "
              f"({t_py / t_rs:.1f}x)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
