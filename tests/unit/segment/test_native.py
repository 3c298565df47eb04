"""The Rust core's segmentation (chromecut._core) against the Python reference, on tricky hand-made pages: every
field of every line, the title, the summary, the language and the encoding must be equal."""

from __future__ import annotations

import pytest

from chromecut.segment import native
from chromecut.segment.html import segment_html, segment_html_python
from chromecut.segment.limits import Deadline, LimitError, PageTimeout

pytestmark = pytest.mark.skipif(not native.available(), reason="chromecut._core is not built")

PAGES: dict[str, bytes | str] = {
    "nested lists": "<ul><li>one<li>two<ul><li>two.a<ol><li><p>deep</p></ol></ul></li></ul><li>stray",
    "pre": "<pre>\n  indented\n\n\ttab  end  \n<b>bold</b> <a href=x>link</a><br>after br</pre><p>x</p>",
    "br and hr": "<div class='addr'>Main St 1<br>Springfield<hr/>USA<br><br></div>text<br/>tail",
    "hidden": "<p hidden>h</p><div style='color:red; DISPLAY :none'>s</div><span aria-hidden=' True '>a</span>"
    "<p style='visibility:hidden'>v</p><p style=''>shown</p><p aria-hidden=false>also</p>",
    "noscript": "<head><noscript><style>x</style></noscript></head><body><noscript><p>Enable <b>JS</b></p>"
    "<img src=x></noscript><p>after</p>",
    "skipped": "<script>var a='<p>x</p>';</script><style>p{}</style><template><p>t</p></template>"
    "<select><option>o</select><button>b</button><textarea>t</textarea><svg><text>s</text></svg>"
    "<math><mi>x</mi></math><iframe>i</iframe><p>visible</p>",
    "deep nesting": "<div>" * 600 + "deep text" + "</div>" * 600 + "<p>after</p>",
    "broken markup": "<p>unclosed <b>bold <i>both</b> italic</i><table><tr><td>cell</td>stray text<tr><td>2"
    "</table></div></span><p <p>attr>x</p><a href=1>link <div>block in link</div></a><!-- c -- ><p>z",
    "landmarks and roles": "<header><nav><a href=/>Home</a></nav></header><main><article><h1 id=t>Title</h1>"
    "<figure><figcaption>cap</figcaption></figure></article></main><div role=' Navigation '>m</div>"
    "<aside class=sideBar>side</aside><footer role=contentinfo><form><p>f</p></form></footer><dialog>d</dialog>",
    "attr words": "<div id='mainContent' class='post-body entry_text x HTMLParser'><span class='inlineWrap'>"
    "<p class='a b'>text</p></span><p>more</p></div>",
    "whitespace": "<p>\u00a0\u2003a\u3000b\x1c c\u200b</p><p> \u00a0 </p><p>\x0b</p>",
    "nul and controls": "<p>a\x00b</p><p>\x01\x7f</p>",
    "entities": "<p>&amp; &lt;tag&gt; &nbsp;&eacute;&#x1F600; &bogus; &amp</p>",
    "frameset": "<frameset><frame src=a><noframes><p>nf</p></noframes></frameset>",
    "text after html": "<html><body><p>in</p></body></html><p>after</p>tail",
    "headings": "<h2>Sub <span>title</span></h2><h3><div>inside</div></h3><p>after</p>",
    "title and lang": "<html lang='fr'><head><title>  Le   titre </title></head><body><p>x</p></body>",
    "svg title first": "<body><svg><title>svg</title></svg><title>late</title><p>x</p>",
    "summaries": "<head><meta name=Description content=' plain &amp;\n one '><meta property='og:description ' "
    "content=''><meta property=og:description content='Og  one'></head><body><meta name=description "
    "content=body><template><meta property=og:description content=t></template><p>x</p>",
    "summary in the body only": "<p>x</p><meta name=description content='not read'>",
    "summary by name only": "<meta name=description><meta property=description content='by property'><p>x",
    "link counts": "<p><a href=a>one</a> <a>no href</a> <a href=b>two <b>bold</b></a></p>"
    "<a href=c><div>block link</div></a><a href=d></a><p>next</p>",
    "empty": "",
    "utf-8 bytes": "<p>Grüße, 東京</p>".encode(),
    "utf-8 bom": b"\xef\xbb\xbf<p>bom</p>",
    "utf-16 bom": b"\xff\xfe" + "<p>sixteen</p>".encode("utf-16-le"),
    "latin-1 declared": "<meta charset='iso-8859-1'><p>café</p>".encode("latin-1"),
    "cp1251 undeclared": ("<p>" + "Привет, мир. " * 20 + "</p>").encode("cp1251"),
}

HINTED: dict[str, tuple[bytes, str]] = {
    "shift-jis hint": ("<p>こんにちは世界</p>".encode("shift_jis"), "shift_jis"),
    "wrong hint": ("<p>naïve</p>".encode("cp1252"), "utf-16"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_rust_equals_python(name: str) -> None:
    page = PAGES[name]
    assert native.segment_html(page) == segment_html_python(page)


@pytest.mark.parametrize("name", list(HINTED))
def test_rust_equals_python_with_an_encoding_hint(name: str) -> None:
    page, hint = HINTED[name]
    assert native.segment_html(page, encoding_hint=hint) == segment_html_python(page, encoding_hint=hint)


def test_a_batch_mixes_bytes_text_and_failures() -> None:
    pages: list[bytes | str] = [PAGES["utf-8 bytes"], PAGES["latin-1 declared"], "<p>a<p>b<p>c", "\ud800<p>x</p>"]
    results = native.segment_html_pages(pages, max_lines=2)
    assert results[0] == segment_html_python(pages[0])
    assert results[1] == segment_html_python(pages[1])
    assert isinstance(results[2], LimitError)
    assert str(results[2]) == "page has more than 2 lines (limit --max-lines)"
    assert results[3] == segment_html_python(pages[3])  # lone surrogate: the Python reference takes the page


def test_limits_raise_as_the_reference_does() -> None:
    deep = "<div>" * 50 + "x"
    for implementation in (native.segment_html, segment_html_python):
        with pytest.raises(LimitError, match="nests deeper than 40"):
            implementation(deep, max_depth=40)
        with pytest.raises(LimitError, match="more than 1 lines"):
            implementation("<p>a<p>b", max_lines=1)
        spent = Deadline(1.0, clock=iter([0.0, 5.0, 5.0, 5.0]).__next__)
        with pytest.raises(PageTimeout, match=r"longer than 1 s .*stopped after decoding"):
            implementation("<p>a", deadline=spent)


def test_engine_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.ENGINE_ENV, "python")
    assert native.engine() == "python"
    monkeypatch.setenv(native.ENGINE_ENV, "auto")
    assert native.engine() == "rust"
    assert segment_html(PAGES["pre"]) == segment_html_python(PAGES["pre"])
    monkeypatch.setenv(native.ENGINE_ENV, "fast")
    with pytest.raises(ValueError, match="must be one of"):
        native.engine()


def test_random_bytes_never_fail() -> None:
    import random

    rng = random.Random(17)
    alphabet = b"<>/=\"' abcdiv p li pre br a href script !-- \x00\xff\xfe\xc3\xa9\n&;#x"
    pages = [bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 400))) for _ in range(300)]
    results = native.segment_html_pages(pages)
    for page, result in zip(pages, results, strict=True):
        assert not isinstance(result, Exception)
        assert result == segment_html_python(page)
