"""Renderer dumps keep their labels through the gold alignment; failures are counted; the tables have columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from chromecut.datasets import Gold, GoldKind, Page
from chromecut.datasets.prepare import (
    MIN_REACHABLE_GOLD_DEFAULT,
    PAGES_FILE,
    PrepareSettings,
    _page_meta,
    process_page,
    report,
    split_of,
)
from chromecut.datasets.renderers import RENDERERS, Renderer, available_renderers
from chromecut.datasets.renderings import (
    GOLD_UNREACHABLE,
    RENDER_FAILED,
    RENDERING_COLUMNS,
    RENDERING_PAGES_FILE,
    RENDERINGS_FILE,
    RenderingsWriter,
    alignment_view,
    label_dump,
    render_page,
    renderer_report,
    split_at_glue,
)
from chromecut.evaluate.metrics import tokenize
from chromecut.labels import Label

HEADLINE = "Council approves budget for harbour renewal"
PARAGRAPHS = (
    "The council approved the new budget after a long debate that lasted well into the night, "
    "with most members agreeing that the harbour needed urgent repairs.",
    "Officials said the plan would be paid for by a modest rise in parking fees and by money that "
    "the regional government promised last spring, which the council published as "
    '<a href="https://example.org/budget/2024/plan-(final).pdf">the full spending plan</a> on its website.',
    "Work on the first pier is expected to begin in March and to last about eighteen months, "
    "according to the engineers who surveyed the site.",
)
#: Chrome words share no token with the article, so a line's expected label follows from its words.
NAV = ("Home", "Weather", "Sports", "Lifestyle", "Podcasts")
RELATED = ("Mayor opens bridge downtown", "Zoo welcomes panda cubs", "Festival tickets sold out")
FOOTER = "Copyright Springfield Gazette Media Group"

SYNTHETIC_PAGE = f"""<!DOCTYPE html>
<html><head><title>Springfield Gazette</title><style>.x {{ color: red }}</style></head>
<body>
<header><nav><ul>{"".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in NAV)}</ul></nav></header>
<main><article>
<h1>{HEADLINE}</h1>
{"".join(f"<p>{p}</p>" + chr(10) for p in PARAGRAPHS)}</article>
<aside><h2>Related</h2>
<ul>{"".join(f'<li><a href="/r/{i}">{t}</a></li>' for i, t in enumerate(RELATED))}</ul>
</aside></main>
<footer><p>{FOOTER}</p></footer>
<script>window.analytics = "track";</script>
</body></html>"""
ARTICLE = "\n".join([HEADLINE, *(p.replace('<a href="https://example.org/budget/2024/plan-(final).pdf">', "")
                                  .replace("</a>", "") for p in PARAGRAPHS)])
GOLD = Gold(GoldKind.TEXT, text=ARTICLE)
GOLD_TOKENS = set(tokenize(ARTICLE))
CHROME_WORDS = ("weather", "podcasts", "related", "panda", "festival", "copyright", "springfield")
ARTICLE_WORDS = ("approves", "debate", "parking", "spending", "pier", "surveyed")


def _expected(line: str, markdown: bool) -> Label | None:
    """What the line must be: content when every word is the article's, chrome when none is (``None``: both,
    as a glued line may mix them)."""
    tokens = tokenize(alignment_view(line, markdown))
    if not line.strip():
        return Label.UNKNOWN
    if not tokens:
        return None  # markup only (a Markdown rule, a bullet): no word to say what it is
    inside = sum(token in GOLD_TOKENS for token in tokens)
    if inside == len(tokens):
        return Label.CONTENT
    return Label.CHROME if inside == 0 else None


@pytest.mark.parametrize("name", available_renderers())
def test_synthetic_page_keeps_its_labels_through_every_renderer(name: str) -> None:
    (rendering,) = render_page(SYNTHETIC_PAGE, GOLD, [name], min_reachable=MIN_REACHABLE_GOLD_DEFAULT)
    assert rendering.page["error"] is None, rendering.page["error"]
    markdown = RENDERERS[name].markdown
    wrong = [
        (line, label)
        for line, label in zip(rendering.lines, rendering.labels, strict=True)
        if (expected := _expected(line, markdown)) is not None and label != expected
    ]
    assert not wrong, wrong
    folded = [(line.casefold(), label) for line, label in zip(rendering.lines, rendering.labels, strict=True)]
    for word in ARTICLE_WORDS:
        assert any(word in line and label == Label.CONTENT for line, label in folded), word
    for word in CHROME_WORDS:
        assert any(word in line and label == Label.CHROME for line, label in folded), word
    # Kept as written, a Markdown dump's link targets are words no gold has: its bound is lower than what the
    # alignment achieves on the lines it saw.
    assert rendering.page["oracle_aligned_f1"] > 0.95  # the article is all there, nothing else
    assert rendering.page["oracle_f1"] <= rendering.page["oracle_aligned_f1"]


def test_blank_lines_are_unknown_and_markdown_targets_do_not_count() -> None:
    link = "[the full spending plan](https://example.org/budget/2024/plan-(final).pdf)"
    dump = f"* [Home](/)\n\n{PARAGRAPHS[0]}\n   \nOfficials said {link} on its website.\n"
    lines, result = label_dump(dump, GOLD, markdown=True)
    assert lines[-1] == "" and len(lines) == 6
    assert result.labels.tolist() == [Label.CHROME, Label.UNKNOWN, Label.CONTENT, Label.UNKNOWN, Label.CONTENT,
                                      Label.UNKNOWN]
    _, raw = label_dump(dump, GOLD, markdown=False)
    assert raw.labels[4] == Label.CHROME  # the URL's tokens outweigh the link's words without the view


@pytest.mark.parametrize(("glued", "split"), [
    ("HomeNewsSportWeather", "Home|News|Sport|Weather"),
    ("Mayor opens bridge downtownZoo welcomes panda cubs", "Mayor opens bridge downtown|Zoo welcomes panda cubs"),
    ("the council approved it.Next story: 3 piers", "the council approved it.|Next story: 3 piers"),
    ("Straße 12Über unsÄrzte", "Straße 12|Über uns|Ärzte"),
    ("ГлавнаяНовостиСпорт", "Главная|Новости|Спорт"),
    ("ΑρχικήΕιδήσεις", "Αρχική|Ειδήσεις"),
    ("A sentence with Capitals and spaces. Another one", "A sentence with Capitals and spaces. Another one"),
    ("NASA and the EU", "NASA and the EU"),
    ("line one\r\nLine two", "line one\r\nLine two"),
])
def test_split_at_glue_breaks_a_line_where_blocks_were_run_together(glued: str, split: str) -> None:
    text, breaks = split_at_glue(glued)
    assert text == split.replace("|", "\n") and breaks == split.count("|")


def test_split_glued_labels_the_pieces_of_a_line_that_ran_menu_headline_and_article_together() -> None:
    one_line = SYNTHETIC_PAGE.replace("\n", "")
    glued = ["bs4-glued", "lxml-glued"]
    for rendering in render_page(one_line, GOLD, glued, min_reachable=MIN_REACHABLE_GOLD_DEFAULT):
        text = [line for line in rendering.lines if line.strip()]
        assert len(text) == 1 and rendering.page["glue_splits"] == 0  # one line, one label for all of it
    renderings = render_page(one_line, GOLD, [*glued, "html-text"], min_reachable=MIN_REACHABLE_GOLD_DEFAULT,
                             split_glued=True)
    for rendering in renderings[:2]:
        assert rendering.page["glue_splits"] >= len(NAV) + len(PARAGRAPHS) + len(RELATED)
        pieces = dict(zip(rendering.lines, rendering.labels, strict=True))
        assert all(pieces[word] == Label.CHROME for word in NAV), pieces
        assert pieces[HEADLINE] == Label.CONTENT and pieces[PARAGRAPHS[2]] == Label.CONTENT
        assert all(pieces[title] == Label.CHROME for title in RELATED) and pieces[FOOTER] == Label.CHROME
        wrong = [(line, label) for line, label in pieces.items() if label != _expected(line, False)]
        assert not wrong, wrong
    (plain,) = render_page(one_line, GOLD, ["html-text"], min_reachable=MIN_REACHABLE_GOLD_DEFAULT)
    assert renderings[2].page["glue_splits"] == 0 and renderings[2].lines == plain.lines  # not a glued renderer
    summary = renderer_report(pd.DataFrame([{"dataset": "dragnet", "page_id": "p1", **r.page} for r in renderings]))
    assert summary["bs4-glued"]["glue_splits"] == renderings[0].page["glue_splits"]
    assert summary["html-text"]["glue_splits"] == 0


def test_prepare_splits_glued_dumps_of_training_sites_only(tmp_path: Path) -> None:
    settings = PrepareSettings(out_dir=tmp_path, split_glued=True)
    domains = [f"site{i}.example" for i in range(60)]
    splits = {domain: split_of(domain, settings.seed, settings.val_fraction, settings.test_fraction)
              for domain in domains}
    assert {"train", "val", "test"} <= set(splits.values())
    assert all(settings.splits_glued(domain) == (split == "train") for domain, split in splits.items())
    assert not any(PrepareSettings(out_dir=tmp_path).splits_glued(domain) for domain in domains)
    one_line = SYNTHETIC_PAGE.replace("\n", "").encode()
    by_split = {}
    for domain, split in splits.items():
        page = Page(dataset="dragnet", page_id=domain, domain=domain, html=one_line, gold=GOLD)
        (rendering,) = process_page(page, renderers=("bs4-glued",),
                                    split_glued=settings.splits_glued(domain)).renderings
        by_split.setdefault(split, set()).add(rendering.page["glue_splits"] > 0)
    assert by_split == {"train": {True}, "val": {False}, "test": {False}}


def test_snippet_gold_labels_only_the_lines_a_snippet_falls_on() -> None:
    gold = Gold(GoldKind.SNIPPETS, with_snippets=("surveyed the site",), without_snippets=("panda cubs",))
    (rendering,) = render_page(SYNTHETIC_PAGE, gold, ["chromecut"], min_reachable=MIN_REACHABLE_GOLD_DEFAULT)
    labelled = {line.removeprefix("- "): label for line, label in zip(rendering.lines, rendering.labels, strict=True)
                if label != Label.UNKNOWN}
    assert labelled == {PARAGRAPHS[2]: Label.CONTENT, RELATED[1]: Label.CHROME}


def _boom(html: str) -> str:
    raise RuntimeError("renderer bug")


def test_a_failing_renderer_skips_the_page_for_that_renderer_and_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RENDERERS, "boom", Renderer("boom", "chromecut", _boom))
    monkeypatch.setitem(RENDERERS, "empty", Renderer("empty", "chromecut", lambda html: "nothing of the gold"))
    page = Page(dataset="dragnet", page_id="p1", domain="example.org", html=SYNTHETIC_PAGE.encode(), gold=GOLD)
    result = process_page(page, renderers=("boom", "chromecut", "empty"))
    assert result.page["error"] is None and result.lines
    boom, ours, empty = result.renderings
    assert (boom.page["error_kind"], boom.lines) == (RENDER_FAILED, [])
    assert "RuntimeError: renderer bug" in boom.page["error"]
    assert empty.page["error_kind"] == GOLD_UNREACHABLE and not empty.lines
    assert ours.page["error"] is None and ours.lines
    rows = pd.DataFrame([{"dataset": "dragnet", "page_id": "p1", **r.page} for r in result.renderings])
    summary = renderer_report(rows)
    assert summary["boom"]["render_failures"] == 1 and summary["boom"]["pages_labelled"] == 0
    assert summary["boom"]["failures"] == {"RuntimeError": 1}
    assert summary["empty"]["gold_unreachable"] == 1
    assert summary["chromecut"]["pages_labelled"] == 1 and summary["chromecut"]["oracle_f1"] > 0.95


def test_pages_that_fail_are_not_rendered() -> None:
    page = Page(dataset="dragnet", page_id="p1", domain="example.org", html=SYNTHETIC_PAGE.encode(),
                gold=Gold(GoldKind.TEXT, text=" "))
    result = process_page(page, renderers=("chromecut",))
    assert result.page["error"] and result.renderings == []


def test_tables_have_their_columns_and_the_report_a_renderer_section(tmp_path: Path) -> None:
    page = Page(dataset="dragnet", page_id="p1", domain="example.org", html=SYNTHETIC_PAGE.encode(), gold=GOLD)
    result = process_page(page, renderers=("chromecut", "html2text"))
    meta = _page_meta(result.page, PrepareSettings(out_dir=tmp_path))
    with RenderingsWriter(tmp_path) as writer:
        writer.add(result.renderings, meta)
    lines = pd.read_parquet(tmp_path / RENDERINGS_FILE, filters=[("dataset", "in", ["dragnet"])])
    assert tuple(lines.columns) == RENDERING_COLUMNS
    assert set(lines["renderer"].astype(str)) == {"chromecut", "html2text"}
    per_renderer = lines.groupby("renderer", observed=True)["line"].agg(["min", "max", "count"])
    assert (per_renderer["min"] == 0).all() and (per_renderer["max"] + 1 == per_renderer["count"]).all()
    assert writer.rows_written == len(lines)
    pages = pd.read_parquet(tmp_path / RENDERING_PAGES_FILE)
    assert {"dataset", "page_id", "split", "renderer", "oracle_f1", "gold_coverage", "error"} <= set(pages.columns)
    frame = pd.DataFrame([result.page])
    frame["split"] = meta["split"]
    frame.to_parquet(tmp_path / PAGES_FILE)
    assert list(report(tmp_path)["renderers"]) == ["chromecut", "html2text"]


def test_no_renderer_writes_nothing(tmp_path: Path) -> None:
    with RenderingsWriter(None) as writer:
        writer.add([], {})
    assert not list(tmp_path.iterdir())
