"""Whole-page text dumps the way scrapers make them: a registry of real HTML -> text renderers.

Text mode is mostly fed what another tool already pulled out of a page, one block per line. Its training and
evaluation data are those dumps: every labelled page rendered by the renderers of the ecosystem, each with the
quirks users see (Markdown bullets and link targets, menus glued into one line when a renderer puts no break
between inline elements, blank lines between blocks), then labelled by the gold alignment
(:mod:`chromecut.datasets.renderings`).

Each renderer is a plain ``html: str -> text: str`` function with the renderer's documented defaults, except
where a parameter is named below and says why. A renderer whose package is not installed is *unavailable*
(:func:`available_renderers`): the peers' renderers (resiliparse, trafilatura) come with the dev extra only, the
others with ``chromecut[train]``. :func:`render` guards each call by the page's size and by time, so one slow
renderer on one page costs that page's dump, never the run.
"""

from __future__ import annotations

import importlib
import importlib.util
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from types import FrameType
from typing import Any

from chromecut.segment.html import segment_html

#: html2text wraps paragraphs at 78 characters by default; 0 keeps one block per line, as dumps do ...
HTML2TEXT_BODY_WIDTH = 0
#: ... and ``html2text-wrapped`` keeps that default, what ``html2text page.html`` writes: a hard-wrapped dump, which
#: text mode reads by paragraph (:mod:`chromecut.segment.reflow`).
HTML2TEXT_DEFAULT_BODY_WIDTH = 78
#: markdownify's heading style: ``#`` prefixes (ATX), what Markdown scrapers emit, not underlined headings.
MARKDOWNIFY_HEADING_STYLE = "ATX"
#: BeautifulSoup's parser for the ``bs4-*`` renderers: lxml, the fast parser scrapers pair it with.
BS4_PARSER = "lxml"
#: Separator ``bs4-lines`` puts between the page's strings (each text node on a line of its own) ...
BS4_LINE_SEPARATOR = "\n"
#: ... each string stripped, blank ones dropped: the usual ``get_text("\n", strip=True)`` recipe (unstripped,
#: three lines in four are the source's indentation).
BS4_STRIP = True
#: Elements a ``text_content()`` dump is cleaned of first (lxml returns script and style source otherwise,
#: which no scraper keeps and no gold holds).
LXML_DROPPED_TAGS = ("script", "style", "noscript", "template")
#: A page larger than this (characters of decoded HTML) is not rendered: the pure-Python renderers take
#: seconds per megabyte, and real pages stay far below it (Common Crawl truncates at 1 MiB).
MAX_RENDER_CHARS_DEFAULT = 4_000_000
#: Seconds one renderer may spend on one page before its dump of that page is given up.
RENDER_TIMEOUT_SECONDS_DEFAULT = 20.0

Render = Callable[[str], str]


class RenderError(RuntimeError):
    """A renderer refused or failed a page (too large, too slow, or it raised); the message says which."""


@dataclass(frozen=True, slots=True)
class Renderer:
    """One way of dumping a page to text.

    Attributes
    ----------
    name:
        The renderer's name in the table (``renderer`` column) and on the command line.
    package:
        The importable module it needs; without it the renderer is unavailable.
    render:
        ``html -> text``; imports its package when called, so the registry costs nothing to import.
    markdown:
        The dump is Markdown: link and image targets (``[text](url)``) are part of its lines, and the alignment
        sees the lines without them (:func:`chromecut.datasets.renderings.alignment_view`).
    glued:
        The dump runs blocks together with no break between them (a menu in one line, a breadcrumb run into the
        headline): ``prepare`` can split its lines at glue points for training
        (:func:`chromecut.datasets.renderings.split_at_glue`).
    max_chars:
        The size guard (:data:`MAX_RENDER_CHARS_DEFAULT` unless the renderer needs another).
    default:
        In the default selection (:func:`available_renderers`); a renderer that is not can still be named.
    """

    name: str
    package: str
    render: Render
    markdown: bool = False
    glued: bool = False
    max_chars: int = MAX_RENDER_CHARS_DEFAULT
    default: bool = True


def _html2text(html: str, body_width: int = HTML2TEXT_BODY_WIDTH) -> str:
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = body_width
    return str(converter.handle(html))


def _html2text_wrapped(html: str) -> str:
    return _html2text(html, HTML2TEXT_DEFAULT_BODY_WIDTH)


def _markdownify(html: str) -> str:
    import markdownify

    return str(markdownify.markdownify(html, heading_style=MARKDOWNIFY_HEADING_STYLE))


def _inscriptis(html: str) -> str:
    import inscriptis  # type: ignore[import-untyped]

    return str(inscriptis.get_text(html))


def _html_text(html: str) -> str:
    import html_text

    return str(html_text.extract_text(html))


def _bs4_lines(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, BS4_PARSER).get_text(BS4_LINE_SEPARATOR, strip=BS4_STRIP)


def _bs4_glued(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, BS4_PARSER).get_text()


def _lxml_glued(html: str) -> str:
    import lxml.etree  # type: ignore[import-untyped]
    import lxml.html  # type: ignore[import-untyped]

    if not html.strip():
        return ""
    tree = lxml.html.document_fromstring(html)
    lxml.etree.strip_elements(tree, *LXML_DROPPED_TAGS, with_tail=False)
    return str(tree.text_content())


