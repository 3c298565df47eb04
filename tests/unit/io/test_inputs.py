"""Inputs: output stems, formats picked by name, HTML sniffing, tolerant gzip."""

from __future__ import annotations

import gzip
import io

import pytest

from chromecut.datasets.renderers import RENDERERS, available_renderers, render
from chromecut.io.inputs import (
    GzipStream,
    looks_like_markdown,
    open_binary,
    output_stem,
    sniff_kind,
    source_format,
)

from synthetic import synthetic_page


@pytest.mark.parametrize(("name", "stem"), [
    ("a.html", "a"), ("dir/a.html.gz", "a"), ("a.HTML.GZ", "a"), ("www.example.com.html", "www.example.com"),
    ("notes", "notes"), ("CC-MAIN-1.warc.wet.gz", "CC-MAIN-1.warc"), ("-", "stdin"),
])
def test_output_stems_drop_compression_and_one_extension(name: str, stem: str) -> None:
    assert output_stem(name) == stem


@pytest.mark.parametrize(("name", "fmt", "expected"), [
    ("a.jsonl", "auto", "jsonl"), ("a.jsonl.gz", "auto", "jsonl"), ("a.warc", "auto", "warc"),
    ("a.warc.gz", "auto", "warc"), ("x.warc.wet.gz", "auto", "warc"), ("a.html", "auto", "sniff"),
    ("a.txt.gz", "auto", "sniff"), ("-", "auto", "sniff"), ("a.jsonl", "html", "html"), ("-", "warc", "warc"),
])
def test_auto_picks_containers_by_name_and_sniffs_the_rest(name: str, fmt: str, expected: str) -> None:
    assert source_format(name, fmt) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("page", [
    "<!DOCTYPE html><title>x</title>plain words",
    "\ufeff  \n<html lang='en'>",
    "<?xml version='1.0'?>\n<!-- generated -->\n<HTML><BODY>hello",
    "<head><meta charset=utf-8></head>",
    "<div><p>One</p><p>Two</p><span>three</span></div>",
    synthetic_page(1),
])
def test_html_is_sniffed_from_its_start_or_its_tag_density(page: str) -> None:
    assert sniff_kind(page) == "html"
    assert sniff_kind(page.encode("utf-8")) == "html"


@pytest.mark.parametrize("text", [
    "",
    "Just a line of text.\n\nAnother one.",
    "Use the <div> element to group things; see also the documentation, chapter two, and the index.",
    "if a < b and c > d then print(x)\n" * 20,
    "- Home\n- News\nStory 1\nThe council approved the new budget.",
])
def test_text_stays_text(text: str) -> None:
    assert sniff_kind(text) == "text"
    assert sniff_kind(text.encode("utf-8")) == "text"


def test_sniffing_reads_utf16_with_a_bom_and_only_looks_at_the_start() -> None:
    assert sniff_kind("\ufeff<!doctype html><p>x".encode("utf-16-le")) == "html"
    assert sniff_kind("words " * 2000 + "<p>a</p>" * 50, sample=1024) == "text"


def test_gzip_stream_reads_every_member_and_ignores_zero_padding() -> None:
    data = gzip.compress(b"first member\n") + gzip.compress(b"second member\n") + b"\x00" * 16
    stream = GzipStream(io.BytesIO(data), chunk_bytes=7)
    assert stream.read() == b"first member\nsecond member\n"
    assert stream.error is None


def test_gzip_stream_returns_what_precedes_the_damage_and_says_what_it_was() -> None:
    first = gzip.compress(b"A" * 5000)
    second = gzip.compress(bytes(range(256)) * 40)
    truncated = GzipStream(io.BytesIO(first + second[: len(second) // 2]))
    data = truncated.read()
    assert data.startswith(b"A" * 5000) and truncated.error is not None and "truncated" in truncated.error
    corrupt = GzipStream(io.BytesIO(first + b"\x1f\x8b\x08\x00garbage-garbage-garbage"))
    assert corrupt.read() == b"A" * 5000
    assert corrupt.error is not None and "corrupt" in corrupt.error


def test_open_binary_detects_gzip_by_magic_on_streams_without_peek() -> None:
    stream, gz = open_binary(io.BytesIO(gzip.compress(b"hello")))
    assert stream.read() == b"hello" and gz is not None
    plain, none = open_binary(io.BytesIO(b"hello"))
    assert plain.read() == b"hello" and none is None


MARKDOWN_DUMP = """[Skip to content](#main)
* [Home](/)
* [News](/news)
# Council approves budget
The council approved the new budget after a long debate that lasted well into the night.
## Related
* [Mayor resigns](/n/2 "Mayor resigns")
"""
PLAIN_DUMP = """Home News Sport
Council approves budget
The council approved the new budget after a long debate that lasted well into the night.
* Mayor resigns
* Rates stay put
Run it with: make build # a shell comment, not a heading
# then install
Prices rose by **a lot**, the minister said.
"""


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", available_renderers())
def test_markdown_is_sniffed_in_markdown_renderers_dumps_only(seed: int, name: str) -> None:
    dump = render(name, synthetic_page(seed))
    assert looks_like_markdown(dump) is RENDERERS[name].markdown
    assert looks_like_markdown(dump.encode("utf-8")) is RENDERERS[name].markdown


def test_markdown_needs_several_marks_for_its_lines() -> None:
    assert looks_like_markdown(MARKDOWN_DUMP)
    assert not looks_like_markdown(PLAIN_DUMP)  # bullets are not marks; one heading-like line and one **strong**
    assert not looks_like_markdown("# Title\n\nOne paragraph with [a link](/a).")  # two marks
    assert looks_like_markdown("# Title\n\nOne paragraph with [a link](/a) and ![a photo](/p.jpg).")
    prose = "A plain paragraph of the article, long enough to be prose.\n"
    assert not looks_like_markdown(MARKDOWN_DUMP.replace("\n", "\n" + prose * 30))  # 6 marks over 217 lines
    assert not looks_like_markdown("")
    assert not looks_like_markdown(MARKDOWN_DUMP, sample=10)


@pytest.mark.parametrize("hostile", ["[" * 20000 + "](", '[a](x "' * 5000, "[" * 9000 + "x" * 9000 + "]("])
def test_markdown_sniffing_reads_unclosed_brackets_as_plain_text(hostile: str) -> None:
    assert not looks_like_markdown(hostile)
    assert not looks_like_markdown(hostile + "\n[one](/1) [two](/2)")  # two marks over one long line each
    assert looks_like_markdown(hostile + "\n[one](/1) [two](/2) [three](/3)")
