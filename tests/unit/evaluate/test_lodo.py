"""Leave-one-dataset-out in text mode with renderer dumps: scored per renderer, beside HTML mode on the same pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from chromecut.datasets.prepare import LINE_COLUMNS, LINES_FILE, PAGES_FILE
from chromecut.evaluate import lodo
from chromecut.features import line_frame
from chromecut.labels import Label
from chromecut.segment.html import segment_html
from chromecut.settings import DataSettings, FeatureSettings, TrainSettings
from chromecut.train.frame import RENDERINGS_FILE

DATASET = "readability"
OTHER = "wcxb"
PROSE = "Scientists found that the delta is sinking faster than expected, they say."
PAGE = f"<html><body><nav><a href='/'>Home</a></nav><p>{PROSE}</p><footer>Contact us</footer></body></html>"


def _prepared(folder: Path) -> None:
    frame = line_frame([(f"{DATASET}/1", segment_html(PAGE))])
    content = frame["text"] == PROSE
    lines = frame.assign(dataset=DATASET, page_id="1", domain="example.com", split="test", license="MIT",
                         permissive=True, label=np.where(content, Label.CONTENT, Label.CHROME).astype(np.int8),
                         align_score=1.0)
    # The same page in a second dataset: the folds of DATASET train on it.
    lines = pd.concat([lines, lines.assign(dataset=OTHER, domain="example.org", split="train")], ignore_index=True)
    lines[list(LINE_COLUMNS)].to_parquet(folder / LINES_FILE)
    pd.DataFrame({"dataset": [DATASET, OTHER], "page_id": ["1", "1"], "error": [None, None],
                  "gold_kind": ["text", "text"], "gold_coverage": [1.0, 1.0], "title": ["", ""],
                  "language": ["en", "en"], "gold_text": [PROSE, PROSE], "with_snippets": [[], []],
                  "without_snippets": [[], []]}).to_parquet(folder / PAGES_FILE)
    dumps = {"html-text": ["Home", PROSE, "Contact us"], "inscriptis": ["Home Contact", PROSE]}
    rows = [{"dataset": DATASET, "page_id": "1", "domain": "example.com", "split": "test", "renderer": renderer,
             "line": i, "text": text, "label": int(Label.CONTENT if text == PROSE else Label.CHROME)}
            for renderer, texts in dumps.items() for i, text in enumerate(texts)]
    pd.DataFrame(rows).to_parquet(folder / RENDERINGS_FILE)


class _KeepProse:
    """A stand-in fold model that keeps exactly the prose line."""

    threshold = 0.5
    smoothing = 0.0
    fallback_chars = 0

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return (frame["text"] == PROSE).to_numpy(dtype=np.float64)


def _text_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Text-mode leave-one-dataset-out on the one-page table, inscriptis held out, the fold model stubbed."""
    _prepared(tmp_path)
    monkeypatch.setattr(lodo, "_fold_model", lambda *args: _KeepProse())
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)),
                             features=FeatureSettings(mode="text", learn_from_renderings=True,
                                                      held_out_renderers=("inscriptis",)))
    return lodo.leave_one_dataset_out(settings, [DATASET], peers=True, root=tmp_path)


def test_text_mode_is_scored_per_renderer_held_out_ones_included_beside_html_mode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _text_report(tmp_path, monkeypatch)
    entry = report["datasets"][DATASET]
    assert set(entry["renderers"]) == {"html-text", "inscriptis"}
    for figures in entry["renderers"].values():
        assert figures["pages"] == 1
        assert figures["page_f1"] == pytest.approx(1.0) and figures["line_f1"] == pytest.approx(1.0)
        assert figures["html_page_f1"] == pytest.approx(entry["html"]["page_f1"])
        assert 0.0 <= figures["justext_line_f1"] <= 1.0
    assert entry["chromecut"]["page_f1"] == pytest.approx(1.0)