def _resiliparse(list_bullets: bool) -> Render:
    def render(html: str) -> str:
        from resiliparse.extract.html2text import extract_plain_text

        return str(extract_plain_text(html, main_content=False, list_bullets=list_bullets))

    return render


def _trafilatura_html2txt(html: str) -> str:
    import trafilatura

    return str(trafilatura.html2txt(html))


def _chromecut(html: str) -> str:
    return "\n".join(segment_html(html).texts)


#: Every renderer, in the order reports list them.
RENDERERS: dict[str, Renderer] = {
    r.name: r
    for r in (
        Renderer("chromecut", "chromecut", _chromecut),
        Renderer("html2text", "html2text", _html2text, markdown=True),
        Renderer("markdownify", "markdownify", _markdownify, markdown=True),
        Renderer("inscriptis", "inscriptis", _inscriptis),
        Renderer("html-text", "html_text", _html_text),
        Renderer("bs4-lines", "bs4", _bs4_lines),
        Renderer("bs4-glued", "bs4", _bs4_glued, glued=True),
        Renderer("lxml-glued", "lxml", _lxml_glued, glued=True),
        Renderer("resiliparse", "resiliparse", _resiliparse(list_bullets=True)),
        Renderer("resiliparse-nobullets", "resiliparse", _resiliparse(list_bullets=False)),
        # trafilatura's html2txt joins the whole page into one line: no line to label apart from another, so
        # it is measured when named, not learnt from by default.
        Renderer("trafilatura-html2txt", "trafilatura", _trafilatura_html2txt, default=False),
        # html2text as its command line writes, wrapped at 78 columns: inference reads it by paragraph, the data
        # step's labels would be of the wrapped lines, so it is measured (the quality gate), not learnt from.
        Renderer("html2text-wrapped", "html2text", _html2text_wrapped, markdown=True, default=False),
    )
}


@cache
def is_available(name: str) -> bool:
    """Whether renderer ``name`` can run here (its package is installed); ``KeyError`` for an unknown name."""
    package = RENDERERS[name].package
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def available_renderers(*, include_optional: bool = False) -> tuple[str, ...]:
    """The renderers whose package is installed, in registry order: the default ones, or every one with
    ``include_optional``."""
    return tuple(name for name, r in RENDERERS.items() if (r.default or include_optional) and is_available(name))


def parse_renderers(spec: str) -> tuple[str, ...]:
    """Renderer names from ``a,b,...``; ``none`` (or an empty string) is none, ``default`` the available default
    ones, ``all`` every available one.

    Raises
    ------
    ValueError
        For an unknown name, or a renderer whose package is not installed (naming the package).
    """
    names = [part.strip() for part in spec.split(",") if part.strip()]
    if not names or names == ["none"]:
        return ()
    if names == ["default"]:
        return available_renderers()
    if names == ["all"]:
        return available_renderers(include_optional=True)
    unknown = [name for name in names if name not in RENDERERS]
    if unknown:
        raise ValueError(f"unknown renderer(s) {', '.join(unknown)}; known: {', '.join(RENDERERS)}")
    missing = [name for name in names if not is_available(name)]
    if missing:
        packages = sorted({RENDERERS[name].package for name in missing})
        raise ValueError(f"renderer(s) {', '.join(missing)} unavailable: install {', '.join(packages)}")
    return tuple(dict.fromkeys(names))


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError


@contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after ``seconds`` when this thread may (the main thread, with ``SIGALRM``, no timer
    already set); elsewhere the block runs to its end and :func:`render` judges its time afterwards. Code running
    in C (a parser) is interrupted when it returns to Python."""
    usable = (
        seconds is not None
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    )
    if not usable or seconds is None:
        yield
        return
    previous: Any = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def render(name: str, html: str, *, timeout: float | None = RENDER_TIMEOUT_SECONDS_DEFAULT) -> str:
    """Renderer ``name``'s dump of ``html``.

    Parameters
    ----------
    name:
        A key of :data:`RENDERERS`.
    html:
        The decoded page.
    timeout:
        Seconds the renderer may take (``None``: no limit); a dump that took longer is given up even when the
        renderer could not be interrupted, so the outcome does not depend on the process it ran in.

    Raises
    ------
    RenderError
        The page is over the renderer's size guard, it took too long, or the renderer raised (chained).
    """
    renderer = RENDERERS[name]
    if len(html) > renderer.max_chars:
        raise RenderError(f"{name}: page has more than {renderer.max_chars} characters")
    started = time.monotonic()
    try:
        with _alarm(timeout):
            text = renderer.render(html)
    except TimeoutError as exc:
        raise RenderError(f"{name}: took longer than {timeout:g} s") from exc
    except Exception as exc:  # a third-party renderer may raise anything; its page is skipped, not the run
        raise RenderError(f"{name}: {type(exc).__name__}: {exc}") from exc
    if timeout is not None and time.monotonic() - started > timeout:
        raise RenderError(f"{name}: took longer than {timeout:g} s")
    return text

