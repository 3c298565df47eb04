"""The threshold for unseen sites: the grid, the page F1 curves, the dataset-balanced choice, the fallback, the
reliability table and the held-out calibration, on hand-made pages and probabilities."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chromecut.evaluate.scores import page_scores
from chromecut.settings import ModelSettings, TrainSettings
from chromecut.train.threshold import (
    MEAN_COLUMN,
    POOLED,
    HeldOut,
    best_threshold,
    choose_threshold,
    dataset_curves,
    fold_frame,
    held_out_calibration,
    lodo_choice,
    page_f1_curves,
    reliability_table,
    threshold_grid,
    validation_threshold,
)

CONTENT = "the council approved the new budget after a long debate that lasted into the night"
CHROME = "home news sport weather contact subscribe"
SECOND = "officials said the spending plan would take effect next spring after a second reading"
#: A chrome line as long as the others, so no line is half of its page (such a line is always kept).
FILLER = "sign in to read more stories from our newsroom and get the morning newsletter"


def _pages(*docs: tuple[str, str, str]) -> pd.DataFrame:
    """The page table's gold columns for ``(dataset, page_id, gold_text)`` pages (full-text gold)."""
    return pd.DataFrame([{"dataset": d, "page_id": i, "gold_kind": "text", "gold_text": g, "with_snippets": [],
                          "without_snippets": []} for d, i, g in docs])


def _page(dataset: str, page_id: str, p_content: float, p_chrome: float) -> tuple[pd.DataFrame, np.ndarray]:
    """A page of chrome, content and a filler chrome line, with the given probabilities (the filler's is 0)."""
    frame = pd.DataFrame({"doc": [f"{dataset}/{page_id}"] * 3, "dataset": dataset, "line": [0, 1, 2],
                          "text": [CHROME, CONTENT, FILLER], "label": [0, 1, 0]})
    return frame, np.array([p_chrome, p_content, 0.0])


def _held_out(dataset: str, pages: list[tuple[float, float]]) -> HeldOut:
    parts = [_page(dataset, str(i), c, k) for i, (c, k) in enumerate(pages)]
    return HeldOut(dataset, pd.concat([f for f, _ in parts], ignore_index=True), np.concatenate([p for _, p in parts]))


def test_the_grid_includes_both_edges() -> None:
    grid = threshold_grid(101)
    assert grid[0] == 0.0 and grid[-1] == 1.0 and len(grid) == 101
    assert np.allclose(np.diff(grid), 0.01)
    with pytest.raises(ValueError):
        threshold_grid(1)


def test_page_curves_equal_page_scores_at_every_threshold() -> None:
    frame_a, p_a = _page("a", "0", 0.7, 0.4)
    frame_b, p_b = _page("a", "1", 0.2, 0.9)
    frame = pd.concat([frame_a, frame_b], ignore_index=True)
    p = np.concatenate([p_a, p_b])
    pages = _pages(("a", "0", CONTENT), ("a", "1", CONTENT))
    grid = threshold_grid(11)
    curves = page_f1_curves(frame, p, grid, pages)
    for threshold in grid:
        expected = page_scores(frame, p, threshold, pages).set_index("doc")["f1"]
        np.testing.assert_allclose(curves.set_index("doc")[threshold].to_numpy(), expected.to_numpy())
    # the edges: 0 keeps both lines (chrome lowers precision), 1 keeps none (F1 0)
    assert 0.0 < curves[0.0].iloc[0] < 1.0 and (curves[1.0] == 0.0).all()


def test_page_curves_with_the_fallback_equal_page_scores_with_it_at_every_threshold() -> None:
    # Page 0: content 0.35, chrome 0.2; page 1: content 0.7, chrome 0.45. Each line is under 100 characters, so at
    # a floor of 100 a page keeping one line or none falls back to half the threshold.
    frames = [_page("a", "0", 0.35, 0.2), _page("a", "1", 0.7, 0.45)]
    frame = pd.concat([f for f, _ in frames], ignore_index=True)
    p = np.concatenate([q for _, q in frames])
    pages = _pages(("a", "0", CONTENT), ("a", "1", CONTENT))
    grid = threshold_grid(21)
    curves = page_f1_curves(frame, p, grid, pages, fallback_chars=100).set_index("doc")
    for threshold in grid:
        expected = page_scores(frame, p, threshold, pages, fallback_chars=100).set_index("doc")["f1"]
        np.testing.assert_allclose(curves[threshold].to_numpy(), expected.to_numpy())
    alone = page_f1_curves(frame, p, grid, pages).set_index("doc")
    # At 0.5 page 0 keeps nothing alone, its content line (0.35 >= 0.25) with the fallback.
    assert alone.loc["a/0", 0.5] == 0.0 and curves.loc["a/0", 0.5] == 1.0
    # And the validation sites' best threshold is that of the decision it will be used with.
    with_fallback = curves.drop(columns=["dataset"]).mean()
    with_fallback.index = with_fallback.index.astype(float)
    chosen = validation_threshold(frame, p, pages, 21, fallback_chars=100)
    assert chosen == best_threshold(with_fallback) != validation_threshold(frame, p, pages, 21)


