"""Markdown tables from the measuring commands' JSON reports: pure functions of the loaded JSON, nothing here
measures or writes (:mod:`chromecut.evaluate.tables` puts them into the README and docs)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: The chromecut entry of a leave-one-dataset-out dataset record; the other dict entries with scores are peers.
CHROMECUT = "chromecut"
#: Text-mode records: the HTML-mode model of the same fold, and the figures per renderer (no peers).
HTML_MODE, RENDERERS = "html", "renderers"
#: HTML-mode records of a dataset that names its pages' types: page F1 of chromecut and each peer per type.
BY_PAGE_TYPE = "by_page_type"
#: Peers in the order of :data:`chromecut.evaluate.peers.PEERS`, with the names users know them by.
PEER_LABELS: dict[str, str] = {
    "trafilatura": "trafilatura",
    "resiliparse": "resiliparse",
    "readability": "readability-lxml",
    "boilerpy3": "boilerpy3",
    "justext": "jusText",
}
#: The speed benchmark's chromecut contenders: (mode, how it is run); ``{batch}`` and ``{workers}`` come from
#: the report's settings.
CONTENDER_LABELS: dict[str, str] = {
    "chromecut-html": "chromecut html, one page at a time",
    "chromecut-html-batch": "chromecut html, `clean_many` (batches of {batch})",
    "chromecut-html-compiled": "chromecut html, `clean_many`, `--predictor compiled`",
    "chromecut-html-lines": "chromecut html, `clean_many` through line frames, `--predictor compiled`",
    "chromecut-html-workers": "chromecut html, `clean_many(n_jobs={workers})`",
    "chromecut-html-threads": "chromecut html, `clean_many(n_jobs={workers}, backend=\"threads\")`",
    "chromecut-text": "chromecut text, one page at a time",
    "chromecut-text-batch": "chromecut text, `clean_many`",
    "chromecut-text-compiled": "chromecut text, `clean_many`, `--predictor compiled`",
    "chromecut-text-lines": "chromecut text, `clean_many` through line frames, `--predictor compiled`",
    "chromecut-text-threads": "chromecut text, `clean_many(n_jobs={workers}, backend=\"threads\")`",
}
#: Contenders of the summary table: one page at a time, and in batches by the default predictor (``clean_many``, the
#: fastest single-process way since the Rust core's trees outran lleaves' compiled ones).
SUMMARY_SPEED: dict[str, tuple[str, str]] = {
    "html": ("chromecut-html", "chromecut-html-batch"),
    "text": ("chromecut-text", "chromecut-text-batch"),
}
#: Rows of each half of the profile table.
PROFILE_ROWS_DEFAULT = 8
F1_DIGITS = 3
RATE_DIGITS = 1
RATIO_DIGITS = 2
MB = 1_000_000
MIB = 1024 * 1024
KB = 1000
MISSING = "–"
#: What a table says when its report holds none of its figures yet.
NOT_MEASURED = "Not measured yet: `{command}` measures it.\n"
#: A share of content in the definitions table needs at least this many labelled lines of the kind.
DEFINITION_MIN_LINES = 30
SHARE_DIGITS = 2
PERCENT = 100


# --- formatting --------------------------------------------------------------------------------------------------


def fmt_float(value: float | None, digits: int = F1_DIGITS) -> str:
    """``value`` with ``digits`` decimals and thousands separators; :data:`MISSING` for ``None``."""
    return MISSING if value is None else f"{value:,.{digits}f}"


def fmt_int(value: float | None) -> str:
    """A count with thousands separators; :data:`MISSING` for ``None``."""
    return MISSING if value is None else f"{round(value):,}"


def bold_best(values: Sequence[float | None], digits: int = F1_DIGITS) -> list[str]:
    """The values formatted, the highest in bold (every tie too); ``None`` is never best."""
    present = [v for v in values if v is not None]
    best = max(present) if present else None
    cells = []
    for value in values:
        cell = fmt_float(value, digits)
        same = value is not None and best is not None and round(value, digits) == round(best, digits)
        cells.append(f"**{cell}**" if same else cell)
    return cells


def mean(values: Iterable[float | None]) -> float | None:
    """The unweighted mean of the values present, ``None`` when there are none."""
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool]) -> str:
    """A GitHub Markdown table; ``numeric`` columns are right-aligned."""
    if len(numeric) != len(header):
        raise ValueError(f"{len(header)} columns but {len(numeric)} alignments")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {list(row)} has {len(row)} cells, the header {len(header)}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _score(entry: Any, key: str) -> float | None:
    value = entry.get(key) if isinstance(entry, Mapping) else None
    return float(value) if isinstance(value, int | float) else None


# --- leave one dataset out ---------------------------------------------------------------------------------------


def lodo_peers(report: Mapping[str, Any]) -> list[str]:
    """The peers of a leave-one-dataset-out report: known ones in :data:`PEER_LABELS` order, then any other."""
    found: set[str] = set()
    for record in report["datasets"].values():
        # A peer's entry holds its scores; other mappings of the record (errors_by_kind) are no peer.
        found.update(k for k, v in record.items() if k not in (CHROMECUT, HTML_MODE)
                     and isinstance(v, Mapping) and ("page_f1" in v or "line_f1" in v))
    return [p for p in PEER_LABELS if p in found] + sorted(found - PEER_LABELS.keys())


def lodo_means(report: Mapping[str, Any], key: str = "page_f1") -> dict[str, float | None]:
    """Per tool (``chromecut`` and each peer), the mean of ``key`` over the held-out datasets."""
    records = list(report["datasets"].values())
    return {tool: mean(_score(r.get(tool), key) for r in records) for tool in [CHROMECUT, *lodo_peers(report)]}


def fold_settings(report: Mapping[str, Any]) -> str:
    """The settings the report's fold models were trained with, in words: `` Fold models: `experiment=ship_text`.``
    for a report of ``chromecut evaluate ... experiment=ship_text``, nothing for the default configuration."""
    overrides = report.get("overrides") or []
    return f" Fold models: `{' '.join(overrides)}`." if overrides else ""


def render_lodo_html(report: Mapping[str, Any]) -> str:
    """Page F1 of chromecut and the peers on every held-out dataset (best in bold), and their means."""
    peers = lodo_peers(report)
    tools = [CHROMECUT, *peers]
    header = ["held-out dataset", "pages", "chromecut", *(PEER_LABELS.get(p, p) for p in peers)]
    rows = []
    for name, record in report["datasets"].items():
        rows.append([name, fmt_int(record.get("pages")), *bold_best([_score(record.get(t), "page_f1") for t in tools])])
    means = lodo_means(report)
    pages = sum(int(r.get("pages", 0)) for r in report["datasets"].values())
    rows.append([f"mean of {len(report['datasets'])}", fmt_int(pages), *bold_best([means[t] for t in tools])])
    caption = (f"Page F1 (token 4-gram shingles; snippet score on snippet gold), best in bold; each fold trains on "
               f"at most {fmt_int(report.get('fold_max_pages'))} pages per dataset.{fold_settings(report)}\n\n")
    return caption + markdown_table(header, rows, [False, True, *([True] * len(tools))])


def render_page_types(report: Mapping[str, Any]) -> str:
    """Per page type of each held-out dataset that names them (``by_page_type``): its pages and the page F1 of
    chromecut and the peers (best in bold)."""
    typed = {name: r[BY_PAGE_TYPE] for name, r in report["datasets"].items() if r.get(BY_PAGE_TYPE)}
    if not typed:
        return NOT_MEASURED.format(command="chromecut evaluate --mode html --out reports/lodo-html.json")
    peers = lodo_peers(report)
    tools = [CHROMECUT, *peers]
    header = ["held-out dataset", "page type", "pages", "chromecut", *(PEER_LABELS.get(p, p) for p in peers)]
    rows = []
    for name, types in typed.items():
        for page_type, entry in types.items():
            rows.append([name, page_type, fmt_int(entry.get("pages")), *bold_best([_score(entry, t) for t in tools])])
        whole = report["datasets"][name]
        rows.append([name, "all", fmt_int(whole.get("pages")),
                     *bold_best([_score(whole.get(t), "page_f1") for t in tools])])
    caption = ("Page F1 by the page type the dataset gives each page, chromecut scored by the fold model that "
               f"never saw the dataset, best in bold.{fold_settings(report)}\n\n")
    return caption + markdown_table(header, rows, [False, False, True, *([True] * len(tools))])


def render_contributions(report: Mapping[str, Any]) -> str:
    """Held-out page F1 of the permissive pool's fold models and of the pool plus each research-only dataset
    (best of a row in bold; a dataset is never scored by its own candidate), and each candidate's mean gain."""
    candidates = list(report.get("candidates", []))
    pools = ["base", *candidates]
    header = ["held-out dataset", "pages", "permissive", *(f"+ {c}" for c in candidates)]
    rows = []
    for name, record in report["datasets"].items():
        scores = record.get("page_f1", {})
        rows.append([name, fmt_int(record.get("pages")), *bold_best([_score(scores, p) for p in pools])])
    gains = report.get("gains", {})
    signed = [MISSING if gains.get(c) is None else f"{float(gains[c]):+.{F1_DIGITS}f}" for c in candidates]
    rows.append(["mean gain over the permissive pool", "", "", *signed])
    caption = (f"Leave-one-dataset-out page F1, each fold trained on the permissive datasets "
               f"({', '.join(report.get('base', []))}) but the held-out one, alone or with one research-only "
               f"dataset; at most {fmt_int(report.get('fold_max_pages'))} pages per training dataset, at most "
               f"{fmt_int(report.get('held_out_max_pages'))} scored per held-out dataset.\n\n")
    return caption + markdown_table(header, rows, [False, *([True] * (len(header) - 1))])


