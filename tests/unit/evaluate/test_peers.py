"""Peer extractors on small hand-written pages: the text they keep, failures recorded, jusText on lines; and their
scoring (:mod:`chromecut.evaluate.peer_scores`), which needs the same pages."""

from __future__ import annotations

import logging
import math
import subprocess
import sys

import pytest

from chromecut.datasets import Gold, GoldKind, Page
from chromecut.evaluate import peers
from chromecut.evaluate.peer_scores import RESULT_COLUMNS, evaluate_peers, summarise
from chromecut.evaluate.peers import (
    PEERS,
    declared_language,
    extract,
    extract_safe,
    justext_lines,
    justext_stoplist_name,
)

ARTICLE = [
    "The harbour town of Wexmoor voted on Tuesday to restore its old lighthouse, which has stood dark since the "
    "storm of 1987 tore away its lantern room and flooded the keeper's cottage below.",
    "Council members said the restoration would be paid for by a mix of private donations and a heritage grant, "
    "and that the work should begin in the spring once the weather allows the scaffolding to go up.",
    "Local historians have long argued that the lighthouse is the most important building in the town, because "
    "it was the reason the fishing fleet could return safely at night for more than a century.",
    "The new lamp will use modern lights but the tower itself will be rebuilt with the same grey stone that was "
    "quarried from the hills behind the town when it was first built in the eighteen hundreds.",
]
NAV = ["Zyxhome", "Qworld Portal", "Blorp Sports", "Vexcareers"]
FOOTER = "Copyright Wexmoor Gazette Ltd. All rights reserved. Privacy policy and cookie settings."

#: The module each peer needs, for ``pytest.importorskip``.
PEER_MODULES = {
    "trafilatura": "trafilatura",
    "resiliparse": "resiliparse",
    "readability": "readability",
    "boilerpy3": "boilerpy3",
    "justext": "justext",
}


def article_page(lang: str = "en") -> bytes:
    nav = "".join(f'<li><a href="/{i}">{text}</a></li>' for i, text in enumerate(NAV))
    paragraphs = "".join(f"<p>{text}</p>" for text in ARTICLE)
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>Lighthouse to be restored</title>"
        f"</head><body><header><nav><ul>{nav}</ul></nav><div class='logo'>Wexmoor Gazette</div></header>"
        f"<main><article><h1>Lighthouse to be restored</h1>{paragraphs}</article></main>"
        f"<aside><h3>Most read</h3><ul>{nav}</ul></aside>"
        f"<footer><p>{FOOTER}</p><ul>{nav}</ul></footer></body></html>"
    ).encode()


def text_page(page_id: str = "a") -> Page:
    gold = Gold(GoldKind.TEXT, text="Lighthouse to be restored\n" + "\n".join(ARTICLE))
    return Page("handmade", page_id, "example.org", article_page(), gold, language="en")


def snippet_page() -> Page:
    gold = Gold(GoldKind.SNIPPETS, with_snippets=(ARTICLE[0][:60], ARTICLE[2][:60]), without_snippets=(FOOTER,))
    return Page("handmade-snippets", "s", "example.org", article_page(), gold)


@pytest.mark.parametrize("peer", PEERS)
def test_each_peer_keeps_the_article_and_drops_the_navigation(peer: str) -> None:
    pytest.importorskip(PEER_MODULES[peer])
    text = extract(peer, article_page(), language="en")
    assert ARTICLE[0] in " ".join(text.split())
    assert not [link for link in NAV if link in text]


def test_importing_the_module_imports_no_peer() -> None:
    code = "import sys, chromecut.evaluate.peers; print(sorted(set(sys.argv[1:]) & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code, *PEER_MODULES.values()], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_extract_safe_turns_a_peer_exception_into_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(document: str, language: str | None) -> str:
        raise RuntimeError("no content found")

    monkeypatch.setitem(peers._EXTRACTORS, "boilerpy3", broken)
    assert extract_safe("boilerpy3", article_page()) == ("", "RuntimeError: no content found")
    with pytest.raises(RuntimeError):
        extract("boilerpy3", article_page())


def test_extract_safe_reports_the_cause_of_a_wrapped_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrapping(document: str, language: str | None) -> str:
        try:
            [].pop()
        except IndexError as exc:
            raise ValueError() from exc
        return ""

    monkeypatch.setitem(peers._EXTRACTORS, "boilerpy3", wrapping)
    _, error = extract_safe("boilerpy3", article_page())
    assert error == "ValueError (from IndexError: pop from empty list)"


def test_unknown_peer_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="unknown peer"):
        extract_safe("nope", b"<p>x</p>")
    with pytest.raises(ValueError, match="unknown peer"):
        evaluate_peers([text_page()], peers=["nope"])


# ----------------------------------------------------------------------------------------------------------
# Languages


@pytest.mark.parametrize(
    ("language", "stoplist"),
    [(None, "English"), ("", "English"), ("en", "English"), ("pt-BR", "Portuguese"), ("de_CH", "German"),
     ("HR", "Croatian"), ("cs", "Czech"), ("German", "German"), ("zh", None), ("ja", None)],
)  # fmt: skip
def test_language_tags_map_to_justext_stoplists(language: str | None, stoplist: str | None) -> None:
    assert justext_stoplist_name(language) == stoplist


