"""One loader per labelled dataset in the shared dataset folder, each yielding :class:`Page` objects.

The folder is a setting: :func:`datasets_root` reads ``CHROMECUT_DATASETS`` and falls back to
``../shared/datasets`` beside the project root. Raw data is never modified or copied.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

DATASETS_ENV_VAR = "CHROMECUT_DATASETS"


class GoldKind(StrEnum):
    """How a dataset states what the content of a page is."""

    TEXT = "text"  # full main text
    SNIPPETS = "snippets"  # must / must-not snippets only
    BLOCKS = "blocks"  # per-block human labels (L3S-GN1)


@dataclass(frozen=True, slots=True)
class Gold:
    """The gold of one page, in its dataset's own form.

    ``text`` is the full main text when the dataset has one (for L3S-GN1, the headline and full-text blocks
    joined by newlines). ``comments`` holds user comments a dataset separates from the article (Dragnet).
    ``with_snippets`` / ``without_snippets`` are the must / must-not snippets. ``blocks`` holds L3S-GN1's
    ``(text, selection class)`` pairs in document order, ``chrome_text`` the text of blocks a dataset marks
    as not content when it says so explicitly.
    """

    kind: GoldKind
    text: str | None = None
    comments: str | None = None
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()
    blocks: tuple[tuple[str, int], ...] = ()
    chrome_text: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One labelled page."""

    dataset: str
    page_id: str
    domain: str
    html: bytes
    gold: Gold
    url: str | None = None
    language: str | None = None
    encoding_hint: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """What the project knows of a dataset: its license and whether training may use it by default."""

    name: str
    license: str
    permissive: bool
    gold_kind: GoldKind
    pages: int


def datasets_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The dataset folder: ``root`` if given, else ``$CHROMECUT_DATASETS``, else ``../shared/datasets``."""
    if root is not None:
        return Path(root)
    env = os.environ.get(DATASETS_ENV_VAR)
    if env:
        return Path(env)
    project_root = Path(__file__).resolve().parents[2]
    return project_root.parent / "shared" / "datasets"


def iter_pages(name: str, root: str | os.PathLike[str] | None = None) -> Iterator[Page]:
    """Yield the pages of dataset ``name`` in a deterministic order."""
    raise NotImplementedError
