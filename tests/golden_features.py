"""The featurizer's golden files: the features of the invented pages and dumps of ``tests/golden/inputs`` in
every configuration, stored in ``tests/golden/features-<mode>.npz``, so the contract of the features (their
names, order and values) is held by data, not by a second implementation.

The files change only when a feature's definition changes on purpose: bump
:data:`chromecut.features.FEATURIZER_VERSION` (old bundles are refused) and rewrite them with
``python tests/golden_features.py``; the test fails while the version recorded in the files is not the
package's.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features import FEATURIZER_VERSION, Featurizer, Mode, line_frame, native
from chromecut.segment.html import segment_html, segment_text

GOLDEN = Path(__file__).parent / "golden"
INPUTS = GOLDEN / "inputs"
#: The pages are split into this many invented sites (``repeat_site`` counts a line's other pages on its site).
SITES = 3
#: Each mode's configurations: the featurizer parameters the shipped and optional feature sets use.
CONFIGS: dict[Mode, dict[str, dict[str, Any]]] = {
    "html": {"kinds": {"kind_features": True}, "plain": {"kind_features": False}},
    "text": {"sections": {"section_features": True}, "plain": {"section_features": False}},
}
#: Lines on one page only count as repeated: the invented pages share few lines.
REPEAT_MIN_PAGES = 1


def golden_path(mode: Mode) -> Path:
    return GOLDEN / f"features-{mode}.npz"


def golden_frame(mode: Mode) -> pd.DataFrame:
    """The line frame of the mode's inputs (HTML pages segmented as pages, text dumps one block per line)."""
    folder = INPUTS / mode
    files = sorted(folder.glob("*.html" if mode == "html" else "*.txt"))
    if not files:
        raise FileNotFoundError(f"no golden inputs in {folder}")
    segment = segment_html if mode == "html" else segment_text
    frame = line_frame([(f.name, segment(f.read_text(encoding="utf-8"))) for f in files], markup=mode == "html")
    frame["domain"] = [f"site{sorted(frame['doc'].unique()).index(doc) % SITES}" for doc in frame["doc"]]
    return frame


def golden_cases(mode: Mode) -> Iterator[tuple[str, Featurizer, bool]]:
    """Each configuration's fitted featurizer (fitted on the mode's own frame), with and without leave-one-out:
    ``(case name, featurizer, leave_one_out)``."""
    frame = golden_frame(mode)
    for config, params in CONFIGS[mode].items():
        featurizer = Featurizer(mode, repeat_min_pages=REPEAT_MIN_PAGES, **params).fit(frame)
        for leave_one_out in (False, True):
            yield f"{config}-{'loo' if leave_one_out else 'transform'}", featurizer, leave_one_out


def features(featurizer: Featurizer, frame: pd.DataFrame, leave_one_out: bool) -> pd.DataFrame:
    """The case's feature table, float64 (what ``transform`` casts to float32)."""
    values = native.features(featurizer, frame, leave_one_out, dtype=np.float64)
    return pd.DataFrame(values, index=frame.index, columns=featurizer.feature_names_)


def compute(mode: Mode) -> dict[str, npt.NDArray[Any]]:
    """Every case of a mode as the arrays the golden file stores."""
    frame = golden_frame(mode)
    arrays: dict[str, npt.NDArray[Any]] = {
        "featurizer_version": np.array(FEATURIZER_VERSION),
        "doc": frame["doc"].to_numpy(dtype=str),
        "text": frame["text"].to_numpy(dtype=str),
    }
    for case, featurizer, leave_one_out in golden_cases(mode):
        table = features(featurizer, frame, leave_one_out)
        arrays[f"{case}/names"] = np.array(table.columns, dtype=str)
        arrays[f"{case}/values"] = table.to_numpy()
    return arrays


def write(mode: Mode) -> Path:
    path = golden_path(mode)
    np.savez_compressed(path, **compute(mode))  # type: ignore[arg-type]
    return path


if __name__ == "__main__":
    modes: tuple[Mode, ...] = ("html", "text")
    for written in map(write, modes):
        print(f"wrote {written} ({written.stat().st_size:,} bytes)", file=sys.stderr)
