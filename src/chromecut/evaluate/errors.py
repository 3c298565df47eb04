"""A model's mistakes by line kind: the tokens it keeps that the gold calls chrome (false content) and the
tokens it drops that the gold calls content (missed content), per kind of :mod:`chromecut.features.kinds`.

Where precision is lost (comment threads kept, captions kept) is what a new feature or a change of the
definition of content should aim at; the leave-one-dataset-out evaluation records these counts for each
held-out dataset (``errors_by_kind``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features.kinds import KIND_ORDER, line_kinds, line_tokens
from chromecut.labels import Label
from chromecut.model.decision import frame_kept

#: The counts of each kind, in the order the report lists them.
ERROR_COUNTS = ("false_content_tokens", "missed_content_tokens", "content_tokens", "chrome_tokens")


def errors_by_kind(frame: pd.DataFrame, p: npt.NDArray[np.float64], threshold: float,
                   kinds: npt.NDArray[np.object_] | None = None, smoothing: float = 0.0, fallback_chars: int = 0
                   ) -> dict[str, dict[str, int]]:
    """Per kind: false-content tokens (kept, gold chrome), missed-content tokens (dropped, gold content), and the
    gold content and chrome tokens, over the labelled lines of ``frame``.

    Parameters
    ----------
    frame:
        An HTML line frame with gold ``label`` s.
    p, threshold, smoothing, fallback_chars:
        Each line's probability of content, the decision threshold, the decision's smoothing and fallback (lines
        kept as :func:`chromecut.model.decision.kept_lines` keeps them).
    kinds:
        The kind of each line (:func:`chromecut.features.kinds.line_kinds` of ``frame`` when not given).
    """
    kinds = line_kinds(frame) if kinds is None else kinds
    labels = frame["label"].to_numpy()
    known = labels != Label.UNKNOWN
    content = labels[known] == Label.CONTENT
    kept = frame_kept(frame, np.asarray(p), threshold, smoothing, fallback_chars)[known]
    tokens = line_tokens(frame["text"].astype(str).to_numpy()[known].tolist())
    table = pd.DataFrame({
        "kind": kinds[known],
        "false_content_tokens": tokens * (kept & ~content),
        "missed_content_tokens": tokens * (~kept & content),
        "content_tokens": tokens * content,
        "chrome_tokens": tokens * ~content,
    })
    sums = table.groupby("kind")[list(ERROR_COUNTS)].sum().reindex([k.value for k in KIND_ORDER], fill_value=0)
    return {str(kind): {str(name): int(value) for name, value in row.items()}
            for kind, row in sums.to_dict("index").items()}


def errors_by_dataset(frame: pd.DataFrame, p: npt.NDArray[np.float64], threshold: float) -> dict[str, Any]:
    """:func:`errors_by_kind` of each dataset of ``frame``, as ``{"datasets": {name: {"errors_by_kind": ...}}}``
    (the shape of a leave-one-dataset-out report, so the same table renders both)."""
    kinds = line_kinds(frame)
    names = frame["dataset"].astype(str).to_numpy()
    out: dict[str, Any] = {}
    for name in sorted(set(names.tolist())):
        rows = names == name
        out[name] = {"pages": int(frame.loc[rows, "doc"].nunique()) if "doc" in frame else None,
                     "errors_by_kind": errors_by_kind(frame[rows], np.asarray(p)[rows], threshold, kinds[rows])}
    return {"datasets": out}
