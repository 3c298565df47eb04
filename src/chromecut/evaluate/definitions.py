"""The datasets' definitions of content, measured: per dataset and line kind, the share of lines and tokens its
gold labels content.

The datasets were annotated under different guidelines (one keeps comments, another drops the headline); the
labels of the prepared table come from aligning each page's gold text to its lines, so the share of a kind's
lines that are labelled content says what that dataset's gold holds. The table is computed from the labels,
never written down by hand (``chromecut data definitions``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features.kinds import KIND_ORDER, line_kinds, line_tokens
from chromecut.labels import Label


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def measure_definitions(frame: pd.DataFrame, kinds: npt.NDArray[np.object_] | None = None) -> dict[str, Any]:
    """Per dataset and kind: labelled lines and tokens, those labelled content, and their shares.

    Parameters
    ----------
    frame:
        An HTML line frame with ``dataset`` and ``label`` columns (lines of unknown label are left out: a
        snippet gold speaks to few lines).
    kinds:
        The kind of each line (:func:`chromecut.features.kinds.line_kinds` of ``frame`` when not given).

    Returns
    -------
    dict
        ``{"kinds": [...], "datasets": {dataset: {"pages", "lines", "content_share", "kinds": {kind: {"lines",
        "content_lines", "tokens", "content_tokens", "line_share", "token_share"}}}}}``; a share is ``None``
        when the dataset has no labelled line of that kind.
    """
    kinds = line_kinds(frame) if kinds is None else kinds
    labels = frame["label"].to_numpy()
    known = labels != Label.UNKNOWN
    table = pd.DataFrame({
        "dataset": frame["dataset"].astype(str).to_numpy()[known],
        "doc": frame["doc"].astype(str).to_numpy()[known] if "doc" in frame else "",
        "kind": kinds[known],
        "content": (labels[known] == Label.CONTENT).astype(np.int64),
        "tokens": line_tokens(frame["text"].astype(str).to_numpy()[known].tolist()),
    })
    table["content_tokens"] = table["tokens"] * table["content"]
    datasets: dict[str, Any] = {}
    for dataset, rows in table.groupby("dataset", sort=True):
        sums = rows.groupby("kind").agg(
            lines=("content", "size"), content_lines=("content", "sum"), tokens=("tokens", "sum"),
            content_tokens=("content_tokens", "sum"),
        ).reindex([k.value for k in KIND_ORDER], fill_value=0)
        per_kind: dict[str, Any] = {}
        for kind, row in sums.to_dict("index").items():
            counts = {str(name): int(value) for name, value in row.items()}
            per_kind[str(kind)] = {**counts, "line_share": _share(counts["content_lines"], counts["lines"]),
                                   "token_share": _share(counts["content_tokens"], counts["tokens"])}
        datasets[str(dataset)] = {
            "pages": int(rows["doc"].nunique()), "lines": len(rows),
            "content_share": _share(int(rows["content_tokens"].sum()), int(rows["tokens"].sum())),
            "kinds": per_kind,
        }
    return {"kinds": [k.value for k in KIND_ORDER], "datasets": datasets}


def definitions_report(processed_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """:func:`measure_definitions` of every labelled page of a prepared table (the lines training reads)."""
    from chromecut.evaluate.analysis import line_frame

    frame, _ = line_frame(processed_dir)
    report = measure_definitions(frame)
    report["processed"] = str(processed_dir)
    return report
