"""The featurizer's golden files: the features of the invented pages and dumps of ``tests/golden/inputs`` and of
the tests' hand-written ones (:mod:`feature_inputs`), in every configuration, stored in
``tests/golden/features-<mode>.npz``, so the contract of the features (their names, order and values) is held by
data, not by a second implementation. They were first written when the Rust core's features equalled the Python
families' (to 4.4e-15 on these inputs, to 1.8e-15 on 2,694 dataset pages) and the Python families were removed.

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
from feature_inputs import DUMPS, PAGES, TEXT_PROSE, dump_frame, odd_frame, page_frame

GOLDEN = Path(__file__).parent / "golden"
INPUTS = GOLDEN / "inputs"
#: The pages are split into this many invented sites (``repeat_site`` counts a line's other pages on its site).
SITES = 2
#: Each mode's configurations: the featurizer parameters the shipped and optional feature sets use.
CONFIGS: dict[Mode, dict[str, dict[str, Any]]] = {
    "html": {"kinds": {"kind_features": True}, "plain": {"kind_features": False},
             "cjk_prose": {"kind_features": True, "cjk_prose_words": True}},
    "text": {"sections": {"section_features": True}, "plain": {"section_features": False},
             "markdown": {"markdown_features": True}, "cjk_prose": {"cjk_prose_words": True}},
}
#: Lines on one page only count as repeated: the invented pages share few lines.
REPEAT_MIN_PAGES = 1
#: How each case is featurised: the frame as a batch, the frame it was fitted on (leave-one-out), each document
#: alone (as inference featurises a page), and (HTML) without the title column.
HOWS = ("transform", "loo", "alone", "untitled")


def golden_path(mode: Mode) -> Path:
    return GOLDEN / f"features-{mode}.npz"


def _input_frame(mode: Mode) -> pd.DataFrame:
    """The line frame of the mode's input files (HTML pages segmented as pages, text dumps one block per line),
    the files spread over :data:`SITES` sites."""
    folder = INPUTS / mode
    files = sorted(folder.glob("*.html" if mode == "html" else "*.txt"))
    if not files:
        raise FileNotFoundError(f"no golden inputs in {folder}")
    segment = segment_html if mode == "html" else segment_text
    frame = line_frame([(f.name, segment(f.read_text(encoding="utf-8"))) for f in files], markup=mode == "html")
    site = {doc: f"site{k % SITES}" for k, doc in enumerate(sorted(frame["doc"].unique()))}
    frame["domain"] = frame["doc"].map(site)
    return frame


def golden_frames(mode: Mode) -> dict[str, pd.DataFrame]:
    """The mode's frames: the input files with the tests' hand-written pages or dumps, and a frame of what
    segmentation never writes (HTML: odd values; text: lone surrogates)."""
    if mode == "html":
        pages = page_frame(*PAGES)
        pages["doc"] = "hand-" + pages["doc"]
        return {"pages": pd.concat([_input_frame(mode), pages], ignore_index=True), "odd": odd_frame()}
    surrogates = dump_frame({"page": ["bad \ud800 text", "Home", "bad \udfff\ud800 text", TEXT_PROSE]}, domain=None)
    return {"dumps": pd.concat([_input_frame(mode), dump_frame(DUMPS)], ignore_index=True), "surrogates": surrogates}


def golden_cases(mode: Mode) -> Iterator[tuple[str, pd.DataFrame, Featurizer, str]]:
    """Each frame and configuration: ``(case name, frame, featurizer fitted on the frame, how)``, ``how`` one of
    :data:`HOWS`."""
    for frame_name, frame in golden_frames(mode).items():
        for config, params in CONFIGS[mode].items():
            featurizer = Featurizer(mode, repeat_min_pages=REPEAT_MIN_PAGES, **params).fit(frame)
            for how in HOWS:
                if how != "untitled" or "title" in frame:
                    yield f"{frame_name}/{config}/{how}", frame, featurizer, how


def features(featurizer: Featurizer, frame: pd.DataFrame, how: str) -> pd.DataFrame:
    """A case's feature table, float64 (what ``transform`` casts to float32)."""
    if how == "alone":
        return pd.concat([features(featurizer, page.reset_index(drop=True), "transform")
                          for _, page in frame.groupby("doc", sort=False)], ignore_index=True)
    if how == "untitled":
        frame = frame.drop(columns="title")
    values = native.features(featurizer, frame, how == "loo", dtype=np.float64)
    return pd.DataFrame(values, columns=featurizer.feature_names_)


def compute(mode: Mode) -> dict[str, npt.NDArray[Any]]:
    """Every case of a mode as the arrays the golden file stores: the frames' documents and lines, each case's
    names and values."""
    arrays: dict[str, npt.NDArray[Any]] = {"featurizer_version": np.array(FEATURIZER_VERSION)}
    for frame_name, frame in golden_frames(mode).items():
        arrays[f"{frame_name}/doc"] = frame["doc"].to_numpy(dtype=str)
        arrays[f"{frame_name}/text"] = frame["text"].astype(object).fillna("").to_numpy(dtype=str)
    for case, frame, featurizer, how in golden_cases(mode):
        table = features(featurizer, frame, how)
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
