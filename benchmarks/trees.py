"""The trees alone: LightGBM's predictor, lleaves (LLVM) and the Rust core's native forest, on real feature rows.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/trees.py --pages 2000

On the benchmark's sample of dataset pages (:func:`chromecut.bench.sample.load_sample`), featurised by each
shipped bundle (both passes: the first pass's line features, the context pass's final features), prints per
booster: lines per second of LightGBM's ``predict`` (one thread), lleaves' compiled forest (one thread; when
lleaves is installed) and the native forest (:mod:`chromecut.model.native`, one thread), each from the same
C-contiguous float32 matrix (best of ``--repeats``); then the time from model text to a forest ready to predict:
LightGBM's ``Booster(model_str=...)``, lleaves' parse and compile to object code (no cache) and its load of that
cached object code, the native parse. Last, the largest difference of each from LightGBM's scores (raw and
probability for the native forest, probability for lleaves, which has no raw output) over every row. Figures,
never assertions.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from chromecut.bench.sample import DEFAULT_DATASETS, load_sample
from chromecut.bench.timing import best_of
from chromecut.features import line_frame
from chromecut.model.bundle import CONTEXT_MODEL_FILE, MODEL_FILE
from chromecut.model.compiled import COMPILED_THREADS
from chromecut.model.native import NativeForest
from chromecut.predict import Cleaner, resolve_model

PAGES_DEFAULT = 2000
REPEATS_DEFAULT = 3
MS_PER_SECOND = 1e3
LIGHTGBM_THREADS = 1

Matrix = npt.NDArray[np.float32]


def lleaves_model(text: str, folder: Path, cache: Path) -> Any:
    """lleaves' forest from model text, compiled (or loaded from ``cache`` when it exists)."""
    import lleaves

    model_file = folder / "model.txt"
    model_file.write_text(text, encoding="utf-8")
    model = lleaves.Model(model_file=str(model_file))
    model.compile(cache=str(cache))
    return model


def matrices(mode: str, pages: Sequence[Any]) -> tuple[Matrix, Matrix]:
    """The first and the context pass's feature rows of the pages, as the shipped ``mode`` bundle computes them."""
    cleaner = Cleaner.load(mode)
    frame = line_frame(enumerate(cleaner.segment(page.input(mode)) for page in pages))
    if mode == "text":
        frame = frame[["doc", "line", "text"]]
    features = cleaner.bundle.featurizer.transform(frame)
    final = cleaner.bundle.classifier.final_features(features, frame)
    return (np.ascontiguousarray(features.to_numpy(dtype=np.float32)),
            np.ascontiguousarray(final.to_numpy(dtype=np.float32)))


def measure(label: str, text: str, rows: Matrix, repeats: int, with_lleaves: bool) -> None:
    """Load times and lines per second of one booster, and each forest's largest raw-score difference."""
    loads = {"lightgbm": best_of(lambda: lgb.Booster(model_str=text), repeats),
             "native": best_of(lambda: NativeForest(text), repeats)}
    booster, native = lgb.Booster(model_str=text), NativeForest(text)
    runs: dict[str, Callable[[], npt.NDArray[np.float64]]] = {
        "lightgbm": lambda: np.asarray(booster.predict(rows, num_threads=LIGHTGBM_THREADS)),
        "native": lambda: native.predict(rows),
    }
    expected = np.asarray(booster.predict(rows, num_threads=LIGHTGBM_THREADS))
    differences = {
        "native raw score": np.abs(native.predict_raw(rows)
                                   - booster.predict(rows, raw_score=True, num_threads=LIGHTGBM_THREADS)).max(),
        "native probability": np.abs(native.predict(rows) - expected).max(),
    }
    if with_lleaves:
        with tempfile.TemporaryDirectory(prefix="trees-bench-") as work:
            folder, cache = Path(work), Path(work) / "forest.o"
            start = time.perf_counter()
            compiled = lleaves_model(text, folder, cache)  # parse and compile: no cache yet
            loads["lleaves compile"] = time.perf_counter() - start
            loads["lleaves cached"] = best_of(lambda: lleaves_model(text, folder, cache), repeats)
        wide = rows.astype(np.float64)  # lleaves reads float64: chromecut's CompiledForest converts each call
        runs["lleaves"] = lambda: np.asarray(compiled.predict(rows.astype(np.float64), n_jobs=COMPILED_THREADS))
        runs["lleaves (float64 given)"] = lambda: np.asarray(compiled.predict(wide, n_jobs=COMPILED_THREADS))
        differences["lleaves probability"] = np.abs(compiled.predict(wide, n_jobs=COMPILED_THREADS) - expected).max()
    print(f"{label}: {native.num_trees} trees, {rows.shape[1]} features, {len(rows):,} rows")
    for name, run in runs.items():
        seconds = best_of(run, repeats)
        print(f"  predict {name:24s} {len(rows) / seconds:12,.0f} lines/s  ({seconds * MS_PER_SECOND:8.1f} ms)")
    for name, seconds in loads.items():
        print(f"  load    {name:24s} {seconds * MS_PER_SECOND:12.1f} ms  (model text -> ready)")
    for name, difference in differences.items():
        print(f"  largest {name} difference from LightGBM's: {difference:.1e} over {len(rows):,} rows")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=PAGES_DEFAULT, help="pages in the sample")
    parser.add_argument("--repeats", type=int, default=REPEATS_DEFAULT, help="timings kept: the best of these")
    parser.add_argument("--no-lleaves", action="store_true", help="leave lleaves out (it compiles for seconds)")
    args = parser.parse_args(argv)
    try:
        import lleaves  # noqa: F401
        with_lleaves = not args.no_lleaves
    except ImportError:
        with_lleaves = False
        print("lleaves is not installed: pip install 'chromecut[compiled]' to compare it")
    start = time.perf_counter()
    pages = load_sample(list(DEFAULT_DATASETS), args.pages)
    print(f"{len(pages)} pages from {', '.join(DEFAULT_DATASETS)} ({time.perf_counter() - start:.0f} s to load)")
    for mode in ("html", "text"):
        first, final = matrices(mode, pages)
        folder = resolve_model(mode)
        for name, rows in ((MODEL_FILE, first), (CONTEXT_MODEL_FILE, final)):
            text = (Path(folder) / name).read_text(encoding="utf-8")
            measure(f"{mode} {name}", text, rows, args.repeats, with_lleaves)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
