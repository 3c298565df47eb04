"""Markdown tables rendered from hand-made reports, and their refresh between markers in README.md and docs/."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from chromecut.evaluate import markdown, tables

LODO_HTML: dict[str, Any] = {
    "mode": "html",
    "fold_max_pages": 300,
    "datasets": {
        "a": {"pages": 1200, "chromecut": {"page_f1": 0.9, "line_f1": 0.8},
              "trafilatura": {"page_f1": 0.95, "failures": 0}, "justext": {"page_f1": 0.5, "failures": 2}},
        "b": {"pages": 30, "chromecut": {"page_f1": 0.7, "line_f1": 0.6},
              "trafilatura": {"page_f1": 0.6, "failures": 0}, "justext": {"page_f1": 0.4, "failures": 0}},
    },
}
LODO_TEXT: dict[str, Any] = {
    "mode": "text",
    "fold_max_pages": 300,
    "datasets": {
        "a": {"pages": 1200, "chromecut": {"page_f1": 0.8, "line_f1": 0.7}, "justext": {"line_f1": 0.75}},
        "b": {"pages": 30, "chromecut": {"page_f1": 0.6, "line_f1": 0.5}, "justext": {"line_f1": 0.3}},
    },
}


def _contender(name: str, pages_per_second: float, f1: float, failures: int = 0) -> dict[str, Any]:
    return {"name": name, "pages_per_second": pages_per_second, "mb_per_second": pages_per_second / 10,
            "lines_per_second": pages_per_second * 100, "speed_ratio": 100 / pages_per_second, "f1": f1,
            "failures": failures, "error": None}


SPEED: dict[str, Any] = {
    "cpu_count": 2,
    "versions": {"chromecut": "9.9"},
    "sample": {"pages": 40, "datasets": {"a": 20, "b": 20}, "html_bytes": 5_000_000, "lines": 4000, "f1_pages": 30},
    "settings": {"warmup": 3, "batch_size": 64, "workers": 2},
    "baseline": "chromecut-html",
    "contenders": [
        _contender("chromecut-html", 100.0, 0.9),
        _contender("chromecut-html-batch", 250.0, 0.9),
        _contender("chromecut-html-compiled", 200.0, 0.9),
        _contender("chromecut-text", 300.0, 0.8),
        _contender("chromecut-text-batch", 600.0, 0.8),
        _contender("chromecut-text-compiled", 500.0, 0.8),
        _contender("trafilatura", 40.0, 0.85),
        _contender("justext", 70.0, 0.7, failures=3),
    ],
    "memory": {"runs": [{"repeat": 1, "pages": 40, "max_rss_bytes": 500_000_000, "seconds": 1.0},
                        {"repeat": 10, "pages": 400, "max_rss_bytes": 510_000_000, "seconds": 9.0}],
               "growth": 1.02},
}


def _rows(table: str) -> list[list[str]]:
    """The cells of a rendered table's body rows."""
    lines = [line for line in table.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_lodo_html_bolds_the_best_per_dataset_and_adds_the_mean() -> None:
    rows = _rows(markdown.render_lodo_html(LODO_HTML))
    assert rows[0] == ["a", "1,200", "0.900", "**0.950**", "0.500"]
    assert rows[1] == ["b", "30", "**0.700**", "0.600", "0.400"]
    assert rows[2] == ["mean of 2", "1,230", "**0.800**", "0.775", "0.450"]
    assert "| held-out dataset | pages | chromecut | trafilatura | jusText |" in markdown.render_lodo_html(LODO_HTML)


def test_page_types_table_lists_each_type_of_the_datasets_that_name_them_and_their_whole() -> None:
    typed = {**LODO_HTML["datasets"]["a"], "by_page_type": {
        "article": {"pages": 1000, "chromecut": 0.95, "trafilatura": 0.93, "justext": 0.6},
        "product": {"pages": 200, "chromecut": 0.5, "trafilatura": 0.6},
    }}
    report = {**LODO_HTML, "datasets": {"a": typed, "b": LODO_HTML["datasets"]["b"]}}
    rendered = markdown.render_page_types(report)
    assert "| held-out dataset | page type | pages | chromecut | trafilatura | jusText |" in rendered
    rows = _rows(rendered)
    assert rows[0] == ["a", "article", "1,000", "**0.950**", "0.930", "0.600"]
    assert rows[1] == ["a", "product", "200", "0.500", "**0.600**", markdown.MISSING]  # no jusText score there
    assert rows[2] == ["a", "all", "1,200", "0.900", "**0.950**", "0.500"]  # the dataset's own figures
    assert len(rows) == 3  # b names no page types
    assert "chromecut evaluate" in markdown.render_page_types(LODO_HTML)  # not measured yet: the command to run


def test_lodo_text_compares_line_f1_and_gives_chromecut_page_f1() -> None:
    rows = _rows(markdown.render_lodo_text(LODO_TEXT))
    assert rows[0] == ["a", "1,200", "0.700", "**0.750**", "0.800"]
    assert rows[-1] == ["mean of 2", "1,230", "**0.600**", "0.525", "0.700"]


def test_lodo_captions_name_the_settings_of_the_folds() -> None:
    assert "Fold models" not in markdown.render_lodo_text(LODO_TEXT)
    figures = {"pages": 1, "page_f1": 0.5, "line_f1": 0.5}
    rendered = {**LODO_TEXT, "datasets": {name: {**record, "renderers": {"chromecut": figures}}
                                          for name, record in LODO_TEXT["datasets"].items()}}
    for render, report in ((markdown.render_lodo_text, LODO_TEXT), (markdown.render_lodo_html, LODO_HTML),
                           (markdown.render_lodo_renderers, rendered)):
        caption = render({**report, "overrides": ["experiment=ship_text", "model.num_leaves=15"]})
        assert "Fold models: `experiment=ship_text model.num_leaves=15`." in caption


def test_the_shipped_settings_text_folds_have_tables_of_their_own_report(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    fold = {"pages": 5, "chromecut": {"page_f1": 0.9, "line_f1": 0.9}, "justext": {"line_f1": 0.2}}
    shipped = {**LODO_TEXT, "overrides": ["experiment=ship_text"], "datasets": {"c": fold}}
    (tmp_path / tables.LODO_TEXT).write_text(json.dumps(LODO_TEXT))
    (tmp_path / tables.LODO_TEXT_SHIPPED).write_text(json.dumps(shipped))
    names = ("lodo-text", "lodo-text-ship")
    (tmp_path / "README.md").write_text("".join(f"<!-- table:{n} -->\nold\n<!-- /table:{n} -->\n" for n in names))
    tables.refresh_tables(tmp_path)
    default, ship = (tmp_path / "README.md").read_text().split("<!-- table:lodo-text-ship -->")
    assert "| a | 1,200 |" in default and "| c |" not in default and "Fold models" not in default
    assert "| c | 5 | **0.900** | 0.200 | 0.900 |" in ship and "mean of 1" in ship
    assert "Fold models: `experiment=ship_text`." in ship and "| a |" not in ship


def test_summary_has_one_row_per_tool_with_mean_f1_and_speed_from_the_reports() -> None:
    table = markdown.render_summary(LODO_HTML, LODO_TEXT, SPEED)
    rows = {row[0]: row[1:] for row in _rows(table)}
    assert rows["chromecut (HTML)"] == ["**0.800**", "100.0 (250.0)"]
    assert rows["chromecut (text dumps)"] == ["0.700", "300.0 (600.0)"]
    assert rows["trafilatura"] == ["0.775", "40.0"]
    assert rows["jusText"] == ["0.450", "70.0"]
    # The caption states the sample from the report's values, not a date typed by hand.
    assert "40 pages (2 datasets: a, b; 5.0 MB of HTML, 4,000 lines) on 2 cores, chromecut 9.9" in table
    assert "mean over 2 held-out datasets" in table
    assert "fold models" not in table
    shipped = markdown.render_summary(LODO_HTML, {**LODO_TEXT, "overrides": ["experiment=ship_text"]}, SPEED)
    assert "fold models `experiment=ship_text`)" in shipped and "HTML: fold models" not in shipped
    both = markdown.render_summary({**LODO_HTML, "overrides": ["experiment=ship_html"]},
                                   {**LODO_TEXT, "overrides": ["experiment=ship_text"]}, SPEED)
    assert "(HTML: fold models `experiment=ship_html`; text dumps: " in both
    # The README's rows: the folds trained as the shipped models.
    assert tables.TABLES["summary"].sources[:2] == (tables.LODO_HTML_SHIPPED, tables.LODO_TEXT_SHIPPED)


def test_text_captions_say_which_dumps_were_scored() -> None:
    assert "the same pages' lines, no markup" in markdown.render_summary(LODO_HTML, LODO_TEXT, SPEED)
    figures = {"pages": 1, "page_f1": 0.5, "line_f1": 0.5}
    rendered = {**LODO_TEXT, "datasets": {name: {**record, "renderers": {"chromecut": figures, "html2text": figures}}
                                          for name, record in LODO_TEXT["datasets"].items()}}
    for table in (markdown.render_summary(LODO_HTML, rendered, SPEED), markdown.render_lodo_text(rendered)):
        assert "rendered to whole-page text by 2 renderers, every dump scored" in table


def test_speed_table_names_how_each_contender_runs_and_its_failures() -> None:
    rows = _rows(markdown.render_bench_speed(SPEED))
    assert rows[1][0] == "chromecut html, `clean_many` (batches of 64)"
    assert rows[2][0] == "chromecut html, `clean_many`, `--predictor compiled`"
    assert rows[7][0] == "jusText (3 failures)"
    assert rows[0][1:] == ["100.0", "10.00", "10,000", "1.00", "**0.900**"]
    memory = markdown.render_bench_memory(SPEED)
    assert _rows(memory)[1] == ["400", "10×", "510.0", "9.0"] and "1.02×" in memory
    assert "passes" not in markdown.render_bench_speed(SPEED)  # a report of one pass (or from before rounds)
    rounds = {**SPEED, "settings": {**SPEED["settings"], "rounds": 3}}
    assert "each contender's fastest of 3 passes taken in turns" in markdown.render_bench_speed(rounds)


def test_markdown_table_refuses_a_row_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="2 cells"):
        markdown.markdown_table(["a", "b", "c"], [["1", "2"]], [False, True, True])


def _project(tmp_path: Path, readme: str, docs: dict[str, str] | None = None) -> Path:
    (tmp_path / "reports").mkdir()
    (tmp_path / tables.LODO_HTML).write_text(json.dumps(LODO_HTML), encoding="utf-8")
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    for name, text in (docs or {}).items():
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_refresh_rewrites_only_the_blocks_and_is_idempotent(tmp_path: Path) -> None:
    readme = "# t\n\nintro\n<!-- table:lodo-html -->\nold numbers\n<!-- /table:lodo-html -->\nafter\n"
    root = _project(tmp_path, readme, {"evaluation.md": "x\n<!-- table:lodo-html -->\n<!-- /table:lodo-html -->\n"})
    changed = tables.refresh_tables(root)
    assert changed == [root / "README.md", root / "docs" / "evaluation.md"]
    text = (root / "README.md").read_text(encoding="utf-8")
    assert "old numbers" not in text
    assert text.startswith("# t\n\nintro\n<!-- table:lodo-html -->\n")
    assert text.endswith("<!-- /table:lodo-html -->\nafter\n")
    assert markdown.render_lodo_html(LODO_HTML) in text
    assert tables.refresh_tables(root) == []


def test_an_unknown_table_is_an_error_naming_the_file_and_nothing_is_written(tmp_path: Path) -> None:
    readme = "<!-- table:lodo-html -->\nold\n<!-- /table:lodo-html -->\n"
    root = _project(tmp_path, readme, {"speed.md": "<!-- table:nonsense -->\n<!-- /table:nonsense -->\n"})
    with pytest.raises(tables.TableError, match=r"speed\.md: unknown table\(s\) nonsense"):
        tables.refresh_tables(root)
    assert (root / "README.md").read_text(encoding="utf-8") == readme


def test_unbalanced_markers_are_an_error(tmp_path: Path) -> None:
    root = _project(tmp_path, "<!-- table:lodo-html -->\nold\n")
    with pytest.raises(tables.TableError, match=r"README\.md: unbalanced"):
        tables.refresh_tables(root)


def test_a_missing_report_leaves_its_block_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    readme = ("<!-- table:lodo-text -->\nkept as is\n<!-- /table:lodo-text -->\n"
              "<!-- table:lodo-html -->\nstale\n<!-- /table:lodo-html -->\n")
    root = _project(tmp_path, readme)
    with caplog.at_level(logging.WARNING, logger=tables.__name__):
        assert tables.refresh_tables(root) == [root / "README.md"]
    text = (root / "README.md").read_text(encoding="utf-8")
    assert "<!-- table:lodo-text -->\nkept as is\n<!-- /table:lodo-text -->" in text
    assert "stale" not in text
    assert "table lodo-text left as it is: missing report reports/lodo-text.json" in caplog.text


def test_shipped_table_reads_the_model_cards() -> None:
    html = {"pages": {"test": 10}, "metrics": {"test_page_f1": 0.8, "test_page_f1.a": 0.9, "test_line_f1": 0.7,
                                               "test_line_pr_auc": 0.85}}
    text = {"pages": {"test": 10}, "metrics": {"test_page_f1": 0.6, "test_page_f1.a": 0.65, "test_page_f1.b": 0.5}}
    rows = _rows(markdown.render_shipped(html, text))
    assert rows[0] == ["a", "0.900", "0.650"]
    assert rows[1] == ["b", "–", "0.500"]
    assert rows[2] == ["all test pages (10/10)", "0.800", "0.600"]
    markdown_card = {"pages": {"test": 9}, "metrics": {"test_page_f1": 0.7, "test_page_f1.b": 0.75}}
    rows = _rows(markdown.render_shipped(html, text, markdown_card))
    assert rows[1] == ["b", "–", "0.500", "0.750"]
    assert rows[2] == ["all test pages (10/10/9)", "0.800", "0.600", "0.700"]


def test_a_measuring_command_refreshes_the_tables_of_the_project_its_report_is_in(tmp_path: Path) -> None:
    readme = "<!-- table:lodo-html -->\nold numbers\n<!-- /table:lodo-html -->\n"
    (tmp_path / "project").mkdir()
    root = _project(tmp_path / "project", readme)
    elsewhere = tmp_path / "lodo-html.json"
    elsewhere.write_text(json.dumps(LODO_HTML), encoding="utf-8")
    assert tables.refresh_after_report(elsewhere) == []  # not a project's reports/ folder
    assert "old numbers" in (root / "README.md").read_text(encoding="utf-8")
    assert tables.refresh_after_report(root / tables.LODO_HTML) == [root / "README.md"]
    assert markdown.render_lodo_html(LODO_HTML) in (root / "README.md").read_text(encoding="utf-8")


def test_the_renderer_table_comes_from_the_data_reports_renderer_section() -> None:
    report = {"datasets": {}, "renderers": {"html-text": {
        "pages": 10, "pages_labelled": 9, "render_failures": 1, "lines": 1200, "content_share": 0.25,
        "oracle_precision": 0.97, "oracle_recall": 0.98, "oracle_f1": 0.975}}}
    assert "| html-text | 10 | 9 | 1 | 1,200 | 0.250 | 0.970 | 0.980 | 0.975 |" in markdown.render_renderers(report)
    assert markdown.render_renderers({"datasets": {}}).startswith("Not measured yet")
