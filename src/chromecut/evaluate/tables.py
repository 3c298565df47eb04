"""Markdown tables rendered from the measuring commands' JSON reports, and their refresh in the README and docs.

Every figure table of ``README.md`` and ``docs/*.md`` sits between two markers::

    <!-- table:lodo-html -->
    ...generated, never edited by hand...
    <!-- /table:lodo-html -->

:func:`refresh_tables` rewrites each block with the table of that name (:data:`TABLES`), rendered from the JSON
its command wrote (``chromecut evaluate --out``, ``chromecut bench ... --json``, ``chromecut quality raise``, the
shipped bundles' model cards). The renderers are pure functions of the loaded JSON; nothing here measures.
A block whose report is missing keeps its text (and a warning says so); an unknown table name is an error.

``python -m chromecut.evaluate.tables [--root DIR]`` refreshes the project's files.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chromecut.evaluate.markdown import (
    render_bench_dask,
    render_bench_memory,
    render_bench_serve,
    render_bench_speed,
    render_bench_stream,
    render_contributions,
    render_datasets,
    render_definitions,
    render_errors_by_kind,
    render_lodo_html,
    render_lodo_renderers,
    render_lodo_text,
    render_page_types,
    render_profile,
    render_quality_floors,
    render_renderers,
    render_shipped,
    render_summary,
    render_training,
)

logger = logging.getLogger(__name__)

#: HTML-mode folds of the default configuration.
LODO_HTML = "reports/lodo-html.json"
#: HTML-mode folds trained as the shipped HTML model (``chromecut evaluate --mode html experiment=ship_html``),
#: the README's.
LODO_HTML_SHIPPED = "reports/lodo-html-ship.json"
#: Text-mode folds of the default configuration (they learn from chromecut's own lines only).
LODO_TEXT = "reports/lodo-text.json"
#: Text-mode folds trained as the shipped text model (``chromecut evaluate --mode text experiment=ship_text``),
#: the README's: several hours, run and taken up again with ``--resume``.
LODO_TEXT_SHIPPED = "reports/lodo-text-ship.json"
#: Text-mode folds trained as the shipped Markdown model (``chromecut evaluate --mode text --no-peers
#: experiment=ship_markdown``), scored on the Markdown renderers' dumps.
LODO_MARKDOWN = "reports/lodo-markdown.json"
#: What ``chromecut evaluate --contributions`` writes: what each research-only dataset adds.
CONTRIBUTIONS_HTML = "reports/contributions-html.json"
BENCH_SPEED = "reports/bench-speed.json"
PROFILE_HTML = "reports/profile-html.json"
BENCH_DASK = "reports/bench-dask.json"
BENCH_STREAM = "reports/bench-stream.json"
BENCH_SERVE = "reports/bench-serve.json"
QUALITY_FLOORS = "reports/quality-floors.json"
#: What ``chromecut data report --json`` prints (also ``data/processed/report.json``), copied under reports/.
DATA_REPORT = "reports/data.json"
#: What ``chromecut data definitions --save`` writes: each dataset's share of content by line kind.
DEFINITIONS = "reports/definitions.json"
HTML_CARD = "src/chromecut/bundles/html/card.json"
TEXT_CARD = "src/chromecut/bundles/text/card.json"
MARKDOWN_CARD = "src/chromecut/bundles/markdown/card.json"

#: The files whose blocks :func:`refresh_tables` rewrites, relative to the project root.
README_FILE = "README.md"
DOCS_GLOB = "docs/*.md"

#: ``<!-- table:NAME -->`` ... ``<!-- /table:NAME -->``; the body keeps the newline that follows the opening marker.
_BLOCK = re.compile(r"<!-- table:(?P<name>[\w.-]+) -->\n(?P<body>.*?)<!-- /table:(?P=name) -->", re.DOTALL)
_OPENING = re.compile(r"<!-- table:(?P<name>[\w.-]+) -->")
_CLOSING = re.compile(r"<!-- /table:(?P<name>[\w.-]+) -->")

class TableError(ValueError):
    """A file's table markers cannot be refreshed (unknown name, unbalanced markers)."""


