"""The renderer registry: every renderer dumps a page one block per line, guards hold, selections parse."""

from __future__ import annotations

import time

import pytest

from chromecut.datasets import renderers
from chromecut.datasets.renderers import (
    RENDERERS,
    Renderer,
    RenderError,
    available_renderers,
    parse_renderers,
    render,
)

PAGE = """<html><head><title>Springfield Gazette</title><style>p { color: red }</style></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/w">Weather</a></li><li><a href="/s">Sports</a></li></ul></nav>
<h1>Council approves budget</h1>
<p>The council approved the new budget after a long debate that lasted well into the night.</p>
<script>var tracker = "should never show";</script>
</body></html>"""


def _boom(html: str) -> str:
    raise RuntimeError("renderer bug")


def _slow(html: str) -> str:
    time.sleep(2.0)
    return html


@pytest.mark.parametrize("name", available_renderers(include_optional=True))
def test_every_renderer_keeps_the_text_and_drops_script_and_style(name: str) -> None:
    text = render(name, PAGE)
    assert "approved the new budget" in text
    assert "should never show" not in text and "color: red" not in text


@pytest.mark.parametrize("name", available_renderers())
def test_default_renderers_put_blocks_on_lines_of_their_own(name: str) -> None:
    lines = render(name, PAGE).split("\n")
    body = [line for line in lines if "approved the new budget" in line]
    assert len(body) == 1 and "Council approves budget" not in body[0]


@pytest.mark.parametrize("name", ["bs4-glued", "lxml-glued"])
def test_glued_renderers_run_a_menu_together(name: str) -> None:
    if not renderers.is_available(name):
        pytest.skip(f"{name} not installed")
    assert "HomeWeatherSports" in render(name, PAGE)


def test_markdown_renderers_keep_bullets_and_link_targets() -> None:
    for name in ("html2text", "markdownify"):
        if renderers.is_available(name):
            assert RENDERERS[name].markdown
            assert "[Weather](/w)" in render(name, PAGE)


def test_a_failing_renderer_raises_render_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RENDERERS, "boom", Renderer("boom", "chromecut", _boom))
    with pytest.raises(RenderError, match="boom: RuntimeError: renderer bug"):
        render("boom", PAGE)


def test_size_and_time_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RENDERERS, "tiny", Renderer("tiny", "chromecut", str, max_chars=10))
    with pytest.raises(RenderError, match="more than 10 characters"):
        render("tiny", PAGE)
    monkeypatch.setitem(RENDERERS, "slow", Renderer("slow", "chromecut", _slow))
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"took longer than 0\.1 s"):
        render("slow", PAGE, timeout=0.1)
    assert time.monotonic() - started < 1.5  # interrupted, not waited out


def test_parse_renderers() -> None:
    assert parse_renderers("none") == () == parse_renderers("")
    assert parse_renderers("default") == available_renderers()
    assert parse_renderers("chromecut, chromecut") == ("chromecut",)
    assert set(available_renderers()) <= set(parse_renderers("all"))
    assert "trafilatura-html2txt" not in available_renderers()
    assert "html2text-wrapped" not in available_renderers()
    with pytest.raises(ValueError, match="unknown renderer"):
        parse_renderers("chromecut,nope")


def test_a_renderer_without_its_package_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RENDERERS, "ghost", Renderer("ghost", "no_such_package_for_chromecut", str))
    assert "ghost" not in available_renderers()
    with pytest.raises(ValueError, match="install no_such_package_for_chromecut"):
        parse_renderers("ghost")


def test_html2text_wrapped_writes_what_its_command_line_does() -> None:
    if not renderers.is_available("html2text-wrapped"):
        pytest.skip("html2text not installed")
    long_page = PAGE.replace("approved the new budget", "approved the new budget " + "after a long debate " * 8)
    lines = render("html2text-wrapped", long_page).split("\n")
    assert max(len(line) for line in lines if "](" not in line) <= renderers.HTML2TEXT_DEFAULT_BODY_WIDTH
    assert any("approved the new budget" in line for line in lines)
    assert sum("after a long debate" in line for line in lines) > 1, "the paragraph is wrapped"
    assert RENDERERS["html2text-wrapped"].markdown and not RENDERERS["html2text-wrapped"].default