def renderer_names(report: Mapping[str, Any]) -> list[str]:
    """The renderers whose dumps a text-mode report scored, in order of first appearance."""
    names: dict[str, None] = {}
    for record in report["datasets"].values():
        names.update(dict.fromkeys(record.get(RENDERERS) or {}))
    return list(names)


def text_dumps(report: Mapping[str, Any]) -> str:
    """What a text-mode report's pages are, in words: every renderer's dumps of the held-out pages, or (an older
    report) the pages' own lines."""
    renderers = renderer_names(report)
    if not renderers:
        return "the same pages' lines, no markup"
    return f"the same pages rendered to whole-page text by {len(renderers)} renderers, every dump scored"


def render_lodo_text(report: Mapping[str, Any]) -> str:
    """Line F1 of chromecut's text model and jusText on every held-out dataset, and chromecut's page F1 beside
    the HTML-mode model of the same fold on the same pages (when the report has it)."""
    peers = lodo_peers(report)
    with_html = any(isinstance(r.get(HTML_MODE), Mapping) for r in report["datasets"].values())
    header = ["held-out dataset", "pages", "chromecut line F1", *(f"{PEER_LABELS.get(p, p)} line F1" for p in peers),
              "chromecut page F1", *(["HTML mode page F1"] if with_html else [])]
    rows = []
    for name, record in report["datasets"].items():
        lines = bold_best([_score(record.get(t), "line_f1") for t in [CHROMECUT, *peers]])
        html = [fmt_float(_score(record.get(HTML_MODE), "page_f1"))] if with_html else []
        rows.append([name, fmt_int(record.get("pages")), *lines, fmt_float(_score(record.get(CHROMECUT), "page_f1")),
                     *html])
    line_means = lodo_means(report, "line_f1")
    pages = sum(int(r.get("pages", 0)) for r in report["datasets"].values())
    html_mean = [fmt_float(mean(_score(r.get(HTML_MODE), "page_f1") for r in report["datasets"].values()))] \
        if with_html else []
    rows.append([f"mean of {len(report['datasets'])}", fmt_int(pages),
                 *bold_best([line_means[t] for t in [CHROMECUT, *peers]]),
                 fmt_float(lodo_means(report)[CHROMECUT]), *html_mean])
    caption = ("Line F1 of the content class on the labelled lines (best in bold), and chromecut's page F1 on the "
               f"same pages ({text_dumps(report)}; pages counts the dumps); each fold trains on at most "
               f"{fmt_int(report.get('fold_max_pages'))} pages per dataset.{fold_settings(report)}\n\n")
    return caption + markdown_table(header, rows, [False, *([True] * (len(header) - 1))])