def test_every_mapped_stoplist_exists_in_justext() -> None:
    justext = pytest.importorskip("justext")
    assert set(peers.JUSTEXT_STOPLISTS.values()) <= set(justext.get_stoplists())


def test_a_language_without_stoplist_uses_the_language_independent_mode() -> None:
    pytest.importorskip("justext")
    assert peers._justext_stoplist("zh") == frozenset()
    assert "the" in peers._justext_stoplist(None)


def test_declared_language_reads_the_root_element() -> None:
    assert declared_language("<!doctype html><html class='x' lang=\"de-DE\"><body>") == "de-DE"
    assert declared_language("<html data-lang='xx' xml:lang='pl'>") == "pl"
    assert declared_language("<html><body lang='fr'>") is None


# ----------------------------------------------------------------------------------------------------------
# jusText on lines


def test_justext_lines_gives_one_bool_per_line_blank_lines_false() -> None:
    pytest.importorskip("justext")
    lines = [
        "Zyxhome | Qworld Portal | Blorp Sports", "", *ARTICLE[:2], "   ", "\x0c", "\x00 odd <b>markup</b> & co",
        ARTICLE[2], "\u00a0", FOOTER + " \u00a9 2024", ARTICLE[3], "",
    ]  # fmt: skip
    result = justext_lines(lines, "en", strict=True)
    assert len(result) == len(lines)
    assert all(isinstance(value, bool) for value in result)
    blank = [i for i, line in enumerate(lines) if not line.strip()]
    assert not any(result[i] for i in blank)
    assert result[0] is False
    assert all(result[lines.index(line)] for line in ARTICLE[:3])


def test_justext_lines_edge_cases() -> None:
    pytest.importorskip("justext")
    assert justext_lines([], "en") == []
    assert justext_lines(["", "  "], None) == [False, False]
    assert len(justext_lines(["中文内容" * 60, "首页"], "zh", strict=True)) == 2


def test_justext_lines_mismatch_is_logged_or_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fake(document: str, language: str | None) -> list[tuple[str, str, bool]]:
        # line 1 (0-based) is lost, and one paragraph names no line
        return [("/html[1]/body[1]/p[1]", "a", False), ("/html[1]/body[1]/div[1]", "?", False),
                ("/html[1]/body[1]/p[3]", "c", True)]  # fmt: skip

    monkeypatch.setattr(peers, "_run_justext", fake)
    with caplog.at_level(logging.WARNING, logger="chromecut.evaluate.peers"):
        assert justext_lines(["a", "b", "c", ""], "en") == [True, False, False, False]
    assert "2 paragraphs mapped to 3 non-blank lines" in caplog.text
    with pytest.raises(ValueError, match="non-blank lines"):
        justext_lines(["a", "b", "c", ""], "en", strict=True)


# ----------------------------------------------------------------------------------------------------------
# Evaluation (chromecut.evaluate.peer_scores)


def test_evaluate_peers_gives_one_row_per_page_and_peer() -> None:
    pages = [text_page("a"), text_page("b"), snippet_page()]
    frame = evaluate_peers(pages)
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert len(frame) == len(pages) * len(PEERS)
    assert list(frame["peer"][: len(PEERS)]) == list(PEERS)
    assert frame["f1"].between(0.0, 1.0).all()
    assert (frame["seconds"] >= 0).all()
    summary = summarise(frame)
    assert len(summary) == 2 * len(PEERS)
    assert set(summary["pages"]) == {1, 2}
    for peer in PEERS:  # an installed peer extracts this page well; a missing one is a recorded failure
        rows = frame[frame["peer"] == peer]
        assert rows["error"].notna().all() or rows["f1"].min() > 0.8


def test_evaluate_peers_records_failures_and_missing_gold(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(document: str, language: str | None) -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(peers._EXTRACTORS, "boilerpy3", broken)
    no_gold = Page("handmade", "g", "example.org", article_page(), Gold(GoldKind.TEXT))
    frame = evaluate_peers([text_page(), no_gold], peers=["boilerpy3"])
    assert list(frame["error"]) == ["RuntimeError: boom", "RuntimeError: boom"]
    assert frame["f1"].iloc[0] == 0.0
    assert math.isnan(frame["f1"].iloc[1])
    summary = summarise(frame)
    assert summary["failures"].tolist() == [2]
    assert summary["f1"].tolist() == [0.0]


def test_evaluate_peers_in_processes_matches_one_process() -> None:
    pages = [text_page(str(i)) for i in range(3)] + [snippet_page()]
    chosen = ["resiliparse", "justext"]
    serial = evaluate_peers(pages, peers=chosen)
    parallel = evaluate_peers(pages, peers=chosen, n_jobs=2, chunk_pages=1)
    columns = ["dataset", "page_id", "peer", "precision", "recall", "f1", "error"]
    assert serial[columns].equals(parallel[columns])


def test_summarise_of_nothing_is_empty() -> None:
    assert summarise(evaluate_peers([])).empty