def test_the_renderer_table_sets_text_mode_beside_html_mode_and_marks_held_out_renderers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chromecut.evaluate import markdown

    report = _text_report(tmp_path, monkeypatch)
    table = markdown.render_lodo_renderers(report)
    assert "| inscriptis (held out) | 1 | 1.000 |" in table and "| html-text | 1 | 1.000 |" in table
    assert "learnt from every renderer's dumps but a held-out renderer's" in table
    # Learnt from chromecut's own lines only, no renderer is held out of anything; an older report says nothing.
    for learnt, said in [(False, "learnt from chromecut's own lines only"), (None, "")]:
        other = {**report, "learn_from_renderings": learnt} if learnt is not None else \
            {k: v for k, v in report.items() if k != "learn_from_renderings"}
        table = markdown.render_lodo_renderers(other)
        assert "| inscriptis | 1 | 1.000 |" in table and "(held out)" not in table and said in table
    # The Markdown model's folds beside the text model's, on the renderers they were scored on.
    folds = {name: {"renderers": {"html-text": {"page_f1": 0.25}}} for name in report["datasets"]}
    markdown_report = {"datasets": folds, "overrides": ["experiment=ship_markdown"]}
    table = markdown.render_lodo_renderers(report, markdown_report)
    assert "| html-text | 1 | 1.000 | 0.250 |" in table and "| inscriptis (held out) | 1 | 1.000 | – |" in table
    assert "Markdown model page F1" in table and "`experiment=ship_markdown`" in table
    fewer = {**markdown_report, "datasets": {}}
    assert markdown.render_lodo_renderers(report, fewer) == markdown.render_lodo_renderers(report)
    assert "HTML mode page F1" in markdown.render_lodo_text(report)
    assert markdown.lodo_peers(report) == ["justext"]


def _recording_folds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[set[str]], TrainSettings]:
    """The one-page table prepared, fold models stubbed: the datasets each fold trained on, and the settings."""
    _prepared(tmp_path)
    trained: list[set[str]] = []

    def fold_model(frame: pd.DataFrame, *args: Any) -> _KeepProse:
        trained.append(set(frame["dataset"]))
        return _KeepProse()

    monkeypatch.setattr(lodo, "_fold_model", fold_model)
    return trained, TrainSettings(data=DataSettings(processed_dir=str(tmp_path)))


def test_folds_train_only_on_the_pool_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trained, settings = _recording_folds(tmp_path, monkeypatch)
    everyone = lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path)
    assert trained == [{OTHER}] and set(everyone["datasets"]) == {DATASET} and "train_datasets" not in everyone
    # The pool holds only the held-out dataset: no fold can train, none is reported.
    alone = lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path, train_datasets=[DATASET])
    assert alone["datasets"] == {} and alone["train_datasets"] == [DATASET] and trained == [{OTHER}]


def test_held_out_pages_can_be_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepared(tmp_path)
    monkeypatch.setattr(lodo, "_fold_model", lambda *args: _KeepProse())
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)))
    one = lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path, held_out_max_pages=1)
    none = lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path, held_out_max_pages=0)
    assert one["datasets"][DATASET]["pages"] == 1 and one["held_out_max_pages"] == 1
    assert none["datasets"] == {}


def test_a_resumed_run_keeps_the_folds_done_and_checkpoints_after_each_fold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trained, settings = _recording_folds(tmp_path, monkeypatch)
    earlier = {DATASET: {"pages": 7, "chromecut": {"page_f1": 0.5, "line_f1": 0.5}}}
    checkpoints: list[dict[str, Any]] = []
    report = lodo.leave_one_dataset_out(settings, [DATASET, OTHER], peers=False, root=tmp_path, done=earlier,
                                        on_fold=checkpoints.append)
    assert trained == [{DATASET}]  # only OTHER's fold ran, trained on DATASET
    assert report["datasets"][DATASET] == earlier[DATASET] and report["datasets"][OTHER]["pages"] == 1
    assert checkpoints == [report]
    # A resumed run that asks for other folds keeps the earlier ones in its report.
    again = lodo.leave_one_dataset_out(settings, [OTHER], peers=False, root=tmp_path, done=earlier)
    assert set(again["datasets"]) == {DATASET, OTHER} and again["datasets"][DATASET] == earlier[DATASET]