def _per_renderer(report: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Each renderer's figures in every held-out dataset of a text-mode report."""
    per_renderer: dict[str, list[Mapping[str, Any]]] = {}
    for record in report["datasets"].values():
        for renderer, figures in (record.get(RENDERERS) or {}).items():
            per_renderer.setdefault(renderer, []).append(figures)
    return per_renderer


def render_lodo_renderers(report: Mapping[str, Any], markdown_report: Mapping[str, Any] | None = None) -> str:
    """Per renderer, over the held-out datasets: text mode's page F1 beside HTML mode's on the same pages, and
    line F1 beside jusText's on the same lines; held-out renderers (never learnt from) marked when the text models
    learnt from the others' dumps (reports without ``learn_from_renderings`` say nothing of it). Given the
    Markdown model's report (``experiment=ship_markdown``) of the same held-out datasets, its page F1 on the
    renderers it was scored on beside the text model's (a report of fewer folds, a run not taken up again to its
    end, adds no column: means over other datasets would not compare)."""
    per_renderer = _per_renderer(report)
    if markdown_report and not set(report["datasets"]) <= set(markdown_report["datasets"]):
        markdown_report = None
    markdown_f1 = {renderer: mean(_score(r, "page_f1") for r in records)
                   for renderer, records in _per_renderer(markdown_report or {"datasets": {}}).items()}
    if not per_renderer:
        return NOT_MEASURED.format(command="chromecut evaluate --mode text --out reports/lodo-text.json")
    learnt = report.get("learn_from_renderings")
    held_out = set(report.get("held_out_renderers", ())) if learnt else set()
    rows = []
    for renderer, records in sorted(per_renderer.items()):
        text_f1 = mean(_score(r, "page_f1") for r in records)
        html_f1 = mean(_score(r, "html_page_f1") for r in records)
        gap = None if text_f1 is None or html_f1 is None else text_f1 - html_f1
        rows.append([f"{renderer} (held out)" if renderer in held_out else renderer, fmt_int(len(records)),
                     fmt_float(text_f1), *([fmt_float(markdown_f1.get(renderer))] if markdown_report else []),
                     fmt_float(html_f1), MISSING if gap is None else f"{gap:+.3f}",
                     *bold_best([mean(_score(r, "line_f1") for r in records),
                                 mean(_score(r, "justext_line_f1") for r in records)])])
    header = ["renderer", "held-out datasets", "text page F1", *(["Markdown model page F1"] if markdown_report else []),
              "HTML mode page F1", "text − HTML", "chromecut line F1", "jusText line F1"]
    learnt_from = {True: " The text models learnt from every renderer's dumps but a held-out renderer's.",
                   False: " The text models learnt from chromecut's own lines only.",
                   None: ""}[learnt]
    caption = ("Means over the held-out datasets of each renderer's whole-page dumps: text mode's page F1 beside an "
               "HTML-mode model of the same fold on the same pages, and line F1 beside jusText's on the same lines "
               f"(best in bold).{learnt_from}{fold_settings(report)}")
    if markdown_report:
        caption += (" The Markdown model's page F1 on the same dumps, from folds trained as the shipped Markdown model "
                    f"(`{' '.join(markdown_report.get('overrides', ())) or 'its settings'}`).")
    return caption + "\n\n" + markdown_table(header, rows, [False, *([True] * (len(header) - 1))])


# --- speed and memory --------------------------------------------------------------------------------------------


def contender_label(name: str, settings: Mapping[str, Any]) -> str:
    """How a contender of the speed benchmark is run, in words."""
    if name in PEER_LABELS:
        return PEER_LABELS[name]
    label = CONTENDER_LABELS.get(name, name)
    return label.format(batch=settings.get("batch_size", "?"), workers=settings.get("workers", "?"))


def sample_caption(report: Mapping[str, Any]) -> str:
    """The speed benchmark's sample and machine, from the report's own values."""
    sample = report.get("sample", {})
    datasets = sample.get("datasets", {})
    return (f"{fmt_int(sample.get('pages'))} pages ({len(datasets)} datasets: {', '.join(datasets)}; "
            f"{fmt_float(sample.get('html_bytes', 0) / MB, 1)} MB of HTML, {fmt_int(sample.get('lines'))} lines) "
            f"on {report.get('cpu_count', '?')} cores, chromecut {report.get('versions', {}).get('chromecut', '?')}")


def render_bench_speed(report: Mapping[str, Any]) -> str:
    """Every contender's pages/s, MB/s, lines/s, time relative to chromecut html, and F1."""
    settings = report.get("settings", {})
    contenders = report["contenders"]
    header = ["contender", "pages/s", "MB/s", "lines/s", f"{report.get('baseline', 'baseline')} speed ÷ this", "F1"]
    f1s = bold_best([_score(c, "f1") for c in contenders])
    rows = []
    for contender, f1 in zip(contenders, f1s, strict=True):
        label = contender_label(contender["name"], settings)
        if contender.get("failures"):
            label += f" ({contender['failures']} failures)"
        if contender.get("error"):
            label += f" (error: {contender['error']})"
        rows.append([label, fmt_float(_score(contender, "pages_per_second"), RATE_DIGITS),
                     fmt_float(_score(contender, "mb_per_second"), RATIO_DIGITS),
                     fmt_int(_score(contender, "lines_per_second")),
                     fmt_float(_score(contender, "speed_ratio"), RATIO_DIGITS), f1])
    f1_pages = report.get("sample", {}).get("f1_pages")
    rounds = settings.get("rounds")
    passes = f", each contender's fastest of {rounds} passes taken in turns" if rounds and rounds > 1 else ""
    caption = (f"`chromecut bench speed`: {sample_caption(report)}, one process unless stated, after "
               f"{settings.get('warmup', '?')} warm-up pages{passes}; F1 on the {fmt_int(f1_pages)} pages with "
               "full-text gold.\n\n")
    return caption + markdown_table(header, rows, [False, True, True, True, True, True])


def render_bench_memory(report: Mapping[str, Any]) -> str:
    """Peak RSS of ``clean_many`` over the sample streamed once and several times."""
    memory = report.get("memory") or {}
    rows = [[fmt_int(run.get("pages")), f"{run.get('repeat', '?')}×",
             fmt_float(_score(run, "max_rss_bytes") and run["max_rss_bytes"] / MB, RATE_DIGITS),
             fmt_float(_score(run, "seconds"), RATE_DIGITS)]
            for run in memory.get("runs", [])]
    caption = (f"Peak RSS of `clean_many` (html) over the benchmark's sample streamed repeatedly; growth from the "
               f"shortest to the longest stream: {fmt_float(_score(memory, 'growth'), RATIO_DIGITS)}×.\n\n")
    return caption + markdown_table(["pages streamed", "sample", "peak RSS (MB)", "seconds"], rows,
                                    [True, True, True, True])


def render_profile(report: Mapping[str, Any], rows: int = PROFILE_ROWS_DEFAULT) -> str:
    """The top functions of a profiled speed run, by cumulative and by internal time."""
    profile = report.get("profile") or {}
    parts = [f"{profile.get('profiler', 'profiler')}: {fmt_float(_score(profile, 'total_seconds'), RATIO_DIGITS)} s "
             f"over {sample_caption(report)}.\n"]
    for key, title in (("by_cumulative", "cumulative"), ("by_internal", "internal")):
        entries = profile.get(key, [])[:rows]
        table = [[f"`{e['function']}`", fmt_float(_score(e, "seconds"), RATIO_DIGITS),
                  f"{fmt_float(100 * (_score(e, 'share') or 0.0), RATE_DIGITS)}%"] for e in entries]
        parts.append(markdown_table(["function", f"{title} s", "share"], table, [False, True, True]))
    return "\n".join(parts)


def render_bench_dask(report: Mapping[str, Any]) -> str:
    """Pages/s of the local engine and of Dask clusters, the speed-up over one Dask worker, identical outputs."""
    runs = report["runs"]
    base = next((_score(r, "pages_per_second") for r in runs if r.get("engine") == "dask"), None)
    rows = []
    for run in runs:
        rate = _score(run, "pages_per_second")
        speedup = MISSING if run.get("engine") != "dask" or not base or rate is None else f"{rate / base:.2f}×"
        rows.append([str(run.get("engine")), fmt_int(run.get("workers")), fmt_int(run.get("pages")),
                     fmt_float(_score(run, "seconds"), RATIO_DIGITS), fmt_float(rate, RATE_DIGITS), speedup,
                     "yes" if run.get("identical") else "**no**"])
    return markdown_table(["engine", "workers", "pages", "seconds", "pages/s", "speed-up", "output identical"], rows,
                          [False, True, True, True, True, True, False])


def render_bench_stream(report: Sequence[Mapping[str, Any]]) -> str:
    """Time, throughput and peak memory of ``chromecut clean`` over generated JSON Lines streams."""
    rows = [[f"{fmt_int(r.get('target_mb'))} MB", fmt_int(r.get('jobs')), fmt_int(r.get("documents")),
             fmt_float(_score(r, "seconds"), RATE_DIGITS), fmt_float(_score(r, "mb_per_second"), RATE_DIGITS),
             fmt_float(_score(r, "peak_rss_mb"), RATE_DIGITS), fmt_float(_score(r, "peak_tree_rss_mb"), RATE_DIGITS)]
            for r in report]
    return markdown_table(["stream", "-j", "documents", "seconds", "MB/s", "peak RSS (MB)", "process tree peak (MB)"],
                          rows, [True] * 7)


def render_bench_serve(report: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """Latency percentiles and throughput of the model server under concurrent clients (one row per run)."""
    runs = [report] if isinstance(report, Mapping) else list(report)
    rows = [[fmt_float(_score(r, "mean_page_bytes") and r["mean_page_bytes"] / KB, RATE_DIGITS),
             fmt_int(r.get("requests")), fmt_int(r.get("clients")), fmt_int(r.get("server_workers")),
             fmt_int(r.get("failed")), *(fmt_float(_score(r, k), RATE_DIGITS) for k in ("p50_ms", "p90_ms", "p99_ms",
                                                                                         "max_ms")),
             fmt_float(_score(r, "requests_per_second"), RATE_DIGITS)]
            for r in runs]
    header = ["mean page (KB)", "requests", "clients", "server workers", "failed", "p50 ms", "p90 ms", "p99 ms",
              "max ms", "requests/s"]
    return markdown_table(header, rows, [True] * len(header))


# --- quality gate, shipped models, data ---------------------------------------------------------------------------


def render_quality_floors(report: Mapping[str, Any]) -> str:
    """The quality gate's page F1 floors per dataset and mode."""
    floors: Mapping[str, Mapping[str, float]] = report["floors"]
    modes = list(floors)
    datasets = sorted({d for per_mode in floors.values() for d in per_mode})
    rows = [[d, *(fmt_float(floors[m].get(d)) for m in modes)] for d in datasets]
    caption = (f"Page F1 floors on the first {fmt_int(report.get('pages_per_dataset'))} test pages of each dataset; "
               f"noise band {report.get('noise_band')}.\n\n")
    return caption + markdown_table(["dataset", *modes], rows, [False, *([True] * len(modes))])


def card_datasets(*cards: Mapping[str, Any]) -> list[str]:
    """The datasets that have a test page F1 in any of the model cards, sorted."""
    prefix = "test_page_f1."
    return sorted({k.removeprefix(prefix) for c in cards for k in c.get("metrics", {}) if k.startswith(prefix)})


def render_shipped(html_card: Mapping[str, Any], text_card: Mapping[str, Any],
                   markdown_card: Mapping[str, Any] | None = None) -> str:
    """The shipped bundles' test page F1 per dataset, overall and line-level, from their model cards."""
    cards = {"html": html_card, "text": text_card, **({"markdown": markdown_card} if markdown_card else {})}
    rows = [[name, *(fmt_float(_score(c.get("metrics"), f"test_page_f1.{name}")) for c in cards.values())]
            for name in card_datasets(*cards.values())]
    pages = "/".join(fmt_int(c.get("pages", {}).get("test")) for c in cards.values())
    rows.append([f"all test pages ({pages})", *(fmt_float(_score(c.get("metrics"), "test_page_f1"))
                                               for c in cards.values())])
    rows.append(["line F1", *(fmt_float(_score(c.get("metrics"), "test_line_f1")) for c in cards.values())])
    rows.append(["line PR-AUC", *(fmt_float(_score(c.get("metrics"), "test_line_pr_auc")) for c in cards.values())])
    return markdown_table(["test sites", *(f"chromecut {m}" for m in cards)], rows, [False, *([True] * len(cards))])


def render_training(html_card: Mapping[str, Any], text_card: Mapping[str, Any],
                    markdown_card: Mapping[str, Any] | None = None) -> str:
    """The shipped runs' training size and time, from their model cards."""
    rows = []
    for mode, card in (("html", html_card), ("text", text_card), ("markdown", markdown_card)):
        if card is None:
            continue
        metrics = card.get("metrics", {})
        rows.append([f"`{card.get('settings', {}).get('tracking', {}).get('run_name', mode)}`",
                     fmt_int(_score(metrics, "train_pages")), fmt_int(_score(metrics, "train_lines")),
                     fmt_float(_score(metrics, "featurize_seconds"), 0), fmt_float(_score(metrics, "fit_seconds"), 0),
                     fmt_float(_score(metrics, "train_seconds"), 0), fmt_float(_score(metrics, "test_page_f1"))])
    header = ["run", "training pages", "training lines", "featurise s", "fit s", "train s", "test page F1"]
    return markdown_table(header, rows, [False, *([True] * 6)])


def render_datasets(report: Mapping[str, Any]) -> str:
    """Per dataset: licence, gold, pages, line counts by label and the oracle's scores (``chromecut data report``)."""
    rows = []
    for name, d in report["datasets"].items():
        oracle = fmt_float(_score(d, "oracle_f1"))
        if d.get("oracle_metric") == "snippet":
            oracle += " (snippet)"
        rows.append([name, str(d.get("license")), str(d.get("gold")), fmt_int(d.get("pages")),
                     fmt_int(d.get("pages_labelled")), fmt_int(d.get("lines")), fmt_int(d.get("content_lines")),
                     fmt_int(d.get("chrome_lines")), fmt_int(d.get("unknown_lines")),
                     fmt_float(_score(d, "oracle_precision")), fmt_float(_score(d, "oracle_recall")), oracle])
    header = ["dataset", "licence", "gold", "pages", "labelled", "lines", "content", "chrome", "unknown", "oracle P",
              "oracle R", "oracle F1"]
    return markdown_table(header, rows, [False, False, False, *([True] * 9)])


# --- definitions of content and errors by kind --------------------------------------------------------------------


def render_definitions(report: Mapping[str, Any], min_lines: int = DEFINITION_MIN_LINES) -> str:
    """Per line kind (rows) and dataset (columns): the share of the kind's tokens that the dataset's gold labels
    content (``chromecut data definitions``); a kind with fewer than ``min_lines`` labelled lines shows –."""
    datasets: Mapping[str, Any] = report["datasets"]
    names = list(datasets)
    rows = [["all labelled lines", *(fmt_float(_score(datasets[d], "content_share"), SHARE_DIGITS) for d in names)]]
    for kind in report["kinds"]:
        cells = []
        for name in names:
            entry = datasets[name].get("kinds", {}).get(kind, {})
            enough = int(entry.get("lines", 0)) >= min_lines
            cells.append(fmt_float(_score(entry, "token_share"), SHARE_DIGITS) if enough else MISSING)
        rows.append([kind, *cells])
    caption = ("Share of each kind's tokens (labelled lines) that the dataset's gold calls content: 1.00 the gold "
               f"keeps that kind, 0.00 it leaves it out; {MISSING} fewer than {min_lines} labelled lines. Kinds "
               "from markup and text patterns (`chromecut.features.kinds`).\n\n")
    return caption + markdown_table(["kind", *names], rows, [False, *([True] * len(names))])


def render_errors_by_kind(report: Mapping[str, Any]) -> str:
    """Per line kind: false-content tokens (kept, gold chrome) summed over the held-out datasets and their share
    of all, and the same for missed-content tokens (``errors_by_kind`` of each dataset record), most first."""
    records = [r["errors_by_kind"] for r in report["datasets"].values() if isinstance(r.get("errors_by_kind"), Mapping)]
    if not records:
        return NOT_MEASURED.format(command="chromecut evaluate --mode html --out reports/lodo-html.json")
    totals: dict[str, dict[str, int]] = {}
    for record in records:
        for kind, counts in record.items():
            sums = totals.setdefault(kind, {"false": 0, "missed": 0})
            sums["false"] += int(counts.get("false_content_tokens", 0))
            sums["missed"] += int(counts.get("missed_content_tokens", 0))
    all_false = sum(t["false"] for t in totals.values())
    all_missed = sum(t["missed"] for t in totals.values())

    def percent(part: int, whole: int) -> str:
        return f"{fmt_float(PERCENT * part / whole, RATE_DIGITS)}%" if whole else MISSING

    ordered = sorted(totals.items(), key=lambda item: (-item[1]["false"], item[0]))
    rows = [[kind, fmt_int(t["false"]), percent(t["false"], all_false), fmt_int(t["missed"]),
             percent(t["missed"], all_missed)] for kind, t in ordered]
    rows.append(["all kinds", fmt_int(all_false), percent(all_false, all_false), fmt_int(all_missed),
                 percent(all_missed, all_missed)])
    caption = (f"Tokens of the held-out pages' labelled lines that chromecut got wrong, by line kind, summed over "
               f"{len(records)} held-out datasets: false content (kept, the gold calls it chrome) and missed "
               "content (dropped, the gold calls it content).\n\n")
    header = ["kind", "false-content tokens", "share", "missed-content tokens", "share"]
    return caption + markdown_table(header, rows, [False, True, True, True, True])


def render_renderers(report: Mapping[str, Any]) -> str:
    """Per renderer of the prepared table: pages labelled, failures, lines, content share and the oracle's page F1
    (keeping exactly the gold-aligned lines of its dumps)."""
    renderers = report.get("renderers") or {}
    if not renderers:
        return NOT_MEASURED.format(command="chromecut data prepare, then make report")
    rows = [[name, fmt_int(r.get("pages")), fmt_int(r.get("pages_labelled")), fmt_int(r.get("render_failures")),
             fmt_int(r.get("lines")), fmt_float(_score(r, "content_share")), fmt_float(_score(r, "oracle_precision")),
             fmt_float(_score(r, "oracle_recall")), fmt_float(_score(r, "oracle_f1"))]
            for name, r in renderers.items()]
    header = ["renderer", "pages", "labelled", "failed", "lines", "content share", "oracle P", "oracle R", "oracle F1"]
    return markdown_table(header, rows, [False, *([True] * (len(header) - 1))])


# --- the README's summary ----------------------------------------------------------------------------------------


def render_summary(lodo_html: Mapping[str, Any], lodo_text: Mapping[str, Any], speed: Mapping[str, Any]) -> str:
    """Per tool: mean leave-one-dataset-out page F1 and pages/s; chromecut in html and in text mode."""
    html_means = lodo_means(lodo_html)
    text_f1 = lodo_means(lodo_text)[CHROMECUT]
    rates = {c["name"]: _score(c, "pages_per_second") for c in speed.get("contenders", [])}

    def chromecut_speed(mode: str) -> str:
        single, fastest = SUMMARY_SPEED[mode]
        return f"{fmt_float(rates.get(single), RATE_DIGITS)} ({fmt_float(rates.get(fastest), RATE_DIGITS)})"

    peers = lodo_peers(lodo_html)
    f1s = bold_best([html_means[CHROMECUT], *(html_means[p] for p in peers)])
    rows = [["chromecut (HTML)", f1s[0], chromecut_speed("html")],
            ["chromecut (text dumps)", fmt_float(text_f1), chromecut_speed("text")]]
    rows += [[PEER_LABELS.get(p, p), f1, fmt_float(rates.get(p), RATE_DIGITS)] for p, f1 in zip(peers, f1s[1:],
                                                                                                   strict=True)]
    held_out = len(lodo_html["datasets"])
    html_overrides = lodo_html.get("overrides") or []
    html_trained = f"HTML: fold models `{' '.join(html_overrides)}`; " if html_overrides else ""
    overrides = lodo_text.get("overrides") or []
    trained = f", fold models `{' '.join(overrides)}`" if overrides else ""
    caption = (f"Page F1: mean over {held_out} held-out datasets, each scored by a model trained on the others "
               f"({html_trained}text dumps: {text_dumps(lodo_text)}{trained}). Speed: {sample_caption(speed)}, one "
               f"page at a time; in brackets, in batches (`clean_many`).\n\n")
    header = ["tool", f"page F1 (mean of {held_out})", "pages/s"]
    return caption + markdown_table(header, rows, [False, True, True])
