"""Training to the project's definition of content: a dataset whose gold keeps comments cannot teach that
comments are chrome, so its comment lines get weight 0; another dataset's chrome-labelled comments still teach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chromecut.features import line_frame
from chromecut.features.kinds import Kind, line_kinds
from chromecut.labels import Label
from chromecut.segment.html import segment_html
from chromecut.settings import DataSettings
from chromecut.train.definition import (
    dataset_balance_weights,
    definition_weights,
    kind_content_shares,
    page_balance_weights,
    split_weights,
)

ARTICLE = ("<article><h1>River delta sinks faster</h1><p>Scientists found that the river delta is sinking faster "
           "than expected in recent years, a study says.</p></article>")
THREAD = ('<section id="comments"><div class="comment"><p>Great article, thanks for writing it so clearly.</p>'
          '</div><div class="comment"><p>I disagree with most of it, to be honest with you.</p></div></section>')


def _frame(comments_content: dict[str, bool]) -> pd.DataFrame:
    """One page per dataset; its comment lines labelled content or chrome as the dataset's gold would."""
    page = f"<html><body>{ARTICLE}{THREAD}</body></html>"
    parts = []
    for dataset, keeps in comments_content.items():
        frame = line_frame([(f"{dataset}/1", segment_html(page))]).assign(dataset=dataset)
        comment = line_kinds(frame) == Kind.COMMENT
        frame["label"] = np.where(comment & ~keeps, Label.CHROME, Label.CONTENT).astype(np.int8)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def test_the_comments_of_a_dataset_whose_gold_keeps_them_get_weight_zero() -> None:
    frame = _frame({"keeps": True, "drops": False})
    kinds = line_kinds(frame)
    assert kind_content_shares(frame, kinds, Kind.COMMENT) == {"keeps": 1.0, "drops": 0.0}
    weights = definition_weights(frame, ("comment",))
    comment = kinds == Kind.COMMENT
    assert comment.sum() == 4
    assert (weights[comment & (frame["dataset"] == "keeps").to_numpy()] == 0).all()
    assert (weights[comment & (frame["dataset"] == "drops").to_numpy()] == 1).all()
    assert (weights[~comment] == 1).all()  # the article's lines teach as before


def test_the_line_rule_drops_each_content_labelled_line_of_the_kind() -> None:
    frame = _frame({"keeps": True, "drops": False})
    comment = line_kinds(frame) == Kind.COMMENT
    weights = definition_weights(frame, ("comment",), rule="line")
    content = frame["label"].to_numpy() == Label.CONTENT
    assert (weights[comment & content] == 0).all() and (weights[comment & ~content] == 1).all()


def test_no_definition_no_weights_and_bad_settings_are_refused() -> None:
    frame = _frame({"keeps": True})
    assert (definition_weights(frame, ()) == 1).all()
    assert split_weights({"train": frame, "val": frame}, DataSettings()) == {}
    weights = split_weights({"train": frame, "val": frame}, DataSettings(chrome_kinds=("comment",)))
    assert set(weights) == {"train", "val"} and (weights["train"] == 0).sum() == 2
    text_only = frame[["doc", "text", "label", "dataset"]]
    assert split_weights({"train": text_only}, DataSettings(chrome_kinds=("comment",))) == {}
    with pytest.raises(ValueError, match="unknown kinds"):
        definition_weights(frame, ("comments",))
    with pytest.raises(ValueError, match="unknown definition rule"):
        definition_weights(frame, ("comment",), rule="page")


def _pages(dataset: str, pages: int, lines: int) -> pd.DataFrame:
    return pd.DataFrame({"doc": [f"{dataset}/{p}" for p in range(pages) for _ in range(lines)],
                         "dataset": dataset, "text": "a line", "label": Label.CONTENT})


def test_balance_weighs_the_datasets_pages_alike_and_keeps_the_mean_weight() -> None:
    frame = pd.concat([_pages("big", 30, 2), _pages("small", 10, 2)], ignore_index=True)
    assert (dataset_balance_weights(frame, 0.0) == 1).all()
    even = dataset_balance_weights(frame, 1.0)
    big = (frame["dataset"] == "big").to_numpy()
    assert even[big].sum() == pytest.approx(even[~big].sum())
    assert even.mean() == pytest.approx(1.0)
    half = dataset_balance_weights(frame, 0.5)
    assert half[~big][0] / half[big][0] == pytest.approx(3 ** 0.5)
    dumps = frame.assign(source=frame["doc"], doc=frame["doc"] + "#a")
    dumps = pd.concat([dumps, frame.assign(source=frame["doc"], doc=frame["doc"] + "#b")[~big]], ignore_index=True)
    counted_once = dataset_balance_weights(dumps, 1.0)
    assert counted_once[(dumps["dataset"] == "small").to_numpy()][0] / counted_once[0] == pytest.approx(3.0)


def test_balance_weights_text_mode_splits_and_multiplies_the_definition() -> None:
    text_only = pd.concat([_pages("big", 3, 1), _pages("small", 1, 1)], ignore_index=True)
    weights = split_weights({"train": text_only, "val": text_only}, DataSettings(dataset_balance=1.0))
    assert set(weights) == {"train", "val"} and weights["train"][-1] == pytest.approx(3 * weights["train"][0])
    frame = _frame({"keeps": True, "drops": False})
    both = split_weights({"train": frame}, DataSettings(chrome_kinds=("comment",), dataset_balance=1.0))["train"]
    assert (both == 0).sum() == 2 and both.max() > 0


def test_page_balance_weighs_long_and_short_pages_alike_and_multiplies_the_dataset_balance() -> None:
    frame = pd.concat([_pages("long", 1, 9), _pages("short", 3, 1)], ignore_index=True)
    long = (frame["dataset"] == "long").to_numpy()
    assert (page_balance_weights(frame, 0.0) == 1).all()
    even = page_balance_weights(frame, 1.0)
    assert even[long].sum() == pytest.approx(even[~long][0]) and even.mean() == pytest.approx(1.0)
    half = page_balance_weights(frame, 0.5)
    assert half[~long][0] / half[long][0] == pytest.approx(3.0)
    weights = split_weights({"train": frame}, DataSettings(page_balance=1.0, dataset_balance=1.0))["train"]
    dataset_only = dataset_balance_weights(frame, 1.0)
    assert weights / weights[0] == pytest.approx(dataset_only / dataset_only[0] * even / even[0])
