"""What every dataset reader shares: the page and gold types, the dataset folder, and small file helpers.

The folder is a setting: :func:`datasets_root` reads ``CHROMECUT_DATASETS`` and falls back to
``../shared/datasets`` beside the project root. Raw data is never modified or copied.

Every reader lists its pages as ``(page_id, build)`` pairs (an :data:`Entry`); :func:`chromecut.datasets.iter_pages`
sorts them by id and builds each page on its own, so one broken page is skipped (and recorded) instead of stopping
the dataset. Gold text given as bytes is decoded with :func:`chromecut.segment.encoding.decode_text`, its line ends
normalised to ``\\n`` and its outer whitespace stripped (:func:`decode_gold`).
"""

from __future__ import annotations

import os
import re
import tarfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath

from chromecut.segment.encoding import decode_text

DATASETS_ENV_VAR = "CHROMECUT_DATASETS"
#: Licenses under which training may use a dataset by default (SPDX identifiers).
PERMISSIVE_LICENSES = frozenset({"CC-BY-4.0", "Apache-2.0", "MIT"})
#: The archive every dataset but WCXB keeps its files in.
ARCHIVE_NAME = "data.tar.xz"
#: How many folders up from this file the project root is (datasets/, chromecut/, src/, then the root).
_PROJECT_ROOT_DEPTH = 3


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


#: The key of :attr:`Page.extra` that names the page's type (``article``, ``product``, ``forum``, ...) where its
#: dataset says (wcxb); the leave-one-dataset-out report breaks its scores down by it.
PAGE_TYPE = "page_type"


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
    #: The page's split (``train``, ``val``, ``test``) where its dataset gives one (your own pages,
    #: :mod:`chromecut.datasets.own`); ``None``: its site's (:func:`chromecut.datasets.prepare.split_of`).
    split: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """What the project knows of a dataset: its license and whether training may use it by default.

    ``language`` is the language the dataset's README states for all of its pages, if it states one.
    """

    name: str
    license: str
    permissive: bool
    gold_kind: GoldKind
    pages: int
    language: str | None = None


def dataset_info(name: str, license: str, gold_kind: GoldKind, pages: int, language: str | None = None) -> DatasetInfo:
    """A :class:`DatasetInfo` whose ``permissive`` follows from the license, so the two never disagree."""
    return DatasetInfo(name, license, license in PERMISSIVE_LICENSES, gold_kind, pages, language)


def datasets_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The dataset folder: ``root`` if given, else ``$CHROMECUT_DATASETS``, else ``../shared/datasets``."""
    if root is not None:
        return Path(root)
    env = os.environ.get(DATASETS_ENV_VAR)
    if env:
        return Path(env)
    project_root = Path(__file__).resolve().parents[_PROJECT_ROOT_DEPTH]
    return project_root.parent / "shared" / "datasets"


#: A page as a reader lists it: its id and how to build it (building may raise; see :data:`PAGE_ERRORS`).
Entry = tuple[str, Callable[[], Page]]
#: A reader: the dataset's folder -> its pages, unbuilt.
Loader = Callable[[Path], Iterable[Entry]]


class MissingFile(LookupError):
    """A file a page needs is not in the dataset."""


#: What building one page may raise without stopping the dataset.
PAGE_ERRORS: tuple[type[Exception], ...] = (
    LookupError, ValueError, TypeError, AttributeError, OSError, EOFError,
)


def read_archive(path: str | os.PathLike[str]) -> dict[str, bytes]:
    """Every regular file of an ``.tar.xz`` archive, by member path, as raw bytes."""
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:xz") as archive:
        for member in archive:
            if not member.isfile():
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                files[member.name] = handle.read()
    return files


def member(files: Mapping[str, bytes], name: str) -> bytes:
    """The file ``name`` of an archive read by :func:`read_archive`; :class:`MissingFile` if it is not there."""
    try:
        return files[name]
    except KeyError:
        raise MissingFile(f"missing file {name}") from None


def clean_text(text: str) -> str:
    """Line ends as ``\\n``, outer whitespace stripped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def decode_gold(data: bytes) -> str:
    """Gold text stored as bytes, decoded whatever its encoding and cleaned like :func:`clean_text`."""
    return clean_text(decode_text(data))


def language_code(tag: object) -> str | None:
    """The primary subtag of a language tag, lowercased (``en-US`` -> ``en``); ``None`` if there is none."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary or None


def snippets_of(values: object) -> tuple[str, ...]:
    """The non-blank strings of a JSON list of snippets, stripped; a missing or malformed list has none."""
    if not isinstance(values, list):
        return ()
    return tuple(value.strip() for value in values if isinstance(value, str) and value.strip())


def stem(name: str) -> str:
    """An archive member's file name without folder and extension (the page id of most datasets)."""
    return PurePosixPath(name).stem


def html_pages(files: Mapping[str, bytes], folder: str) -> Iterator[str]:
    """The page ids (stems) of the ``.html`` members directly or deeper under ``folder`` (ending in ``/``)."""
    for name in files:
        if name.startswith(folder) and name.endswith(".html"):
            yield stem(name)


def matching_members(files: Mapping[str, bytes], pattern: re.Pattern[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each member name the pattern matches, with the match's groups."""
    for name in files:
        match = pattern.match(name)
        if match is not None:
            yield name, match.groups()
