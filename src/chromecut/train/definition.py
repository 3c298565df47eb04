"""The project's definition of content, and training to it.

The datasets disagree on what content is (``chromecut data definitions``: one dataset's gold keeps the comment
thread under an article, another's leaves it out). The project's definition is the article body with its
headline, no comments and no captions; a dataset's gold that says otherwise about a kind of line cannot teach
the model that definition, so those lines get weight 0 in training (they still count in the scores, which
follow each dataset's own gold). Which lines are of which kind comes from the markup and text patterns of
:mod:`chromecut.features.kinds`, so this needs the HTML line frame. The datasets also differ in size; a run
can weigh them more alike (``data.dataset_balance``), so the largest does not set the definition alone, and
the pages of a split too (``data.page_balance``), as mean page F1 weighs them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.features.frame import SOURCE_COLUMN
from chromecut.features.kinds import Kind, line_kinds, line_tokens
from chromecut.labels import Label
from chromecut.settings import DataSettings

#: Ways a disagreeing line is weighted (see :attr:`chromecut.settings.DataSettings.definition_rule`).
DEFINITION_RULES = ("dataset", "line")


def kind_content_shares(frame: pd.DataFrame, kinds: npt.NDArray[np.object_], kind: str) -> dict[str, float]:
    """Per dataset, the share of the kind's labelled tokens that its gold calls content (datasets without a
    labelled line of the kind are left out)."""
    labelled = (frame["label"].to_numpy() != Label.UNKNOWN) & (kinds == kind)
    if not labelled.any():
        return {}
    table = pd.DataFrame({
        "dataset": frame["dataset"].to_numpy()[labelled],
        "tokens": line_tokens(frame["text"].astype(str).to_numpy()[labelled].tolist()),
        "content": frame["label"].to_numpy()[labelled] == Label.CONTENT,
    })
    table["content_tokens"] = table["tokens"] * table["content"]
    sums = table.groupby("dataset")[["tokens", "content_tokens"]].sum()
    sums = sums[sums["tokens"] > 0]
    return {str(d): float(row.content_tokens / row.tokens) for d, row in sums.iterrows()}


def definition_weights(
    frame: pd.DataFrame, chrome_kinds: tuple[str, ...], rule: str = "dataset", min_share: float = 0.5,
    kinds: npt.NDArray[np.object_] | None = None,
) -> npt.NDArray[np.float64]:
    """1 for every line of an HTML line frame (with ``dataset`` and ``label``), 0 for the lines whose gold
    disagrees with the project's definition that ``chrome_kinds`` are chrome (see
    :attr:`chromecut.settings.DataSettings.definition_rule`). ``kinds`` are the lines' kinds when known."""
    if rule not in DEFINITION_RULES:
        raise ValueError(f"unknown definition rule {rule!r}; use one of {', '.join(DEFINITION_RULES)}")
    unknown = [k for k in chrome_kinds if k not in {kind.value for kind in Kind}]
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; known: {', '.join(k.value for k in Kind)}")
    weights = np.ones(len(frame))
    if not chrome_kinds or frame.empty:
        return weights
    kinds = line_kinds(frame) if kinds is None else kinds
    content = frame["label"].to_numpy() == Label.CONTENT
    datasets = frame["dataset"].to_numpy()
    for kind in chrome_kinds:
        of_kind = kinds == kind
        if rule == "line":
            weights[of_kind & content] = 0.0
            continue
        including = [d for d, share in kind_content_shares(frame, kinds, kind).items() if share >= min_share]
        weights[of_kind & np.isin(datasets, including)] = 0.0
    return weights


def dataset_balance_weights(frame: pd.DataFrame, balance: float) -> npt.NDArray[np.float64]:
    """Each line's weight so that the datasets of a split weigh more alike: a dataset of ``n`` pages gets
    ``(mean n / n) ** balance`` (0: as they are; 1: every dataset the same total of page weight), scaled so
    that the lines' mean weight stays 1. A page's several dumps or copies count once (``source``)."""
    if balance == 0.0 or frame.empty:
        return np.ones(len(frame))
    page = SOURCE_COLUMN if SOURCE_COLUMN in frame else "doc"
    pages = frame.groupby("dataset", observed=True)[page].nunique()
    return _balanced(np.asarray(frame["dataset"].map(pages), dtype=np.float64), float(pages.mean()), balance)


def page_balance_weights(frame: pd.DataFrame, balance: float) -> npt.NDArray[np.float64]:
    """Each line's weight so that the pages (``doc``: each dump of a page is a page of its own) of a split weigh
    more alike, as mean page F1 weighs them: a page of ``n`` lines gets ``(mean n / n) ** balance`` (0: as they
    are; 1: every page the same total of line weight), scaled so that the lines' mean weight stays 1."""
    if balance == 0.0 or frame.empty:
        return np.ones(len(frame))
    lines = frame.groupby("doc", observed=True, sort=False)["doc"].transform("size").to_numpy(dtype=np.float64)
    return _balanced(lines, len(frame) / frame["doc"].nunique(), balance)


def _balanced(sizes: npt.NDArray[np.float64], mean_size: float, balance: float) -> npt.NDArray[np.float64]:
    """``(mean_size / size) ** balance`` for the size of each line's group, scaled so that the lines' mean weight
    stays 1."""
    weights = (mean_size / sizes) ** balance
    return np.asarray(weights / weights.mean(), dtype=np.float64)


def split_weights(parts: dict[str, pd.DataFrame], settings: DataSettings) -> dict[str, npt.NDArray[np.float64]]:
    """The weights of a run's training and validation splits, so early stopping and the threshold follow them
    too: the definition weights (:func:`definition_weights`; not in text mode, which has no markup to find kinds
    by, nor without ``chrome_kinds``) times the dataset balance (:func:`dataset_balance_weights`) and the page
    balance (:func:`page_balance_weights`)."""
    weights: dict[str, npt.NDArray[np.float64]] = {}
    for split in ("train", "val"):
        if split not in parts:
            continue
        part = parts[split]
        defined = bool(settings.chrome_kinds) and "tag" in part
        if not defined and not settings.dataset_balance and not settings.page_balance:
            continue
        split_weight = (dataset_balance_weights(part, settings.dataset_balance)
                        * page_balance_weights(part, settings.page_balance))
        if defined:
            split_weight = split_weight * definition_weights(part, settings.chrome_kinds, settings.definition_rule,
                                                             settings.definition_min_share)
        weights[split] = split_weight
    return weights