# --- the refresh -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """A table: the JSON files it is rendered from (relative to the project root) and its renderer, which takes
    one loaded file per source, in order."""

    sources: tuple[str, ...]
    render: Callable[..., str]


TABLES: dict[str, TableSpec] = {
    "summary": TableSpec((LODO_HTML_SHIPPED, LODO_TEXT_SHIPPED, BENCH_SPEED), render_summary),
    "lodo-html": TableSpec((LODO_HTML,), render_lodo_html),
    "lodo-html-ship": TableSpec((LODO_HTML_SHIPPED,), render_lodo_html),
    "lodo-text": TableSpec((LODO_TEXT,), render_lodo_text),
    "lodo-renderers": TableSpec((LODO_TEXT,), render_lodo_renderers),
    "lodo-text-ship": TableSpec((LODO_TEXT_SHIPPED,), render_lodo_text),
    "lodo-renderers-ship": TableSpec((LODO_TEXT_SHIPPED, LODO_MARKDOWN), render_lodo_renderers),
    "bench-speed": TableSpec((BENCH_SPEED,), render_bench_speed),
    "bench-memory": TableSpec((BENCH_SPEED,), render_bench_memory),
    "profile": TableSpec((PROFILE_HTML,), render_profile),
    "bench-dask": TableSpec((BENCH_DASK,), render_bench_dask),
    "bench-stream": TableSpec((BENCH_STREAM,), render_bench_stream),
    "bench-serve": TableSpec((BENCH_SERVE,), render_bench_serve),
    "quality-floors": TableSpec((QUALITY_FLOORS,), render_quality_floors),
    "shipped": TableSpec((HTML_CARD, TEXT_CARD, MARKDOWN_CARD), render_shipped),
    "training": TableSpec((HTML_CARD, TEXT_CARD, MARKDOWN_CARD), render_training),
    "datasets": TableSpec((DATA_REPORT,), render_datasets),
    "renderers": TableSpec((DATA_REPORT,), render_renderers),
    "definitions": TableSpec((DEFINITIONS,), render_definitions),
    "errors-by-kind": TableSpec((LODO_HTML,), render_errors_by_kind),
    "page-types": TableSpec((LODO_HTML,), render_page_types),
    "contributions-html": TableSpec((CONTRIBUTIONS_HTML,), render_contributions),
}


def render_table(name: str, root: Path, tables: Mapping[str, TableSpec] = TABLES) -> str | None:
    """The table ``name`` rendered from its reports under ``root``; ``None`` when a report is missing."""
    spec = tables[name]
    loaded = []
    for source in spec.sources:
        path = root / source
        if not path.is_file():
            return None
        loaded.append(json.loads(path.read_text(encoding="utf-8")))
    return spec.render(*loaded)


def table_names(text: str, where: str) -> list[str]:
    """The names of the blocks of ``text``, in order; :class:`TableError` (naming ``where``) when markers do not
    pair up."""
    names = [m["name"] for m in _BLOCK.finditer(text)]
    opened = [m["name"] for m in _OPENING.finditer(text)]
    closed = [m["name"] for m in _CLOSING.finditer(text)]
    if opened != names or closed != names:
        raise TableError(f"{where}: unbalanced table markers (blocks {names}, opened {opened}, closed {closed})")
    return names


def refresh_text(text: str, rendered: Mapping[str, str | None], where: str) -> str:
    """``text`` with the body of every block replaced by ``rendered[name]``; a ``None`` table leaves its block.

    Raises
    ------
    TableError
        A block names a table that ``rendered`` does not know, or the markers do not pair up.
    """
    names = table_names(text, where)
    unknown = sorted(set(names) - rendered.keys())
    if unknown:
        raise TableError(f"{where}: unknown table(s) {', '.join(unknown)}; known: {', '.join(sorted(rendered))}")

    def replace(match: re.Match[str]) -> str:
        table = rendered[match["name"]]
        return match[0] if table is None else f"<!-- table:{match['name']} -->\n{table}<!-- /table:{match['name']} -->"

    return _BLOCK.sub(replace, text)


def documents(root: Path) -> list[Path]:
    """The files whose tables are refreshed: README.md and docs/*.md under ``root``, those that exist."""
    readme = root / README_FILE
    return ([readme] if readme.is_file() else []) + sorted(root.glob(DOCS_GLOB))


def refresh_tables(root: Path, tables: Mapping[str, TableSpec] = TABLES) -> list[Path]:
    """Rewrite every table block of README.md and docs/*.md under ``root`` from the reports; the files changed.

    Every file is checked before any is written, so an unknown table name changes nothing. A table whose report
    is missing keeps its block as it is, with a warning naming the report.

    Parameters
    ----------
    root:
        The project root (the reports' paths in :data:`TABLES` are relative to it).
    tables:
        The tables known by name.

    Raises
    ------
    TableError
        A file has a block of an unknown table, or unbalanced markers; the message names the file.
    """
    texts = {path: path.read_text(encoding="utf-8") for path in documents(root)}
    wanted: set[str] = set()
    for path, text in texts.items():
        names = table_names(text, str(path))
        unknown = sorted(set(names) - tables.keys())
        if unknown:
            raise TableError(f"{path}: unknown table(s) {', '.join(unknown)}; known: {', '.join(sorted(tables))}")
        wanted.update(names)
    rendered: dict[str, str | None] = {}
    for name in sorted(wanted):
        rendered[name] = render_table(name, root, tables)
        if rendered[name] is None:
            missing = [s for s in tables[name].sources if not (root / s).is_file()]
            logger.warning("table %s left as it is: missing report %s", name, ", ".join(missing))
    changed = []
    for path, text in texts.items():
        new = refresh_text(text, rendered, str(path))
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


#: The folder of a project that holds the measured reports the tables are rendered from.
REPORTS_FOLDER = "reports"


def refresh_after_report(report: Path) -> list[Path]:
    """After a measuring command wrote ``report``: refresh the tables of the project it belongs to (a
    ``reports/`` folder beside a README.md), so no table is ever typed by hand. A report written anywhere
    else refreshes nothing."""
    folder = report.resolve().parent
    root = folder.parent
    if folder.name != REPORTS_FOLDER or not (root / README_FILE).is_file():
        return []
    changed = refresh_tables(root)
    for path in changed:
        logger.info("refreshed the tables of %s", path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chromecut.evaluate.tables [--root DIR]``: refresh the tables, print the files changed."""
    parser = argparse.ArgumentParser(prog="python -m chromecut.evaluate.tables",
                                     description="Refresh the tables of README.md and docs/*.md from the reports.")
    parser.add_argument("--root", type=Path, default=Path("."), help="the project root (default: .)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in refresh_tables(args.root):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
