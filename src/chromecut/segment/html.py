"""Turn a page into lines: one line per block of an HTML page, or one per line of extracted plain text.

HTML mode parses the page once with lexbor (selectolax) and walks the tree with an explicit stack (deeply
nested pages cannot overflow Python's recursion). A *line* is the text a block-level element holds directly,
inline descendants (links, emphasis, spans) included, block descendants excluded; ``<br>`` and ``<hr>`` end a
line; list items start with ``- ``; ``<pre>`` keeps its own line breaks and spacing. Scripts, styles,
templates, form controls, ``<head>`` and hidden elements produce no lines. ``<noscript>`` content is kept
(some sites put their whole article there) and flagged with :attr:`Landmark.NOSCRIPT`. Every line carries markup
statistics of the block that owns it.

Text mode splits on ``\\n`` (a trailing ``\\r`` removed) and keeps every line, blank ones included, with all
markup statistics ``None``: missing, not zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntFlag
from functools import lru_cache
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from chromecut.segment.encoding import decode_bytes
from chromecut.segment.limits import (
    DEADLINE_CHECK_NODES,
    NO_DEADLINE,
    Deadline,
    LimitError,
    check_depth,
    too_many_lines_message,
)

#: How many class/id words of a line's ancestors (nearest first) a line keeps.
MAX_ATTR_WORDS_DEFAULT = 48
#: Class and id words shorter than this are dropped (``a``, ``x``: no meaning).
MIN_ATTR_WORD_CHARS = 2
#: Distinct (id, class) attribute pairs whose words are kept in memory.
ATTR_CACHE_SIZE = 65536
#: Prefix of list-item lines, as extraction tools write them.
LIST_MARKER = "- "


class Landmark(IntFlag):
    """Page regions a line is inside, from HTML5 sectioning elements and ARIA roles."""

    NONE = 0
    NAV = 1
    HEADER = 2
    FOOTER = 4
    ASIDE = 8
    FORM = 16
    MAIN = 32
    ARTICLE = 64
    DIALOG = 128
    FIGURE = 256
    NOSCRIPT = 512


_LANDMARK_TAGS: dict[str, Landmark] = {
    "nav": Landmark.NAV,
    "header": Landmark.HEADER,
    "footer": Landmark.FOOTER,
    "aside": Landmark.ASIDE,
    "form": Landmark.FORM,
    "main": Landmark.MAIN,
    "article": Landmark.ARTICLE,
    "dialog": Landmark.DIALOG,
    "figure": Landmark.FIGURE,
    "noscript": Landmark.NOSCRIPT,
}
_LANDMARK_ROLES: dict[str, Landmark] = {
    "navigation": Landmark.NAV,
    "menu": Landmark.NAV,
    "menubar": Landmark.NAV,
    "banner": Landmark.HEADER,
    "contentinfo": Landmark.FOOTER,
    "complementary": Landmark.ASIDE,
    "search": Landmark.FORM,
    "form": Landmark.FORM,
    "main": Landmark.MAIN,
    "article": Landmark.ARTICLE,
    "dialog": Landmark.DIALOG,
    "alertdialog": Landmark.DIALOG,
    "figure": Landmark.FIGURE,
}

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup html legend li main menu nav ol "
    "p pre section summary table tbody td tfoot th thead tr ul".split()
)
#: Elements whose content is never visible text of the page.
SKIP_TAGS = frozenset(
    "head script style template svg math iframe object embed canvas video audio select "
    "textarea input button option datalist map area param source track".split()
)
_LINE_BREAK_TAGS = frozenset(("br", "hr"))
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_ATTR_SPLIT = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z])(?=[A-Z])")
_TEXT_NODE = "-text"


@dataclass(slots=True)
class Line:
    """One line of a page and the markup statistics of the block that owns it (``None`` in text mode).

    ``link_chars`` counts the non-whitespace characters inside links, so link density is
    ``link_chars / non-whitespace characters of text``.
    """

    index: int
    text: str
    tag: str | None = None
    heading: int | None = None
    list_item: bool | None = None
    depth: int | None = None
    link_chars: int | None = None
    link_count: int | None = None
    attr_words: str | None = None
    landmarks: int | None = None

    @property
    def has_markup(self) -> bool:
        """Whether the line came from HTML (markup statistics present)."""
        return self.tag is not None


#: The markup statistics of a :class:`Line`, in the order tables list them.
MARKUP_FIELDS = ("tag", "heading", "list_item", "depth", "link_chars", "link_count", "attr_words", "landmarks")


@dataclass(slots=True)
class Segmentation:
    """The lines of one page, with what the page says about itself."""

    lines: list[Line]
    mode: str
    title: str | None = None
    #: The page's own summary: the first ``og:description`` meta of its head, else the first ``description``.
    summary: str | None = None
    language: str | None = None
    encoding: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        """The text of every line, in order."""
        return [line.text for line in self.lines]


@dataclass(slots=True)
class _Block:
    """State of the block element that owns the text being collected."""

    tag: str
    depth: int
    attr_words: tuple[str, ...]
    landmarks: int
    heading: int
    list_item: bool
    #: The block elements from ``body`` down to this one, each by its number in document order (``body``: ``()``).
    path: tuple[int, ...] = ()


class _LineBuilder:
    """Collects text pieces of the current block and flushes them into :class:`Line` objects."""

    __slots__ = ("bullet", "has_text", "lines", "link_chars", "link_count", "max_attr_words", "max_lines", "paths",
                 "pieces", "pre")

    def __init__(self, max_attr_words: int, max_lines: int | None = None, record_paths: bool = False) -> None:
        self.lines: list[Line] = []
        # With ``record_paths``, each line's block path (:attr:`_Block.path`), one per line: the DOM ancestry that
        # :func:`block_paths` gives feature prototypes (``benchmarks/extra_columns.py``).
        self.paths: list[tuple[int, ...]] | None = [] if record_paths else None
        self.pieces: list[str] = []
        self.has_text = False  # whether a piece holds more than whitespace
        self.link_chars = 0
        self.link_count = 0
        self.bullet = False
        self.pre = False
        self.max_attr_words = max_attr_words
        self.max_lines = max_lines

    def flush(self, block: _Block) -> None:
        if not self.pieces:
            # An empty block keeps pending link counts: a link that wraps a block counts for that block.
            return
        if not self.has_text:  # whitespace between blocks: no line, and the pending link counts end here
            self.pieces.clear()
            self.link_chars = self.link_count = 0
            return
        self.has_text = False
        raw = "".join(self.pieces)
        self.pieces.clear()
        if self.pre:
            texts = [t.rstrip() for t in raw.split("\n")]
        else:
            text = " ".join(raw.split())
            if not text:  # whitespace between blocks: no line, and the pending link counts end here
                self.link_chars = self.link_count = 0
                return
            texts = [text]
        words = None
        for text in texts:
            if not text.strip():
                continue
            if self.bullet:
                text = LIST_MARKER + text
                self.bullet = False
            if self.max_lines is not None and len(self.lines) >= self.max_lines:
                raise LimitError(too_many_lines_message(self.max_lines))
            if words is None:
                words = " ".join(block.attr_words[: self.max_attr_words])
            # Positional, in the field order of Line (index, text, tag, heading, list_item, depth, link_chars,
            # link_count, attr_words, landmarks): a line is made for every block, keywords cost.
            self.lines.append(Line(len(self.lines), text, block.tag, block.heading, block.list_item, block.depth,
                                   self.link_chars, self.link_count, words, block.landmarks))
            if self.paths is not None:
                self.paths.append(block.path)
            # Link statistics belong to the first physical line of a block; the rest of a <pre> has none.
            self.link_chars = self.link_count = 0
        self.link_chars = self.link_count = 0


@lru_cache(maxsize=ATTR_CACHE_SIZE)
def _split_attr_words(element_id: str, element_class: str) -> tuple[str, ...]:
    """Words of an id and a class attribute, lower case; pages repeat the same classes, so this is cached."""
    words: list[str] = []
    for value in (element_id, element_class):
        words.extend(w.lower() for w in _ATTR_SPLIT.split(value) if len(w) >= MIN_ATTR_WORD_CHARS)
    return tuple(words)


def _is_hidden(attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs:
        return True
    if (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = attrs.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style or "") is not None


def _walk(root: LexborNode, builder: _LineBuilder, deadline: Deadline = NO_DEADLINE) -> None:
    """Depth-first walk with an explicit stack; flushes a line at every block boundary; checks ``deadline``
    every :data:`chromecut.segment.limits.DEADLINE_CHECK_NODES` nodes."""
    root_block = _Block(tag="body", depth=0, attr_words=(), landmarks=0, heading=0, list_item=False)
    # Each frame: (children iterator, owning block, is this element a block, in-link flag, in-pre flag).
    stack: list[tuple[Iterator[LexborNode], _Block, bool, bool, bool]] = [
        (root.iter(include_text=True), root_block, True, False, False)
    ]
    visited = 0
    blocks = 0  # block elements entered, numbering them in document order for their paths
    pieces = builder.pieces  # flush() clears this list, never replaces it
    while stack:
        # A frame is resumed after each of its children that had a frame of its own; in between, its text and
        # childless elements are read in the inner loop.
        children, block, is_block, in_link, in_pre = stack[-1]
        for node in children:
            visited += 1
            if visited % DEADLINE_CHECK_NODES == 0:
                deadline.check("walking the page")
            tag = node.tag
            if tag == _TEXT_NODE:
                text = node.text_content
                if text:
                    pieces.append(text)
                    if not text.isspace():
                        builder.has_text = True
                    if in_link:
                        builder.link_chars += len("".join(text.split()))
                continue
            if tag is None or tag.startswith("-") or tag in SKIP_TAGS:
                continue
            if tag in _LINE_BREAK_TAGS:
                builder.pre = in_pre
                if in_pre:
                    pieces.append("\n")
                else:
                    builder.flush(block)
                continue
            attrs = node.attributes
            own_words: tuple[str, ...] = ()
            landmarks = block.landmarks | _LANDMARK_TAGS.get(tag, 0)
            if attrs:
                if ("hidden" in attrs or "aria-hidden" in attrs or "style" in attrs) and _is_hidden(attrs):
                    continue
                element_id, element_class = attrs.get("id"), attrs.get("class")
                if element_id or element_class:
                    own_words = _split_attr_words(element_id or "", element_class or "")
                role = attrs.get("role")
                if role:
                    landmarks |= _LANDMARK_ROLES.get(role.strip().lower(), 0)
                if tag == "a" and "href" in attrs:
                    builder.link_count += 1
            landmarks = int(landmarks)
            child_pre = in_pre or tag == "pre"
            child_link = in_link or tag == "a"
            if tag in BLOCK_TAGS:
                builder.pre = in_pre
                builder.flush(block)
                blocks += 1
                new_block = _Block(  # positional: tag, depth, attr_words, landmarks, heading, list_item, path
                    tag,
                    len(stack),
                    (own_words + block.attr_words) if own_words else block.attr_words,
                    landmarks,
                    _HEADINGS.get(tag, block.heading),
                    block.list_item or tag == "li",
                    (*block.path, blocks),
                )
                if tag == "li":
                    builder.bullet = True
                stack.append((node.iter(include_text=True), new_block, True, child_link, child_pre))
            else:
                inline_block = block
                if own_words or landmarks != block.landmarks:
                    # An inline element's class words and role reach the blocks nested inside it (a link or
                    # span that wraps a div); its own text stays on the enclosing block's line.
                    inline_block = _Block(block.tag, block.depth, block.attr_words + own_words, landmarks,
                                          block.heading, block.list_item, block.path)
                stack.append((node.iter(include_text=True), inline_block, False, child_link, child_pre))
            break  # into the child's frame
        else:  # every child read: the element ends (a step of the walk too, for the clock)
            visited += 1
            if visited % DEADLINE_CHECK_NODES == 0:
                deadline.check("walking the page")
            stack.pop()
            if is_block:
                builder.pre = in_pre
                builder.flush(block)


def segment_html(
    html: bytes | str,
    *,
    encoding_hint: str | None = None,
    max_attr_words: int = MAX_ATTR_WORDS_DEFAULT,
    max_lines: int | None = None,
    max_depth: int | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> Segmentation:
    """Segment an HTML page into block lines with markup statistics.

    The Rust core does it when the extension is built (:mod:`chromecut.segment.native`; same lines as
    :func:`segment_html_python`, the reference, which ``CHROMECUT_SEGMENT_ENGINE=python`` selects). Never raises on
    any input, unless a limit is given and passed (:class:`chromecut.segment.limits.LimitError`); parameters as
    :func:`segment_html_python`. A deadline on another clock than the real one (tests replace it) keeps the
    Python walker, which reads that clock as it goes.
    """
    from chromecut.segment import native

    if native.engine() == "rust" and deadline.real_time:
        return native.segment_html(html, encoding_hint=encoding_hint, max_attr_words=max_attr_words,
                                   max_lines=max_lines, max_depth=max_depth, deadline=deadline)
    return segment_html_python(html, encoding_hint=encoding_hint, max_attr_words=max_attr_words,
                               max_lines=max_lines, max_depth=max_depth, deadline=deadline)


def segment_html_python(
    html: bytes | str,
    *,
    encoding_hint: str | None = None,
    max_attr_words: int = MAX_ATTR_WORDS_DEFAULT,
    max_lines: int | None = None,
    max_depth: int | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> Segmentation:
    """Segment an HTML page into block lines with markup statistics: the Python reference (selectolax's lexbor),
    which the Rust core is held to (``benchmarks/segment_parity.py``).

    Never raises on any input, unless a limit is given and passed (:class:`chromecut.segment.limits.LimitError`).

    Parameters
    ----------
    html:
        The page, as bytes (decoded with BOM, UTF-8 validity, declared charset, detection) or text.
    encoding_hint:
        An encoding known from outside the page (HTTP header, dataset wrapper).
    max_attr_words:
        How many ancestor class/id words each line keeps, nearest first.
    max_lines, max_depth, deadline:
        Limits of the page (none by default; see :mod:`chromecut.segment.limits`): the walk stops at the first line
        over ``max_lines``; a page whose estimated nesting passes ``max_depth`` is refused before it is parsed;
        the clock is checked after decoding, after parsing and during the walk.
    """
    return _segment_python(html, encoding_hint, max_attr_words, max_lines, max_depth, deadline)[0]


def block_paths(html: bytes | str, *, encoding_hint: str | None = None,
                max_attr_words: int = MAX_ATTR_WORDS_DEFAULT) -> tuple[Segmentation, list[tuple[int, ...]]]:
    """The Python reference's segmentation of a page and, for each of its lines, the block elements it sits in: the
    numbers (in document order) of its block ancestors from ``body`` down to its own block. Two lines share a block
    ancestor when their paths share that number. For feature prototypes (``benchmarks/extra_columns.py``); the
    features of :mod:`chromecut.features` do not read it."""
    segmentation, paths = _segment_python(html, encoding_hint, max_attr_words, None, None, NO_DEADLINE,
                                          record_paths=True)
    return segmentation, paths or []


#: The ``<meta>`` names (of ``property`` or ``name``, stripped, any case) that give a page's summary, in order of
#: preference (``core/src/segment.rs``, ``SUMMARY_NAMES``).
SUMMARY_NAMES = ("og:description", "description")


def page_summary(tree: LexborHTMLParser) -> str | None:
    """The page's own summary: the ``content`` of the first ``<meta>`` of its head named by each of
    :data:`SUMMARY_NAMES` that has any (white space collapsed), the first name's when it has one."""
    found: dict[str, str] = {}
    head = tree.head
    for node in head.css("meta") if head is not None else ():
        attributes = node.attributes
        content = attributes.get("content")
        if content is None:
            continue
        for attribute in ("property", "name"):
            value = attributes.get(attribute)
            name = value.strip().lower() if value is not None else None
            if name in SUMMARY_NAMES:
                break
        else:
            continue
        collapsed = " ".join(content.split())
        if collapsed and name not in found:
            found[name] = collapsed
    return next((found[name] for name in SUMMARY_NAMES if name in found), None)


def _segment_python(html: bytes | str, encoding_hint: str | None, max_attr_words: int, max_lines: int | None,
                    max_depth: int | None, deadline: Deadline, record_paths: bool = False,
                    ) -> tuple[Segmentation, list[tuple[int, ...]] | None]:
    if isinstance(html, bytes):
        text, encoding = decode_bytes(html, encoding_hint)
    else:
        text, encoding = html, None
    deadline.check("after decoding")
    # lexbor treats NUL as a parse error and drops it; replace first so no input byte changes the tree shape.
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    check_depth(text, max_depth)
    tree = LexborHTMLParser(text)
    deadline.check("after parsing")
    builder = _LineBuilder(max_attr_words, max_lines, record_paths)
    body = tree.body
    if body is not None:
        _walk(body, builder, deadline)
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node is not None else None
    summary = page_summary(tree)
    html_node = tree.root
    language = None
    if html_node is not None and html_node.attributes:
        language = html_node.attributes.get("lang") or None
    segmentation = Segmentation(
        lines=builder.lines, mode="html", title=title or None, summary=summary, language=language,
        encoding=encoding,
    )
    return segmentation, builder.paths


def split_text_lines(text: str) -> list[str]:
    """Split extracted text the way ``chromecut label`` numbers it: on ``\\n``, one trailing ``\\r`` removed."""
    return [part[:-1] if part.endswith("\r") else part for part in text.split("\n")]


def segment_text(
    text: bytes | str,
    *,
    encoding_hint: str | None = None,
    max_lines: int | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> Segmentation:
    """Plain text (one block per line) into lines without markup statistics; blank lines are kept.

    ``max_lines`` (none by default) refuses a page with more lines before it is split
    (:class:`chromecut.segment.limits.LimitError`); ``deadline`` is checked after decoding.
    """
    encoding = None
    if isinstance(text, bytes):
        text, encoding = decode_bytes(text, encoding_hint)
    deadline.check("after decoding")
    if max_lines is not None and text.count("\n") >= max_lines:
        raise LimitError(too_many_lines_message(max_lines))
    lines = [Line(index=i, text=part) for i, part in enumerate(split_text_lines(text))]
    return Segmentation(lines=lines, mode="text", encoding=encoding)


def html_to_text(html: bytes | str) -> str:
    """The block lines of an HTML page joined by newlines (how gold given as HTML becomes text)."""
    return "\n".join(segment_html(html).texts)
