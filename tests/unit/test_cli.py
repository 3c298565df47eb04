"""The ``chromecut data`` commands: prepare writes the tables, report prints per-dataset JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from chromecut.cli import main


@pytest.mark.data
def test_prepare_then_report_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["data", "prepare", "--datasets", "chinese-wce,readability", "--max-pages", "6", "--out", str(tmp_path)]
    assert main([*args, "-j", "1"]) == 0
    lines = pd.read_parquet(tmp_path / "lines.parquet")
    assert {"dataset", "page_id", "domain", "split", "line", "text", "tag", "link_chars", "label",
            "align_score", "license", "permissive"} <= set(lines.columns)
    assert lines.groupby(["dataset", "page_id"]).size().min() > 0
    capsys.readouterr()
    saved = tmp_path / "saved" / "data.json"
    assert main(["data", "report", "--json", "--out", str(tmp_path), "--save", str(saved)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert json.loads(saved.read_text(encoding="utf-8"))["datasets"] == report["datasets"]
    entry = report["datasets"]["readability"]
    assert entry["pages"] == 6 and entry["license"] == "Apache-2.0" and entry["permissive"] is True
    assert entry["lines"] == entry["content_lines"] + entry["chrome_lines"] + entry["unknown_lines"]
    assert 0.9 < entry["oracle_f1"] <= 1.0
    assert report["prepare_seconds"] > 0


def test_report_without_a_table_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "report", "--out", str(tmp_path)]) == 2
    assert "chromecut data prepare" in capsys.readouterr().err


def test_unknown_dataset_names_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "prepare", "--datasets", "nope"]) == 2
    assert "unknown dataset(s) nope" in capsys.readouterr().err


def test_the_command_line_starts_without_the_model_stack() -> None:
    # `chromecut --help` and usage errors answer at once: LightGBM (which imports scikit-learn) and pandas load
    # with a model.
    script = "import sys, chromecut.cli; print(sorted({'lightgbm', 'sklearn', 'pandas'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_evaluate_trains_its_folds_with_the_settings_given(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("hydra")
    from chromecut.evaluate import lodo

    seen = []
    monkeypatch.setattr(lodo, "leave_one_dataset_out", lambda settings, *args, **kwargs: seen.append(settings) or {})
    assert main(["evaluate", "--mode", "text", "--no-peers", "data.dataset_balance=0.5",
                 "data.chrome_kinds=[comment]", "model.num_leaves=15"]) == 0
    assert main(["evaluate", "--no-peers"]) == 0
    given, default = seen
    assert given.data.dataset_balance == 0.5 and given.data.chrome_kinds == ("comment",)
    assert given.model.num_leaves == 15 and given.features.mode == "text"
    assert given.data.processed_dir == default.data.processed_dir
    assert default.data.dataset_balance == 0.0 and default.model.num_leaves != 15


def test_evaluate_report_names_the_settings_of_its_folds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("hydra")
    from chromecut.evaluate import lodo

    monkeypatch.setattr(lodo, "leave_one_dataset_out", lambda *args, **kwargs: {"mode": "text", "datasets": {}})
    given, default = tmp_path / "given.json", tmp_path / "default.json"
    assert main(["evaluate", "--mode", "text", "--no-peers", "--out", str(given), "model.num_leaves=15"]) == 0
    assert main(["evaluate", "--no-peers", "--out", str(default)]) == 0
    assert json.loads(given.read_text())["overrides"] == ["model.num_leaves=15"]
    assert "overrides" not in json.loads(default.read_text())


def test_evaluate_resumes_the_folds_of_its_report_and_refuses_another_runs(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("hydra")
    from chromecut.evaluate import lodo

    kept: list[Any] = []

    def lodo_run(settings: Any, datasets: Any, **kwargs: Any) -> dict[str, Any]:
        kept.append(kwargs["done"])
        report = {"mode": "text", "datasets": {**(kwargs["done"] or {}), "wcxb": {"pages": 2}}}
        kwargs["on_fold"](dict(report))
        return report

    monkeypatch.setattr(lodo, "leave_one_dataset_out", lodo_run)
    out = tmp_path / "lodo.json"
    assert main(["evaluate", "--mode", "text", "--no-peers", "--resume", "--out", str(out), "seed=3"]) == 0
    assert kept == [None] and json.loads(out.read_text())["datasets"] == {"wcxb": {"pages": 2}}
    first = json.loads(out.read_text())
    assert first["settings"]["seed"] == 3 and first["settings"]["features"]["mode"] == "text"
    assert "processed_dir" not in first["settings"]["data"]  # where the data lives is no fold setting
    out.write_text(json.dumps({**first, "datasets": {"dragnet": {"pages": 1}}}))
    assert main(["evaluate", "--mode", "text", "--no-peers", "--resume", "--out", str(out), "seed=3"]) == 0
    assert kept[-1] == {"dragnet": {"pages": 1}}
    assert set(json.loads(out.read_text())["datasets"]) == {"dragnet", "wcxb"}
    capsys.readouterr()
    for args in (["--mode", "html", "--out", str(out), "seed=3"], ["--mode", "text", "--out", str(out)],
                 ["--mode", "text"]):
        assert main(["evaluate", "--no-peers", "--resume", *args]) == 2
        assert "--resume" in capsys.readouterr().err
    # The same overrides meaning other settings (an experiment file changed since), or a report naming none.
    changed = {**first, "settings": {**first["settings"], "model": {**first["settings"]["model"], "num_leaves": 7}}}
    for earlier, says in ((changed, "model.num_leaves: 7 -> 63"), ({**first, "settings": None}, "does not name"),
                          ({key: value for key, value in first.items() if key != "settings"}, "older report")):
        out.write_text(json.dumps(earlier))
        assert main(["evaluate", "--mode", "text", "--no-peers", "--resume", "--out", str(out), "seed=3"]) == 2
        assert says in capsys.readouterr().err
    assert len(kept) == 2


@pytest.mark.parametrize(("override", "says"), [("model.num_leaves=many", "Error merging override"),
                                                ("model.num_leafs=3", "Could not override"),
                                                ("+model.num_leafs=3", "unknown setting(s) ['num_leafs']"),
                                                ("experiment=nope", "experiment/nope")])
def test_evaluate_refuses_a_mistyped_setting_saying_why(override: str, says: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("hydra")
    assert main(["evaluate", "--no-peers", override]) == 2
    err = capsys.readouterr().err
    assert override in err and says in err