def _lines(dataset: str, page_id: str, lines: list[tuple[str, int, float]]) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.DataFrame({"doc": f"{dataset}/{page_id}", "dataset": dataset, "line": range(len(lines)),
                          "text": [t for t, _, _ in lines], "label": [y for _, y, _ in lines]})
    return frame, np.array([p for _, _, p in lines])


def test_the_choice_maximises_the_dataset_balanced_mean_not_the_page_mean() -> None:
    # "big" (five pages) wants a low threshold: its second content line scores 0.35 (above, it is lost).
    # "small" (one page) wants a high one: a long chrome line scores 0.4. Pages would side with "big";
    # datasets weigh the same, so "small" loses more below 0.4 than "big" loses above 0.35.
    big_pages = [_lines("big", str(i), [(CHROME, 0, 0.1), (CONTENT, 1, 0.95), (SECOND, 1, 0.35)]) for i in range(5)]
    big = HeldOut("big", pd.concat([f for f, _ in big_pages], ignore_index=True),
                  np.concatenate([p for _, p in big_pages]))
    small_frame, small_p = _lines("small", "0", [(" ".join([CHROME] * 4), 0, 0.4), (CONTENT, 1, 0.9),
                                                 (FILLER, 0, 0.0), (FILLER, 0, 0.0)])
    small = HeldOut("small", small_frame, small_p)
    pages = _pages(*[("big", str(i), CONTENT + "\n" + SECOND) for i in range(5)], ("small", "0", CONTENT))
    threshold, curves, _ = lodo_choice([big, small], pages, grid_points=101)
    assert 0.4 < threshold <= 0.9
    assert curves.loc[threshold, MEAN_COLUMN] == curves[MEAN_COLUMN].max()
    assert np.allclose(curves[MEAN_COLUMN], curves[["big", "small"]].mean(axis=1))
    # The page-weighted mean would have chosen a threshold below 0.35: the test tells the two apart.
    page_curves = page_f1_curves(pd.concat([big.frame, small.frame], ignore_index=True),
                                 np.concatenate([big.p, small.p]), threshold_grid(101), pages)
    page_mean = page_curves.drop(columns=["doc", "dataset"]).mean()
    assert float(page_mean.index[int(np.argmax(page_mean.to_numpy()))]) <= 0.35


def test_dataset_curves_average_pages_then_datasets() -> None:
    page_curves = pd.DataFrame({"doc": ["a/0", "a/1", "b/0"], "dataset": ["a", "a", "b"],
                                0.0: [1.0, 0.0, 1.0], 1.0: [0.0, 0.0, 1.0]})
    curves = dataset_curves(page_curves)
    assert list(curves.index) == [0.0, 1.0]
    assert curves.loc[0.0, "a"] == 0.5 and curves.loc[0.0, MEAN_COLUMN] == 0.75
    assert curves.loc[1.0, MEAN_COLUMN] == 0.5


def test_reliability_bins_count_lines_and_content_fractions() -> None:
    y = np.array([0, 1, 1, 1, 0, 1], dtype=np.int8)
    p = np.array([0.05, 0.15, 0.12, 0.95, 0.9, 1.0])
    groups = np.array(["a", "a", "b", "b", "a", "b"])
    table = reliability_table(y, p, groups, bins=10).set_index(["dataset", "bin"])
    pooled = table.loc[POOLED]
    assert list(pooled.index) == [0, 1, 9]  # empty bins are left out; p = 1.0 falls in the last bin
    assert pooled["lines"].tolist() == [1, 2, 3] and pooled["lines"].sum() == len(y)
    assert pooled.loc[1, "content_fraction"] == 1.0 and np.isclose(pooled.loc[9, "content_fraction"], 2 / 3)
    assert np.isclose(pooled.loc[9, "p_mean"], (0.95 + 0.9 + 1.0) / 3)
    assert table.loc[("a", 9), "content_fraction"] == 0.0 and table.loc[("a", 9), "lines"] == 1
    assert table.loc[("b", 9), "lines"] == 2 and table.loc[("b", 1), "lines"] == 1


def test_fold_frames_hold_the_dataset_out_and_never_use_a_test_page() -> None:
    frame = pd.DataFrame({
        "doc": ["a/0", "a/1", "a/2", "b/0", "b/1", "b/2", "b/3"],
        "dataset": ["a", "a", "a", "b", "b", "b", "b"],
        "split": ["train", "val", "test", "train", "train", "val", "test"],
    })
    fold = fold_frame(frame, "a", max_pages=None)
    assert set(fold.loc[fold["dataset"] == "a", "split"]) == {"test"}  # what a fold predicts, never fits
    assert set(fold["doc"]) == {"a/0", "a/1", "b/0", "b/1", "b/2"}
    capped = fold_frame(frame, "a", max_pages=1)
    assert set(capped.loc[capped["split"] == "train", "doc"]) == {"b/0"} and "b/2" in set(capped["doc"])


