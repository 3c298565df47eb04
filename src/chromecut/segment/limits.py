"""Resource limits of one page: its size in bytes, its lines, how deeply its HTML nests, and the time spent on it.

A page over a limit is refused whole with a :class:`LimitError` that names the limit (and the command-line option
that raises it): a page is never truncated, so a page that is labelled gets exactly one label per line.

What each limit bounds:

* ``max_page_bytes`` -- the bytes of a page as read (decompressed; UTF-8 bytes of a ``str``). The readers of
  :mod:`chromecut.io.inputs` stop reading a document one byte past it, so a gzip bomb or a huge JSON line never
  sits in memory whole.
* ``max_lines`` -- the lines of a page: counted before splitting in text mode, and during the walk of the tree
  in HTML mode (the walk stops at the first line too many).
* ``max_depth`` -- how deeply the page's elements nest, estimated from its tags before the HTML parser sees it:
  the parser's time grows with the square of the depth (200,000 nested ``<div>``\\ s take minutes), and the
  estimate costs one scan of the tags.
* ``page_timeout`` -- seconds spent on one page. The clock is checked between the steps of the pipeline (after
  decoding, after parsing, every :data:`DEADLINE_CHECK_NODES` nodes of the walk, after featurisation); a batch
  of pages labelled together shares one timeout and, when it runs out, its pages are labelled one by one, each
  with its own. The checks cannot interrupt a step that runs in C (the HTML parser, LightGBM): in worker
  processes (``--jobs`` >= 2) a watchdog also kills a worker whose batch overruns its hard limit
  (see :func:`hard_limit_seconds`) and fails the page that overran.

``None`` (``0`` on the command line) disables a limit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Largest page read, in bytes (16 MiB: far above real pages, which Common Crawl truncates at 1 MiB).
MAX_PAGE_BYTES_DEFAULT = 16 << 20
#: Most lines a page may have (a long real page has a few thousand).
MAX_LINES_DEFAULT = 100_000
#: Deepest element nesting an HTML page may have (real pages stay under a few hundred; browsers flatten the
#: tree below 512).
MAX_DEPTH_DEFAULT = 4096
#: Seconds one page may take.
PAGE_TIMEOUT_DEFAULT = 60.0
#: Nodes of the tree walked between two checks of the clock.
DEADLINE_CHECK_NODES = 4096
#: A worker's batch is killed after this many times the timeout of its pages ...
HARD_LIMIT_FACTOR = 2.0
#: ... plus this many seconds (a fresh worker loads its model first).
HARD_LIMIT_GRACE_SECONDS = 30.0
#: Most bytes UTF-8 spends on one code point.
UTF8_MAX_BYTES = 4
#: Tags that never hold children, and tags the parser closes by itself when a sibling opens: they do not nest.
_FLAT_TAGS = frozenset(
    "area base br col embed hr img input link meta source track wbr param keygen basefont bgsound frame "
    "p li dt dd option optgroup tr td th thead tbody tfoot rp rt colgroup caption a h1 h2 h3 h4 h5 h6 "
    "html head body".split()
)
#: Elements whose content is raw text (no tags inside).
_RAW_TEXT_TAGS = ("script", "style", "textarea", "title", "xmp", "plaintext", "noframes")


class LimitError(ValueError):
    """A page over one of its limits; the message names the limit and how to raise it."""


class PageTimeout(LimitError):
    """A page that took longer than the page timeout."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits of one page (see the module documentation); ``None`` disables one.

    Attributes
    ----------
    max_page_bytes, max_lines, max_depth, page_timeout:
        Defaults :data:`MAX_PAGE_BYTES_DEFAULT`, :data:`MAX_LINES_DEFAULT`, :data:`MAX_DEPTH_DEFAULT`,
        :data:`PAGE_TIMEOUT_DEFAULT` (seconds).
    """

    max_page_bytes: int | None = MAX_PAGE_BYTES_DEFAULT
    max_lines: int | None = MAX_LINES_DEFAULT
    max_depth: int | None = MAX_DEPTH_DEFAULT
    page_timeout: float | None = PAGE_TIMEOUT_DEFAULT

    def __post_init__(self) -> None:
        for name in ("max_page_bytes", "max_lines", "max_depth", "page_timeout"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive or None, got {value!r}")

    def deadline(self) -> Deadline:
        """A clock for one page (or one batch labelled together), started now."""
        return Deadline(self.page_timeout)

    def check_page_size(self, page: str | bytes) -> None:
        """Raise :class:`LimitError` when ``page`` is larger than ``max_page_bytes``."""
        if self.max_page_bytes is None:
            return
        if exceeds_bytes(page, self.max_page_bytes):
            raise LimitError(too_large_message(self.max_page_bytes))


#: No limit at all (as segmentation runs on its own, for training and data preparation).
UNLIMITED = Limits(None, None, None, None)


def too_large_message(max_page_bytes: int) -> str:
    """Why a page larger than ``max_page_bytes`` is refused."""
    return f"page is larger than {max_page_bytes} bytes (limit --max-page-bytes)"


def too_many_lines_message(max_lines: int) -> str:
    """Why a page with more than ``max_lines`` lines is refused."""
    return f"page has more than {max_lines} lines (limit --max-lines)"


def hard_limit_seconds(page_timeout: float | None, pages: int) -> float | None:
    """How long a worker may take over a batch of ``pages`` before it is killed (``None``: no limit)."""
    if page_timeout is None:
        return None
    return HARD_LIMIT_FACTOR * page_timeout * max(pages, 1) + HARD_LIMIT_GRACE_SECONDS


def exceeds_bytes(page: str | bytes, cap: int) -> bool:
    """Whether a page holds more than ``cap`` bytes; a ``str`` counts its UTF-8 bytes (encoded only when its
    length leaves a doubt: a code point takes one to four bytes)."""
    if isinstance(page, bytes) or len(page) > cap:
        return len(page) > cap
    if len(page) * UTF8_MAX_BYTES <= cap:
        return False
    return len(page.encode("utf-8", "surrogatepass")) > cap


class Deadline:
    """A page's clock: :meth:`check` raises :class:`PageTimeout` once ``seconds`` have passed.

    Parameters
    ----------
    seconds:
        The budget; ``None`` never expires.
    clock:
        Monotonic seconds (replaceable in tests).
    """

    __slots__ = ("_clock", "expires", "seconds")

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self.expires = None if seconds is None else clock() + seconds

    @property
    def real_time(self) -> bool:
        """Whether the clock is the real monotonic one (the compiled core can only keep to real seconds)."""
        return self._clock is time.monotonic

    def remaining(self) -> float | None:
        """Seconds left (negative once spent), ``None`` without a budget."""
        return None if self.expires is None else self.expires - self._clock()

    def check(self, step: str) -> None:
        """Raise :class:`PageTimeout` if the budget is spent (``step`` says where the page was)."""
        if self.expires is not None and self._clock() > self.expires:
            raise PageTimeout(f"page took longer than {self.seconds:g} s (limit --page-timeout; stopped {step})")


#: A deadline that never expires.
NO_DEADLINE = Deadline(None)


#: A ``<`` and what follows it: a comment's start, or an optional ``/`` and a tag name (letters, digits, ``-``
#: and ``:``, as ``str.isalnum``; possibly empty).
_TAG_START = re.compile(r"<(?:(!--)|(/?)((?:[^\W_]|[-:])*))")


def nesting_depth(html: str, stop_at: int | None = None) -> int:
    """Estimate how deeply the elements of an HTML page nest, from its tags alone (no parse).

    A start tag opens an element and its end tag closes the innermost open element of that name (an end tag
    without one is ignored); void elements and elements the parser closes by itself (``p``, ``li``, ``td``,
    ``a``, headings...) are not counted; comments and the content of ``script``, ``style`` and the other raw
    text elements are skipped. Stops early once the depth passes ``stop_at``. One pass over the text: linear
    in its length, whatever it holds.
    """
    lowered = html.lower()
    open_counts: dict[str, int] = {}
    depth = deepest = 0
    size = len(lowered)
    position: int | None = 0
    while position is not None:
        start_at, position = position, None
        for match in _TAG_START.finditer(lowered, start_at):
            start = match.start()
            if start >= size - 1:
                return deepest
            comment, closing, name = match.groups()
            if comment:
                end = lowered.find("-->", start + len("<!--"))
                if end < 0:
                    return deepest
                position = end + len("-->")
                break
            if not name or not name[0].isalpha():
                continue
            if closing:
                if open_counts.get(name, 0) > 0:
                    open_counts[name] -= 1
                    depth -= 1
            elif name in _RAW_TEXT_TAGS:
                close = lowered.find(f"</{name}", match.end())
                if close < 0:
                    return deepest
                position = close + len("</")
                break
            elif name not in _FLAT_TAGS:
                open_counts[name] = open_counts.get(name, 0) + 1
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if stop_at is not None and deepest > stop_at:
                        return deepest
    return deepest


def start_tags_at_most(html: str) -> int:
    """An upper bound of :func:`nesting_depth`, counted in C: each level it counts opens at a ``<`` that is not
    followed by ``/``."""
    return html.count("<") - html.count("</")


def check_depth(html: str, max_depth: int | None) -> None:
    """Raise :class:`LimitError` when the page nests deeper than ``max_depth`` (see :func:`nesting_depth`)."""
    if max_depth is None or start_tags_at_most(html) <= max_depth:  # cannot nest deeper than it has start tags
        return
    if nesting_depth(html, stop_at=max_depth) > max_depth:
        raise LimitError(f"page nests deeper than {max_depth} elements (limit --max-depth)")