def test_a_folds_draws_do_not_depend_on_the_folds_before_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepared(tmp_path)
    draws: dict[str, list[float]] = {}

    def fold_model(frame: pd.DataFrame, settings: TrainSettings, rng: np.random.Generator, *args: Any) -> _KeepProse:
        held_out = ({DATASET, OTHER} - set(frame["dataset"])).pop()
        draws.setdefault(held_out, []).append(float(rng.random()))
        return _KeepProse()

    monkeypatch.setattr(lodo, "_fold_model", fold_model)
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)))
    lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path)
    lodo.leave_one_dataset_out(settings, [OTHER, DATASET], peers=False, root=tmp_path)
    assert draws[DATASET][0] == draws[DATASET][1] and draws[OTHER][0] != draws[DATASET][0]


def test_a_text_fold_reads_the_dumps_of_its_own_pages_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[dict[str, set[str]] | None] = []
    read = lodo.load_renderings

    def recorded(settings: DataSettings, root: Path, datasets: list[str],
                 pages: dict[str, set[str]] | None = None) -> pd.DataFrame | None:
        asked.append(pages)
        return read(settings, root, datasets, pages)

    monkeypatch.setattr(lodo, "load_renderings", recorded)
    report = _text_report(tmp_path, monkeypatch)
    assert asked == [{DATASET: {"1"}, OTHER: {"1"}}] and report["datasets"][DATASET]["pages"] == 2


def test_a_fold_records_its_threshold_and_its_lines_pr_auc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _text_report(tmp_path, monkeypatch)["datasets"][DATASET]["chromecut"]
    assert figures["threshold"] == _KeepProse.threshold
    assert figures["line_pr_auc"] == pytest.approx(1.0)  # the prose lines, and only they, score 1


def test_the_pr_auc_is_over_the_labelled_lines_and_left_out_without_both_classes() -> None:
    labels = np.array([Label.CONTENT, Label.CHROME, Label.UNKNOWN, Label.CHROME], dtype=np.int8)
    # The unlabelled line scores highest: counted as not content, it would rank above the content line.
    assert lodo.line_pr_auc(labels, np.array([0.9, 0.2, 1.0, 0.1]))["line_pr_auc"] == pytest.approx(1.0)
    assert lodo.line_pr_auc(labels, np.array([0.1, 0.9, 0.5, 0.2]))["line_pr_auc"] == pytest.approx(1 / 3)
    assert lodo.line_pr_auc(np.array([Label.CHROME, Label.UNKNOWN], dtype=np.int8), np.array([0.3, 0.4])) == {}


class _ProseAboveChrome:
    """A stand-in fold model that ranks the prose line above the others, both in the middle of the range."""

    threshold = 0.5
    smoothing = 0.0
    fallback_chars = 0

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.where(frame["text"] == PROSE, 0.55, 0.25)


def test_an_html_fold_scores_its_held_out_pages_at_every_threshold_of_the_curve(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepared(tmp_path)
    monkeypatch.setattr(lodo, "_fold_model", lambda *args: _ProseAboveChrome())
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)))
    figures = lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path)["datasets"][DATASET]
    curve = figures["chromecut"]["page_f1_by_threshold"]
    assert list(curve) == [f"{t:.1f}" for t in lodo.CURVE_THRESHOLDS]
    assert 0 < curve["0.1"] == curve["0.2"] < 1  # every line kept: the chrome lines cost precision
    # Above 0.25 the prose line alone, kept at any threshold (it holds most of the page's characters).
    assert all(curve[f"{t:.1f}"] == pytest.approx(1.0) for t in lodo.CURVE_THRESHOLDS if t > 0.25)
    assert curve["0.5"] == pytest.approx(figures["chromecut"]["page_f1"])  # the fold's own threshold