def test_one_dataset_falls_back_to_the_validation_threshold(caplog: pytest.LogCaptureFixture) -> None:
    frame = pd.DataFrame({"doc": ["a/0", "a/1"], "dataset": ["a", "a"], "split": ["train", "val"]})
    settings = TrainSettings(model=ModelSettings(threshold_policy="lodo"))
    with caplog.at_level(logging.WARNING):
        choice = choose_threshold(frame, _pages(), settings, Path("."), val_threshold=0.42)
    assert choice.policy == "val" and choice.threshold == 0.42 and choice.curves.empty
    assert "at least 2" in caplog.text


def test_fixed_and_unknown_policies() -> None:
    frame = pd.DataFrame({"doc": ["a/0"], "dataset": ["a"], "split": ["train"]})
    fixed = TrainSettings(model=ModelSettings(threshold_policy="fixed", threshold=0.7))
    choice = choose_threshold(frame, _pages(), fixed, Path("."), val_threshold=0.3)
    assert choice.threshold == 0.7 and choice.metrics == {"val_threshold": 0.3}
    with pytest.raises(ValueError, match="threshold_policy"):
        choose_threshold(frame, _pages(), TrainSettings(model=ModelSettings(threshold_policy="best")), Path("."),
                         val_threshold=0.3)


def test_the_validation_pages_threshold_is_the_best_mean_page_f1() -> None:
    """Two pages whose chrome scores 0.4 and 0.6 and content 0.7 and 0.8: every threshold in (0.6, 0.7] keeps
    both pages' content alone (page F1 1 on both), the lowest of them wins; no known page gives no threshold."""
    parts = [_page("a", "0", 0.7, 0.4), _page("b", "1", 0.8, 0.6)]
    frame = pd.concat([f for f, _ in parts], ignore_index=True)
    p = np.concatenate([q for _, q in parts])
    pages = _pages(("a", "0", CONTENT), ("b", "1", CONTENT))
    assert validation_threshold(frame, p, pages, 101) == pytest.approx(0.61)
    assert validation_threshold(frame, p, pages.iloc[:0], 101) is None


def _overconfident(dataset: str, lines: int, slope: float, rng: np.random.Generator) -> HeldOut:
    """A held-out dataset whose labels follow ``sigmoid(slope * x - 0.5)`` where the fold model said
    ``sigmoid(x)``, plus unlabelled lines at probability 0.99 that the calibration must not see."""
    x = rng.normal(0.0, 3.0, lines)
    y = (rng.random(lines) < 1.0 / (1.0 + np.exp(-(slope * x - 0.5)))).astype(np.int8)
    labels = np.r_[y, np.full(lines // 2, -1, dtype=np.int8)]  # Label.UNKNOWN
    p = np.r_[1.0 / (1.0 + np.exp(-x)), np.full(lines // 2, 0.99)]
    frame = pd.DataFrame({"doc": f"{dataset}/0", "dataset": dataset, "text": CONTENT, "label": labels})
    return HeldOut(dataset, frame, p)


def test_the_held_out_calibration_fits_every_dataset_alike_and_is_measured_on_each_with_the_others_map() -> None:
    rng = np.random.default_rng(0)
    # "big" has ten times the lines of the others but weighs the same: the map is the mean of the three.
    held_out = [_overconfident("big", 20_000, 0.4, rng), _overconfident("mid", 2_000, 0.6, rng),
                _overconfident("small", 2_000, 0.6, rng)]
    calibration, metrics, table = held_out_calibration(held_out)
    assert 0.5 < calibration.slope < 0.6 and calibration.intercept == pytest.approx(-0.5, abs=0.1)
    assert metrics["calibration_slope"] == calibration.slope
    for dataset in ("big", "mid", "small"):
        assert metrics[f"held_out_ece_calibrated.{dataset}"] < metrics[f"held_out_ece.{dataset}"]
    assert metrics["held_out_ece"] == pytest.approx(np.mean([metrics[f"held_out_ece.{d}"]
                                                             for d in ("big", "mid", "small")]))
    pooled = table[table["dataset"] == POOLED]
    assert pooled["lines"].sum() == 24_000  # the unlabelled lines are left out
    # After the map, the bins' content shares are far nearer their mean probabilities than before it.
    lines = pd.concat([h.frame.assign(p=h.p) for h in held_out], ignore_index=True)
    lines = lines[lines["label"] >= 0]
    before = reliability_table(lines["label"].to_numpy(), lines["p"].to_numpy(), lines["dataset"].to_numpy())
    before = before[before["dataset"] == POOLED]

    def gap(rows: pd.DataFrame) -> float:
        return float((np.abs(rows["content_fraction"] - rows["p_mean"]) * rows["lines"]).sum() / rows["lines"].sum())

    assert gap(pooled) < gap(before) / 3


def test_an_unknown_calibration_is_refused() -> None:
    frame = pd.DataFrame({"doc": ["a/0"], "dataset": ["a"], "split": ["train"]})
    with pytest.raises(ValueError, match="calibration"):
        choose_threshold(frame, _pages(), TrainSettings(model=ModelSettings(calibration="isotonic")), Path("."),
                         val_threshold=0.3)
