"""The definitions and errors-by-kind tables: rendered from their reports (hand-made here), registered for the
README's refresh, and ``chromecut data definitions`` writing the report from a prepared table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from chromecut.cli import main
from chromecut.datasets.prepare import LINE_COLUMNS, LINES_FILE, PAGES_FILE
from chromecut.evaluate import markdown, tables
from chromecut.evaluate.errors import ERROR_COUNTS
from chromecut.features import line_frame
from chromecut.features.kinds import KIND_ORDER
from chromecut.labels import Label
from chromecut.segment.html import segment_html


def _rows(table: str) -> list[list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def _kinds(**shares: tuple[int, int, int]) -> dict[str, Any]:
    """Per kind: (lines, tokens, content tokens); every other kind empty."""
    out = {}
    for kind in KIND_ORDER:
        lines, tokens, content = shares.get(kind.value, (0, 0, 0))
        out[kind.value] = {"lines": lines, "content_lines": 0, "tokens": tokens, "content_tokens": content,
                           "line_share": None, "token_share": content / tokens if tokens else None}
    return out


DEFINITIONS: dict[str, Any] = {
    "kinds": [k.value for k in KIND_ORDER],
    "datasets": {
        "a": {"pages": 3, "lines": 500, "content_share": 0.4,
              "kinds": _kinds(headline=(40, 400, 400), caption=(50, 500, 0), comment=(5, 50, 50))},
        "b": {"pages": 2, "lines": 300, "content_share": 0.6, "kinds": _kinds(headline=(30, 300, 15))},
    },
}


def test_definitions_table_has_a_row_per_kind_and_a_column_per_dataset() -> None:
    rows = {row[0]: row[1:] for row in _rows(markdown.render_definitions(DEFINITIONS))}
    assert list(rows) == ["all labelled lines", *DEFINITIONS["kinds"]]
    assert rows["all labelled lines"] == ["0.40", "0.60"]
    assert rows["headline"] == ["1.00", "0.05"]
    assert rows["caption"] == ["0.00", markdown.MISSING]
    # Too few labelled lines for a share.
    assert rows["comment"] == [markdown.MISSING, markdown.MISSING]


def _errors(**false_missed: tuple[int, int]) -> dict[str, dict[str, int]]:
    out = {k.value: dict.fromkeys(ERROR_COUNTS, 0) for k in KIND_ORDER}
    for kind, (false, missed) in false_missed.items():
        out[kind].update(false_content_tokens=false, missed_content_tokens=missed)
    return out


LODO: dict[str, Any] = {
    "mode": "html",
    "fold_max_pages": 300,
    "datasets": {
        "a": {"pages": 10, "chromecut": {"page_f1": 0.9, "line_f1": 0.8}, "trafilatura": {"page_f1": 0.8},
              "errors_by_kind": _errors(comment=(300, 0), caption=(100, 10), body=(0, 90))},
        "b": {"pages": 5, "chromecut": {"page_f1": 0.7, "line_f1": 0.6}, "trafilatura": {"page_f1": 0.9},
              "errors_by_kind": _errors(comment=(100, 0), related_list=(500, 0))},
    },
}


def test_errors_by_kind_sums_the_held_out_datasets_most_false_content_first() -> None:
    rows = _rows(markdown.render_errors_by_kind(LODO))
    assert [r[0] for r in rows[:3]] == ["related_list", "comment", "caption"]
    by_kind = {r[0]: r[1:] for r in rows}
    assert by_kind["related_list"] == ["500", "50.0%", "0", "0.0%"]
    assert by_kind["comment"][:2] == ["400", "40.0%"]
    assert by_kind["body"] == ["0", "0.0%", "90", "90.0%"]
    assert by_kind["all kinds"] == ["1,000", "100.0%", "100", "100.0%"]
    assert "2 held-out datasets" in markdown.render_errors_by_kind(LODO)


def test_errors_by_kind_is_no_peer_of_the_lodo_tables() -> None:
    assert markdown.lodo_peers(LODO) == ["trafilatura"]
    assert "errors_by_kind" not in markdown.render_lodo_html(LODO)


def test_both_tables_are_registered_and_refreshed_from_their_reports(tmp_path: Path) -> None:
    assert tables.TABLES["definitions"].sources == (tables.DEFINITIONS,)
    assert tables.TABLES["errors-by-kind"].sources == (tables.LODO_HTML,)
    (tmp_path / "reports").mkdir()
    (tmp_path / tables.DEFINITIONS).write_text(json.dumps(DEFINITIONS), encoding="utf-8")
    (tmp_path / tables.LODO_HTML).write_text(json.dumps(LODO), encoding="utf-8")
    blocks = "".join(f"<!-- table:{name} -->\nSTALE\n<!-- /table:{name} -->\n" for name in ("definitions",
                                                                                          "errors-by-kind"))
    (tmp_path / "README.md").write_text(blocks, encoding="utf-8")
    assert tables.refresh_tables(tmp_path) == [tmp_path / "README.md"]
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "STALE" not in readme and "| headline | 1.00 | 0.05 |" in readme and "| related_list | 500 |" in readme


PAGE = """<html><head><title>River delta sinks faster</title></head><body><article>
<h1>River delta sinks faster</h1><p>Scientists found that the delta is sinking faster than expected, they say.</p>
</article><section class="comments"><p>Tom</p><p>Great article, thanks for writing it.</p></section></body></html>"""


#: A dataset the prepared table may hold (the measure reads the known datasets only).
DATASET = "readability"


def _prepared(folder: Path) -> None:
    """A prepared table of one page: the gold keeps the headline and the prose, drops the comments."""
    frame = line_frame([(f"{DATASET}/1", segment_html(PAGE))])
    comment = frame["text"].isin(["Tom", "Great article, thanks for writing it."])
    lines = frame.assign(dataset=DATASET, page_id="1", domain="example.com", split="test", license="MIT",
                         permissive=True, label=np.where(comment, Label.CHROME, Label.CONTENT).astype(np.int8),
                         align_score=1.0)
    lines[list(LINE_COLUMNS)].to_parquet(folder / LINES_FILE)
    pages = pd.DataFrame({"dataset": [DATASET], "page_id": ["1"], "error": [None], "gold_kind": ["text"],
                          "gold_coverage": [1.0], "title": ["River delta sinks faster"], "language": ["en"],
                          "gold_text": [" ".join(frame.loc[~comment, "text"])], "with_snippets": [[]],
                          "without_snippets": [[]]})
    pages.to_parquet(folder / PAGES_FILE)


def test_data_definitions_measures_a_prepared_table_and_saves_its_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _prepared(tmp_path)
    saved = tmp_path / "out" / "definitions.json"
    assert main(["data", "definitions", "--processed", str(tmp_path), "--save", str(saved), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    report = json.loads(saved.read_text(encoding="utf-8"))
    assert printed["datasets"] == report["datasets"]
    kinds = report["datasets"][DATASET]["kinds"]
    assert kinds["headline"]["token_share"] == pytest.approx(1.0)
    assert kinds["comment"]["token_share"] == pytest.approx(0.0)
    assert main(["data", "definitions", "--processed", str(tmp_path)]) == 0
    assert f"| kind | {DATASET} |" in capsys.readouterr().out


def test_data_definitions_without_a_prepared_table_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["data", "definitions", "--processed", str(tmp_path)]) == 2


class _KeepAll:
    """A stand-in fold model that keeps every line."""

    threshold = 0.5
    smoothing = 0.0
    fallback_chars = 0

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.ones(len(frame))


def test_leave_one_dataset_out_records_each_held_out_datasets_errors_by_kind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chromecut.evaluate import lodo
    from chromecut.settings import DataSettings, TrainSettings

    _prepared(tmp_path)
    monkeypatch.setattr(lodo, "_fold_model", lambda *args: _KeepAll())
    settings = TrainSettings(data=DataSettings(processed_dir=str(tmp_path)))
    report = lodo.leave_one_dataset_out(settings, [DATASET], peers=False, root=tmp_path)
    errors = report["datasets"][DATASET]["errors_by_kind"]
    # Everything kept: the comments (chrome by the gold) are the false content, nothing is missed.
    assert errors["comment"]["false_content_tokens"] == 7
    assert sum(counts["missed_content_tokens"] for counts in errors.values()) == 0
    assert markdown.lodo_peers(report) == []