def test_a_fold_writes_its_held_out_lines_with_their_probabilities(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepared(tmp_path)
    monkeypatch.setattr(lodo, "_fold_model", lambda *args: _ProseAboveChrome())
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)))
    folder = tmp_path / "predictions"
    lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path, predictions_dir=folder)
    lines = pd.read_parquet(folder / f"{DATASET}.parquet")
    assert list(lines["text"]) == list(line_frame([("p", segment_html(PAGE))])["text"])  # every line, in order
    assert set(lines["doc"]) == {f"{DATASET}/1"}
    assert list(lines["p_content"]) == [0.55 if text == PROSE else 0.25 for text in lines["text"]]
    assert list(lines["label"]) == [Label.CONTENT if text == PROSE else Label.CHROME for text in lines["text"]]
    assert set(lines["threshold"]) == {_ProseAboveChrome.threshold}
    assert not (folder / f"{OTHER}.parquet").exists()  # only the folds that ran


def test_a_text_fold_writes_each_dumps_lines_with_its_renderer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepared(tmp_path)
    monkeypatch.setattr(lodo, "_fold_model", lambda *args: _KeepProse())
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)),
                             features=FeatureSettings(mode="text", learn_from_renderings=True))
    folder = tmp_path / "predictions"
    lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path, predictions_dir=folder)
    lines = pd.read_parquet(folder / f"{DATASET}.parquet")
    assert {"html-text", "inscriptis"} <= set(lines["renderer"])
    by_renderer = lines[lines["renderer"] == "inscriptis"]
    assert list(by_renderer["text"]) == ["Home Contact", PROSE]
    assert list(by_renderer["p_content"]) == [0.0, 1.0]


def test_page_types_split_chromecut_and_each_peer_over_the_same_pages() -> None:
    scores = pd.DataFrame({"doc": ["wcxb/1", "wcxb/2", "wcxb/3", "wcxb/4"], "f1": [1.0, 0.5, 0.25, 0.9]})
    peers = pd.DataFrame({"page_id": ["1", "2", "3", "1", "3"], "peer": ["trafilatura"] * 3 + ["justext"] * 2,
                          "f1": [0.8, 0.6, 0.1, 0.2, 0.3]})
    table = lodo.by_page_type(scores, peers, {"1": "product", "2": "article", "3": "article"})
    assert list(table) == ["article", "product"]  # most pages first; page 4 has no type and is left out
    assert table["article"] == {"pages": 2, "chromecut": pytest.approx(0.375), "trafilatura": pytest.approx(0.35),
                                "justext": pytest.approx(0.3)}  # each tool over the type's own pages
    assert table["product"] == {"pages": 1, "chromecut": 1.0, "justext": 0.2, "trafilatura": 0.8}
    assert lodo.by_page_type(scores, peers, {}) == {}


def test_an_html_fold_breaks_its_scores_down_by_the_page_types_its_dataset_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepared(tmp_path)
    monkeypatch.setattr(lodo, "_fold_model", lambda *args: _ProseAboveChrome())
    peer_rows = pd.DataFrame({"dataset": [DATASET], "page_id": ["1"], "peer": ["trafilatura"], "precision": [0.5],
                              "recall": [0.5], "f1": [0.5], "seconds": [0.1], "error": [None]})
    monkeypatch.setattr(lodo, "_peer_scores", lambda *args: (peer_rows, {"1": "article"}))
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)))
    figures = lodo.leave_one_dataset_out(settings, [DATASET], peers=True, root=tmp_path)["datasets"][DATASET]
    assert figures["by_page_type"] == {"article": {"pages": 1, "chromecut": figures["chromecut"]["page_f1"],
                                                   "trafilatura": 0.5}}
    monkeypatch.setattr(lodo, "_peer_scores", lambda *args: (peer_rows, {}))
    untyped = lodo.leave_one_dataset_out(settings, [DATASET], peers=True, root=tmp_path)["datasets"][DATASET]
    assert "by_page_type" not in untyped


def test_folds_of_an_ensemble_are_refused_before_any_training(tmp_path: Path) -> None:
    from dataclasses import replace

    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path / "nowhere")))
    settings = replace(settings, model=replace(settings.model, ensemble_with=("markdown",)))
    with pytest.raises(ValueError, match="ensemble_with"):
        lodo.leave_one_dataset_out(settings, peers=False, root=tmp_path)
