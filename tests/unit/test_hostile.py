"""The hostile input corpus through ``chromecut clean`` / ``label`` and the Python API: the batch goes on, each
document that cannot be processed is named with a clear reason, every other one gets exactly one label per line
(nothing lost, nothing invented). Also the limits themselves: the clock, the nesting estimate (the hard limit
that kills a stuck worker is tested with the pool, in ``tests/unit/io/test_workers.py``)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chromecut.cli import EXIT_FAILED, main
from chromecut.io.inputs import sniff_kind
from chromecut.predict import Cleaner
from chromecut.segment.html import segment_html
from chromecut.segment.limits import (
    UNLIMITED,
    Deadline,
    LimitError,
    Limits,
    PageTimeout,
    nesting_depth,
    start_tags_at_most,
)

from hostile import (
    Hostile,
    corpus,
    expected_lines,
    is_subsequence,
    long_line,
    million_lines,
    plain_payload,
    write_corpus,
)
from synthetic import http_response, synthetic_page, warc_record

Capture = pytest.CaptureFixture[str]
_MESSAGE = re.compile(r"^chromecut: (.+?): (.+)$")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Hostile, str]]:
    return write_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def cleaners() -> dict[str, Cleaner]:
    return {"html": Cleaner.load("html"), "text": Cleaner.load("text")}


def _expected_failures(written: list[tuple[Hostile, str]]) -> dict[str, str]:
    failures = {}
    for item, path in written:
        if item.failure is not None:
            failures[path] = item.failure
        for name, reason in item.failures:
            failures[path[: -len(item.name)] + name] = reason
    return failures


def _reported(err: str) -> dict[str, str]:
    reported = {}
    for line in err.splitlines():
        match = _MESSAGE.match(line)
        assert match, f"unexpected stderr line {line!r}"
        reported[match.group(1)] = match.group(2)
    return reported


def _container_pages(item: Hostile) -> dict[str, tuple[str, Any]]:
    """Record id -> (kind, page) of the documents a container must yield."""
    if item.kind == "jsonl":
        pages = {}
        for line in item.data.split(b"\n"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and str(record.get("id")) in item.documents:
                kind = "html" if "html" in record else "text"
                pages[str(record["id"])] = (kind, record[kind])
        return pages
    return {f"<urn:uuid:{i}>": ("html", synthetic_page(i)) for i in range(2)}


@pytest.mark.parametrize(("task", "jobs"), [("label", 1), ("clean", 1), ("label", 2)])
def test_the_cli_goes_on_names_each_refused_document_and_labels_every_line_of_the_others(
    written: list[tuple[Hostile, str]], tmp_path: Path, capsys: Capture, task: str, jobs: int
) -> None:
    out = tmp_path / "out"
    code = main([task, "-j", str(jobs), "--out-dir", str(out), *[path for _, path in written]])
    captured = capsys.readouterr()
    assert code == EXIT_FAILED
    reported = _reported(captured.err)
    expected = _expected_failures(written)
    assert set(reported) == set(expected)
    for name, pattern in expected.items():
        assert re.search(pattern, reported[name]), (name, reported[name])

    for item, path in written:
        stem = Path(path).name.removesuffix(".gz").rsplit(".", 1)[0]
        if item.kind in ("jsonl", "warc"):
            records = [json.loads(line) for line in (out / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()]
            by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for record in records:
                by_doc[str(record["id" if task == "clean" else "doc"])].append(record)
            pages = _container_pages(item)
            assert set(by_doc) == set(pages) == set(item.documents)
            for doc, (kind, page) in pages.items():
                lines = expected_lines(page, kind)
                if task == "label":
                    assert [r["line"] for r in by_doc[doc]] == list(range(len(lines)))
                    assert [r["text"] for r in by_doc[doc]] == lines
                else:
                    (record,) = by_doc[doc]
                    assert is_subsequence(record["text"].split("\n") if record["text"] else [], lines)
            continue
        suffix = ".jsonl" if task == "label" else ".txt"
        if item.failure is not None:
            assert not (out / f"{stem}{suffix}").exists()
            continue
        payload = plain_payload(item)
        lines = expected_lines(payload, sniff_kind(payload))
        # Bytes, not read_text: universal newlines would turn a \r inside a line into a line break.
        written_text = (out / f"{stem}{suffix}").read_bytes().decode("utf-8") if lines else ""
        if task == "label":
            records = [json.loads(line) for line in written_text.splitlines()]
            assert [r["line"] for r in records] == list(range(len(lines))), item.name
            assert [r["text"] for r in records] == [line.encode("utf-8", "replace").decode() for line in lines]
            assert all(r["doc"] == path for r in records)
        else:
            kept = written_text.split("\n")[:-1] if written_text else []
            assert is_subsequence(kept, lines), item.name


def test_the_python_api_labels_every_line_or_raises_a_limit_error(
    written: list[tuple[Hostile, str]], cleaners: dict[str, Cleaner]
) -> None:
    for item, _ in written:
        if item.kind in ("jsonl", "warc"):
            continue
        payload = plain_payload(item)
        kind = sniff_kind(payload)
        cleaner = cleaners[kind]
        if item.failure is not None:
            with pytest.raises(LimitError, match=item.failure):
                cleaner.label(payload)
            continue
        lines = expected_lines(payload, kind)
        labeled = cleaner.label(payload)
        assert [line.index for line in labeled] == list(range(len(lines))), item.name
        assert [line.text for line in labeled] == lines
        assert all(0.0 <= line.p_content <= 1.0 for line in labeled)
        cleaned = cleaner.clean(payload)
        assert is_subsequence(cleaned.split("\n") if cleaned else [], lines)


def test_with_the_limits_raised_the_heavy_pages_get_one_label_per_line(cleaners: dict[str, Cleaner]) -> None:
    unlimited = Cleaner(cleaners["text"].bundle, limits=UNLIMITED)
    (line,) = unlimited.label(long_line())
    assert line.index == 0 and len(line.text) == len(long_line())
    labeled = unlimited.label(million_lines())
    assert len(labeled) == len(million_lines().split(b"\n")) and labeled[-1].text == ""
    assert [line.index for line in labeled[:3]] == [0, 1, 2] and labeled[-1].index == len(labeled) - 1


def test_limits_are_options_of_the_cli(tmp_path: Path, capsys: Capture) -> None:
    page = tmp_path / "page.html"
    page.write_text(synthetic_page(3), encoding="utf-8")
    assert main(["label", "--max-lines", "3", str(page)]) == EXIT_FAILED
    assert "more than 3 lines (limit --max-lines)" in capsys.readouterr().err
    assert main(["label", "--max-page-bytes", "100", str(page)]) == EXIT_FAILED
    assert "larger than 100 bytes" in capsys.readouterr().err
    assert main(["label", "--page-timeout", "0.000001", str(page)]) == EXIT_FAILED
    assert "longer than 1e-06 s (limit --page-timeout" in capsys.readouterr().err
    assert main(["label", "--max-lines", "0", "--max-page-bytes", "0", "--page-timeout", "0", str(page)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(segment_html(synthetic_page(3)).lines)


@pytest.mark.parametrize("model", ["html", "text"])
def test_limits_hold_when_the_model_is_named(model: str, tmp_path: Path, capsys: Capture) -> None:
    page = tmp_path / "page.html"
    page.write_text(synthetic_page(3), encoding="utf-8")
    assert main(["clean", "--model", model, "--input-format", "html", "--max-lines", "3", str(page)]) == EXIT_FAILED
    assert "more than 3 lines (limit --max-lines)" in capsys.readouterr().err


def test_the_clock_is_checked_while_the_tree_is_walked() -> None:
    ticks = count()
    deadline = Deadline(50.0, clock=lambda: float(next(ticks)))  # one second per look at the clock
    page = "<html><body>" + "<p>line</p>" * 100_000 + "</body></html>"
    with pytest.raises(PageTimeout, match="walking the page"):
        segment_html(page, deadline=deadline)
    assert 3 < next(ticks) < 60  # stopped after ~50 checks, long before the 100,000 lines were walked


def test_a_limit_error_never_comes_from_segmentation_without_limits() -> None:
    assert len(segment_html("<div>" * 3000 + "x" + "</div>" * 3000).lines) == 1


@pytest.mark.parametrize(("html", "depth"), [
    ("<div><div><div>x</div></div></div>", 3),
    ("<p>a<p>b<p>c<li>d<li>e<a>f<a>g", 0),  # closed by the parser itself
    ("<div><script>for (i = 0; i<n; i++) a<b;</script></div><span><b>x</b></span>", 2),
    ("<div><!-- <div><div><div> --></div>", 1),
    ("<div></span></span><section><section>", 3),
    ("<div" + "<div" * 10, 11),
])
def test_the_nesting_estimate(html: str, depth: int) -> None:
    assert nesting_depth(html) == depth
    assert depth <= start_tags_at_most(html)


TAG_PIECES = ("<div>", "<DIV ", "</div>", "<p>", "</", "<", "<!--", "-->", "<script>", "</script>", "<a>", "x", ">",
              "<section", "<b:c>", "<1>", "/")


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(st.sampled_from(TAG_PIECES), max_size=40))
def test_the_count_of_start_tags_bounds_the_nesting_estimate(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert nesting_depth(html) <= start_tags_at_most(html)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_lines"):
        Limits(max_lines=0)


@pytest.mark.parametrize("jobs", [1, 2])
def test_clean_many_goes_on_with_return_exceptions_and_otherwise_names_the_page(
    written: list[tuple[Hostile, str]], cleaners: dict[str, Cleaner], jobs: int
) -> None:
    html = cleaners["html"]
    plain = [item for item, _ in written if item.kind not in ("jsonl", "warc") and item.name != "long-line.txt"]
    pages = [plain_payload(item) for item in plain]
    results = list(html.clean_many(pages, batch_size=4, n_jobs=jobs, return_exceptions=True))
    assert len(results) == len(pages)
    for page, result in zip(pages, results, strict=True):
        try:
            expected: str | type[Exception] = html.clean(page)
        except LimitError:
            expected = LimitError
        if expected is LimitError:
            assert isinstance(result, LimitError)
        else:
            assert result == expected
    assert sum(isinstance(result, LimitError) for result in results) == 2  # nested divs; the gzip bomb's size
    first_bad = next(i for i, result in enumerate(results) if isinstance(result, Exception))
    with pytest.raises(LimitError) as raised:
        list(html.clean_many(pages, batch_size=4, n_jobs=jobs))
    assert f"page {first_bad} of the stream" in raised.value.__notes__


def test_an_oversized_record_fails_by_name_and_the_container_reads_on(tmp_path: Path, capsys: Capture) -> None:
    small = {"id": "small", "text": "a short line\nanother"}
    huge = {"id": "huge", "text": "x" * 50_000}  # read 2,001 bytes at a time, never whole
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in (small, huge, {**small, "id": "after"})) + "\n")
    big_page = ("<html><body><p>" + "word " * 2_000 + "</p></body></html>").encode()
    warc = tmp_path / "crawl.warc"
    warc.write_bytes(b"".join(
        warc_record("response", name, f"http://w.example/{name}", "application/http; msgtype=response",
                    http_response(body, "text/html"))
        for name, body in (("1", synthetic_page(1).encode()), ("2", big_page), ("3", synthetic_page(2).encode()))
    ))
    assert main(["label", "--max-page-bytes", "2000", str(jsonl), str(warc)]) == EXIT_FAILED
    captured = capsys.readouterr()
    reported = _reported(captured.err)
    assert set(reported) == {f"{jsonl}:2", "<urn:uuid:2>"}
    assert all("larger than 2000 bytes" in reason for reason in reported.values())
    docs = [json.loads(line)["doc"] for line in captured.out.splitlines()]
    assert sorted(set(docs)) == ["<urn:uuid:1>", "<urn:uuid:3>", "after", "small"]
    assert docs.count("small") == docs.count("after") == 2


def test_a_lying_charset_declaration_loses_to_valid_utf8(cleaners: dict[str, Cleaner]) -> None:
    (lying,) = [item for item in corpus() if item.name == "lying-charset.html"]
    (line,) = cleaners["html"].label(lying.data)
    assert line.text == "Zürich, naïve café — “quotes” 北京"
