"""``chromecut clean`` and ``chromecut label``: the command-line contract that scripts rely on."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import chromecut.predict
from chromecut.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from chromecut.model.bundle import Bundle
from chromecut.predict import Cleaner

from synthetic import PROSE, http_response, site_page, synthetic_page, warc_record, wrapped_dump

Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def html_model(tiny_bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tiny_bundle.save(tmp_path_factory.mktemp("models") / "html"))


@pytest.fixture(scope="module")
def text_model(tiny_text_bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tiny_text_bundle.save(tmp_path_factory.mktemp("models") / "text"))


def _records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_one_html_file_prints_its_clean_text(html_model: str, tiny_bundle: Bundle, tmp_path: Path,
                                             capsys: Capture) -> None:
    page = tmp_path / "a.html"
    page.write_text(synthetic_page(1), encoding="utf-8")
    assert main(["clean", "--model", html_model, str(page)]) == EXIT_OK
    captured = capsys.readouterr()
    expected = Cleaner(tiny_bundle).clean(synthetic_page(1))
    assert expected and captured.out == expected + "\n" and captured.err == ""


def test_out_dir_writes_one_file_per_input_and_reads_gzip_by_magic(html_model: str, tiny_bundle: Bundle,
                                                                   tmp_path: Path, capsys: Capture) -> None:
    (tmp_path / "a.html").write_text(synthetic_page(1), encoding="utf-8")
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(synthetic_page(2).encode("utf-8")))
    (tmp_path / "c.htm").write_bytes(gzip.compress(synthetic_page(3).encode("utf-8")))  # gzip, no .gz suffix
    out = tmp_path / "out"
    inputs = [str(tmp_path / name) for name in ("a.html", "b.html.gz", "c.htm")]
    assert main(["clean", "--model", html_model, "--out-dir", str(out), *inputs]) == EXIT_OK
    cleaner = Cleaner(tiny_bundle)
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "c.txt"]
    for name, i in (("a", 1), ("b", 2), ("c", 3)):
        assert (out / f"{name}.txt").read_text(encoding="utf-8") == cleaner.clean(synthetic_page(i)) + "\n"
    assert capsys.readouterr().out == ""


def test_stdin_is_read_as_bytes(html_model: str, tiny_bundle: Bundle, monkeypatch: pytest.MonkeyPatch,
                                capsys: Capture) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(synthetic_page(4).encode("utf-8"))))
    assert main(["clean", "--model", html_model, "-"]) == EXIT_OK
    assert capsys.readouterr().out == Cleaner(tiny_bundle).clean(synthetic_page(4)) + "\n"


def test_label_numbers_text_lines_as_split_and_blank_lines_are_never_content(text_model: str, tmp_path: Path,
                                                                             capsys: Capture) -> None:
    text = "Home\r\n\r\nStory 5\r\n   \r\n" + PROSE[0] + "\r\n\r\n- Another headline number 5\r\n"
    path = tmp_path / "page.txt"
    path.write_bytes(text.encode("utf-8"))
    assert main(["label", "--model", text_model, "--threshold", "0", str(path)]) == EXIT_OK
    records = _records(capsys.readouterr().out)
    split = [line.removesuffix("\r") for line in text.split("\n")]
    assert [r["line"] for r in records] == list(range(len(split)))
    assert [r["text"] for r in records] == split
    assert [r["content"] for r in records] == [bool(line.strip()) for line in split]
    assert all(r["doc"] == str(path) and set(r) == {"doc", "line", "text", "p_content", "content"} for r in records)


def test_explain_gives_the_three_strongest_contributions_of_each_line(tiny_text_bundle: Bundle, text_model: str,
                                                                      tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "page.txt"
    path.write_text("Home\n\nStory 2\n" + "\n".join(PROSE) + "\n", encoding="utf-8")
    assert main(["label", "--model", text_model, "--explain", str(path)]) == EXIT_OK
    records = _records(capsys.readouterr().out)
    features = set(tiny_text_bundle.final_feature_names)
    for record in records:
        if not record["text"].strip():
            assert record["explain"] == []
            continue
        assert len(record["explain"]) == 3
        assert all(name in features and isinstance(value, float) for name, value in record["explain"])
        strengths = [abs(value) for _, value in record["explain"]]
        assert strengths == sorted(strengths, reverse=True)


def test_threshold_zero_keeps_every_line_and_above_one_keeps_none(html_model: str, tiny_bundle: Bundle,
                                                                   tmp_path: Path, capsys: Capture) -> None:
    page = tmp_path / "a.html"
    page.write_text(synthetic_page(6), encoding="utf-8")
    assert main(["clean", "--model", html_model, "--threshold", "0", str(page)]) == EXIT_OK
    assert capsys.readouterr().out == "\n".join(Cleaner(tiny_bundle).segment(synthetic_page(6)).texts) + "\n"
    assert main(["clean", "--model", html_model, "--threshold", "1.01", str(page)]) == EXIT_OK
    assert capsys.readouterr().out == ""
    assert main(["label", "--model", html_model, "--threshold", "1.01", str(page)]) == EXIT_OK
    assert not any(r["content"] for r in _records(capsys.readouterr().out))


def test_jsonl_with_a_broken_record_writes_the_good_ones_and_names_the_broken_line(
    html_model: str, tiny_bundle: Bundle, tmp_path: Path, capsys: Capture
) -> None:
    path = tmp_path / "pages.jsonl"
    lines = [json.dumps({"id": "p1", "html": synthetic_page(1)}), '{"id": "p2", "html": <broken',
             json.dumps({"id": 3, "html": synthetic_page(3)})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["clean", "--model", html_model, str(path)]) == EXIT_FAILED
    captured = capsys.readouterr()
    cleaner = Cleaner(tiny_bundle)
    assert _records(captured.out) == [{"id": "p1", "text": cleaner.clean(synthetic_page(1))},
                                      {"id": 3, "text": cleaner.clean(synthetic_page(3))}]
    assert captured.err.startswith(f"chromecut: {path}:2: invalid JSON")
    out = tmp_path / "out"
    assert main(["label", "--model", html_model, "--out-dir", str(out), str(path)]) == EXIT_FAILED
    docs = {r["doc"] for r in _records((out / "pages.jsonl").read_text(encoding="utf-8"))}
    assert docs == {"p1", 3}


def _crawl() -> list[bytes]:
    return [
        warc_record("response", "1", "http://a.example/", "application/http; msgtype=response",
                    http_response(synthetic_page(1).encode("utf-8"), "text/html; charset=utf-8")),
        warc_record("conversion", "2", "http://a.example/", "text/plain", "\n".join(PROSE).encode("utf-8")),
        warc_record("response", "3", "http://b.example/", "application/http; msgtype=response",
                    http_response(synthetic_page(3).encode("utf-8"), "text/html")),
    ]


def test_warc_records_are_cleaned_with_the_bundle_of_their_kind(
    html_model: str, text_model: str, tiny_bundle: Bundle, tiny_text_bundle: Bundle, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    shipped = {"html": Path(html_model), "text": Path(text_model)}
    monkeypatch.setattr(chromecut.predict, "shipped_bundle_path", shipped.__getitem__)
    loads: list[str] = []
    real_load = Bundle.load
    monkeypatch.setattr(Bundle, "load", lambda path, *args: loads.append(str(path)) or real_load(path, *args))
    path = tmp_path / "crawl.warc"
    path.write_bytes(b"".join(_crawl()))
    assert main(["clean", str(path)]) == EXIT_OK
    assert sorted(loads) == sorted([html_model, text_model])  # each loaded once, on first use
    assert _records(capsys.readouterr().out) == [
        {"id": "<urn:uuid:1>", "url": "http://a.example/", "text": Cleaner(tiny_bundle).clean(synthetic_page(1))},
        {"id": "<urn:uuid:2>", "url": "http://a.example/",
         "text": Cleaner(tiny_text_bundle).clean("\n".join(PROSE))},
        {"id": "<urn:uuid:3>", "url": "http://b.example/", "text": Cleaner(tiny_bundle).clean(synthetic_page(3))},
    ]


MARKDOWN_DUMP = "[Skip to content](#main)\n* [Home](/)\n# Council approves budget\n\n" + "\n\n".join(PROSE) + "\n"


def test_a_markdown_text_dump_gets_the_markdown_bundle(
    html_model: str, text_model: str, tiny_text_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    markdown_model = str(tiny_text_bundle.save(tmp_path / "markdown"))
    shipped = {"html": Path(html_model), "text": Path(text_model), "markdown": Path(markdown_model)}
    monkeypatch.setattr(chromecut.predict, "shipped_bundle_path", shipped.__getitem__)
    loads: list[str] = []
    real_load = Bundle.load
    monkeypatch.setattr(Bundle, "load", lambda path, *args: loads.append(str(path)) or real_load(path, *args))
    (tmp_path / "notes.txt").write_text("Home\n\n" + "\n".join(PROSE), encoding="utf-8")
    (tmp_path / "scraped.txt").write_text(MARKDOWN_DUMP, encoding="utf-8")
    out = tmp_path / "out"
    inputs = [str(tmp_path / "notes.txt"), str(tmp_path / "scraped.txt")]
    assert main(["clean", "--threshold", "0", "--out-dir", str(out), *inputs]) == EXIT_OK
    assert loads == [text_model, markdown_model]
    cleaned = Cleaner(tiny_text_bundle, threshold=0.0).clean(MARKDOWN_DUMP)
    assert cleaned and (out / "scraped.txt").read_text(encoding="utf-8") == cleaned + "\n"
    loads.clear()
    assert main(["clean", "--model", "text", "--out-dir", str(tmp_path / "forced"), str(tmp_path / "scraped.txt")]) \
        == EXIT_OK
    assert loads == [text_model]  # a chosen model is every document's


def test_a_truncated_warc_gz_keeps_the_records_before_the_damage(text_model: str, tmp_path: Path,
                                                                  capsys: Capture) -> None:
    data = b"".join(gzip.compress(record) for record in _crawl())
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(data[:-25])
    out = tmp_path / "out"
    assert main(["clean", "--model", text_model, "--out-dir", str(out), str(path)]) == EXIT_FAILED
    written = _records((out / "crawl.jsonl").read_text(encoding="utf-8"))
    assert [r["id"] for r in written] == ["<urn:uuid:1>", "<urn:uuid:2>"]
    err = capsys.readouterr().err
    assert err.startswith(f"chromecut: {path}: damaged archive at offset") and "<urn:uuid:2>" in err


def test_auto_sniffs_each_document(text_model: str, tiny_text_bundle: Bundle, tmp_path: Path,
                                   capsys: Capture) -> None:
    (tmp_path / "page.dat").write_text(synthetic_page(2), encoding="utf-8")  # HTML behind an unknown suffix
    (tmp_path / "notes.html").write_text("Home\n\n" + PROSE[1], encoding="utf-8")  # text behind .html
    inputs = [str(tmp_path / "page.dat"), str(tmp_path / "notes.html")]
    assert main(["label", "--model", text_model, "--threshold", "0", *inputs]) == EXIT_OK
    records = _records(capsys.readouterr().out)
    page_lines = [r["text"] for r in records if r["doc"] == inputs[0]]
    assert page_lines == Cleaner(tiny_text_bundle).segment(synthetic_page(2), mode="html").texts
    assert [r["text"] for r in records if r["doc"] == inputs[1]] == ["Home", "", PROSE[1]]


def test_a_missing_input_fails_alone(html_model: str, tmp_path: Path, capsys: Capture) -> None:
    (tmp_path / "a.html").write_text(synthetic_page(1), encoding="utf-8")
    missing = tmp_path / "missing.html"
    out = tmp_path / "out"
    assert main(["clean", "--model", html_model, "--out-dir", str(out), str(missing), str(tmp_path / "a.html")]
                ) == EXIT_FAILED
    assert [p.name for p in out.iterdir()] == ["a.txt"]
    assert capsys.readouterr().err == f"chromecut: {missing}: No such file or directory\n"


def test_text_input_to_an_html_model_fails_per_document_or_as_usage(html_model: str, tmp_path: Path,
                                                                     capsys: Capture) -> None:
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"id": "t", "text": "one\ntwo"}) + "\n", encoding="utf-8")
    assert main(["clean", "--model", html_model, str(path)]) == EXIT_FAILED
    assert "use a text model" in capsys.readouterr().err
    assert main(["clean", "--model", html_model, "--input-format", "text", str(path)]) == EXIT_USAGE


@pytest.mark.parametrize("args", [
    ["clean", "--model", "no/such/bundle", "x.html"],
    ["clean", "--threshold", "nan", "x.html"],
    ["clean", "-j", "0", "x.html"],
    ["clean", "--model", "{model}", "a.html", "b.html"],  # several plain inputs need --out-dir
    ["clean", "--model", "{model}", "--out-dir", "{tmp}", "a.html", "sub/a.htm"],  # same output
    ["label", "--model", "{model}", "--out-dir", "{tmp}", "a.jsonl"],  # would overwrite its input
    ["label", "--model", "{model}", "-", "-"],
])
def test_usage_errors_exit_2(args: list[str], html_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: Capture) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("{model}", html_model).replace("{tmp}", str(tmp_path)) for a in args]
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse errors
        status = int(exc.code or 0)
    assert status == EXIT_USAGE
    assert capsys.readouterr().out == "" and not any(tmp_path.iterdir())


def test_worker_processes_give_the_same_output_in_order(html_model: str, tmp_path: Path, capsys: Capture) -> None:
    pages = [tmp_path / f"p{i}.jsonl" for i in range(3)]
    for i, path in enumerate(pages):  # 42 documents: several batches in flight on both workers
        path.write_text("".join(json.dumps({"id": f"{i}-{k}", "html": synthetic_page(k)}) + "\n" for k in range(14)),
                        encoding="utf-8")
    inputs = [str(p) for p in pages]
    assert main(["clean", "--model", html_model, *inputs]) == EXIT_OK
    serial = capsys.readouterr().out
    assert main(["clean", "--model", html_model, "-j", "2", *inputs]) == EXIT_OK
    assert capsys.readouterr().out == serial


def test_a_shipped_bundle_that_cannot_be_loaded_stops_the_run(html_model: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    shipped = {"html": Path(html_model), "text": tmp_path / "not-trained-yet"}
    monkeypatch.setattr(chromecut.predict, "shipped_bundle_path", shipped.__getitem__)
    (tmp_path / "a.html").write_text(synthetic_page(1), encoding="utf-8")
    (tmp_path / "b.txt").write_text("Home\n" + PROSE[0], encoding="utf-8")
    out = tmp_path / "out"
    assert main(["clean", "--out-dir", str(out), str(tmp_path / "a.html"), str(tmp_path / "b.txt")]) == EXIT_USAGE
    assert "cannot load model 'text'" in capsys.readouterr().err
    assert not (out / "b.txt").exists() and not list(out.glob(".*"))


def test_the_command_line_settles_its_heap_after_loading_and_the_library_never_does(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("Home\n" + PROSE[0], encoding="utf-8")
    script = (
        "import gc, sys\n"
        "from chromecut.predict import Cleaner\n"
        "from chromecut.io.batch import load_cleaner, outcomes, plan, Settings\n"
        "Cleaner.load('text'); load_cleaner('text', None); print(gc.get_freeze_count())\n"
        "list(outcomes(plan([sys.argv[1]], Settings(model='text')))); print(gc.get_freeze_count())\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(page)], capture_output=True, text=True, check=True)
    library, command_line = (int(value) for value in result.stdout.split())
    assert library == 0 and command_line > 0


def test_no_reflow_scores_a_wrapped_dump_line_by_line(text_model: str, tiny_text_bundle: Bundle, tmp_path: Path,
                                                       capsys: Capture) -> None:
    dump = wrapped_dump()
    path = tmp_path / "wrapped.txt"
    path.write_text(dump, encoding="utf-8")
    for flags, reflow in (([], True), (["--no-reflow"], False)):
        assert main(["label", "--model", text_model, "--input-format", "text", *flags, str(path)]) == EXIT_OK
        got = [record["p_content"] for record in _records(capsys.readouterr().out)]
        expected = [line.p_content for line in Cleaner(tiny_text_bundle, reflow=reflow).label(dump)]
        assert got == pytest.approx(expected, abs=1e-4)  # the records round p_content to 4 digits
    assert Cleaner(tiny_text_bundle).label(dump) != Cleaner(tiny_text_bundle, reflow=False).label(dump)


def _p_contents(out: str) -> list[float]:
    return [record["p_content"] for record in _records(out)]


def test_site_names_the_inputs_site_so_its_repeated_lines_read_as_template(tmp_path: Path, capsys: Capture) -> None:
    pages = [site_page(i) for i in range(6)]
    files = []
    for i, page in enumerate(pages):
        files.append(tmp_path / f"page{i}.txt")
        files[-1].write_text(page, encoding="utf-8")
    args = ["label", "--model", "text", "--input-format", "text", *map(str, files)]
    assert main(args) == EXIT_OK
    unnamed = _p_contents(capsys.readouterr().out)
    assert main([*args, "--site", "example.com"]) == EXIT_OK
    named = _p_contents(capsys.readouterr().out)
    expected = Cleaner.load("text").label_pages(pages, sites=["example.com"] * len(pages))
    rounding = 5e-5  # label records carry p_content to four decimals
    assert named == pytest.approx([line.p_content for labels in expected for line in labels],  # type: ignore[union-attr]
                                  abs=rounding)
    assert named != unnamed and len(named) == sum(len(page.split("\n")) for page in pages)


def test_site_url_names_each_warc_records_site_by_its_host(tmp_path: Path, capsys: Capture) -> None:
    pages = [site_page(i) for i in range(4)]
    hosts = ["a.example", "b.example", "a.example", "b.example"]
    warc = tmp_path / "crawl.warc"
    warc.write_bytes(b"".join(warc_record("conversion", str(i), f"https://www.{host}/story/{i}", "text/plain",
                                          page.encode("utf-8"))
                              for i, (host, page) in enumerate(zip(hosts, pages, strict=True))))
    assert main(["label", "--model", "text", "--site", "url", str(warc)]) == EXIT_OK
    expected = Cleaner.load("text").label_pages(pages, sites=hosts)
    assert _p_contents(capsys.readouterr().out) == pytest.approx(
        [line.p_content for labels in expected for line in labels], abs=5e-5)  # type: ignore[union-attr]


def test_site_url_reads_a_json_lines_records_url_and_refuses_one_that_is_no_string(tmp_path: Path,
                                                                                    capsys: Capture) -> None:
    pages = [site_page(i) for i in range(4)]
    hosts = ["a.example", "a.example", "b.example", "b.example"]
    shard = tmp_path / "crawl.jsonl"
    records = [{"id": i, "text": page, "url": f"https://{host}/{i}"}
               for i, (host, page) in enumerate(zip(hosts, pages, strict=True))]
    shard.write_text("\n".join([*map(json.dumps, records), json.dumps({"id": 9, "text": "x", "url": 3})]) + "\n")
    assert main(["label", "--model", "text", "--site", "url", str(shard)]) == EXIT_FAILED
    captured = capsys.readouterr()
    expected = Cleaner.load("text").label_pages(pages, sites=hosts)
    assert _p_contents(captured.out) == pytest.approx(
        [line.p_content for labels in expected for line in labels], abs=5e-5)  # type: ignore[union-attr]
    assert "'url' must be a string" in captured.err
