"""One loader per labelled dataset in the shared dataset folder, each yielding :class:`Page` objects.

The folder is a setting: :func:`datasets_root` reads ``CHROMECUT_DATASETS`` and falls back to
``../shared/datasets`` beside the project root. Raw data is never modified or copied.

Every loader lists its pages as ``(page_id, build)`` pairs; :func:`iter_pages` sorts them by id and builds
each page on its own, so one broken page is skipped (and recorded) instead of stopping the dataset. Gold
text given as bytes is decoded with :func:`chromecut.segment.encoding.decode_text`, its line ends normalised to
``\\n`` and its outer whitespace stripped.

``domain`` names the site a page comes from, so that train / validation / test can be split by site. It is
the host of the page's URL, lowercased, reduced to its registrable part (``news.bbc.co.uk`` and
``www.bbc.co.uk`` are both ``bbc.co.uk``; blog hosts such as ``x.blogspot.com`` stay whole), with Wayback
Machine addresses unwrapped. When a dataset gives no URL, the page's own ``<link rel=canonical>``,
``og:url``, "saved from" comment or ``<base href>`` is used, then the site most of the page's absolute links
point to, and last ``<dataset>:<page_id>``, a site of its own.
"""

from __future__ import annotations

import gzip
import html as html_lib
import ipaddress
import json
import os
import re
import tarfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from chromecut.segment.encoding import decode_text, normalise_encoding_name
from chromecut.segment.html import BLOCK_TAGS, SKIP_TAGS, html_to_text

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
    """What the project knows of a dataset: its license and whether training may use it by default.

    ``language`` is the language the dataset's README states for all of its pages, if it states one.
    """

    name: str
    license: str
    permissive: bool
    gold_kind: GoldKind
    pages: int
    language: str | None = None


def datasets_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The dataset folder: ``root`` if given, else ``$CHROMECUT_DATASETS``, else ``../shared/datasets``."""
    if root is not None:
        return Path(root)
    env = os.environ.get(DATASETS_ENV_VAR)
    if env:
        return Path(env)
    project_root = Path(__file__).resolve().parents[3]
    return project_root.parent / "shared" / "datasets"


# --------------------------------------------------------------------------------------------------------
# Registry

#: Licenses under which training may use a dataset by default (SPDX identifiers).
PERMISSIVE_LICENSES = frozenset({"CC-BY-4.0", "Apache-2.0", "MIT"})
#: The archive every dataset but WCXB keeps its files in.
ARCHIVE_NAME = "data.tar.xz"


def _info(name: str, license: str, gold_kind: GoldKind, pages: int, language: str | None = None) -> DatasetInfo:
    return DatasetInfo(name, license, license in PERMISSIVE_LICENSES, gold_kind, pages, language)


DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        _info("wcxb", "CC-BY-4.0", GoldKind.TEXT, 1358),
        _info("readability", "Apache-2.0", GoldKind.TEXT, 130),
        _info("trafilatura", "Apache-2.0", GoldKind.SNIPPETS, 990),
        _info("dragnet", "AGPL-3.0 (data)", GoldKind.TEXT, 1381),
        _info("cleaneval", "none stated (CleanEval, research use)", GoldKind.TEXT, 739, "en"),
        _info("l3s-gn1", "L3S research-only", GoldKind.BLOCKS, 621, "en"),
        _info("cleanportaleval", "none stated", GoldKind.TEXT, 71, "en"),
        _info("msv-big9-chaos", "research-only", GoldKind.TEXT, 720, "en"),
        _info("htmltotext-benchmark", "none stated", GoldKind.TEXT, 28),
        _info("chinese-wce", "MIT", GoldKind.TEXT, 69, "zh"),
    )
}


# --------------------------------------------------------------------------------------------------------
# Shared helpers

#: A page as a loader lists it: its id and how to build it (building may raise; see ``_PAGE_ERRORS``).
_Entry = tuple[str, Callable[[], Page]]
_Loader = Callable[[Path], Iterable[_Entry]]


class _MissingFile(LookupError):
    """A file a page needs is not in the dataset."""


#: What building one page may raise without stopping the dataset.
_PAGE_ERRORS: tuple[type[Exception], ...] = (
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


def _member(files: Mapping[str, bytes], name: str) -> bytes:
    try:
        return files[name]
    except KeyError:
        raise _MissingFile(f"missing file {name}") from None


def _clean_text(text: str) -> str:
    """Line ends as ``\\n``, outer whitespace stripped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _decode_gold(data: bytes) -> str:
    return _clean_text(decode_text(data))


def _language_code(tag: object) -> str | None:
    """The primary subtag of a language tag, lowercased (``en-US`` -> ``en``); ``None`` if there is none."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary or None


def _snippets(values: object) -> tuple[str, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(value.strip() for value in values if isinstance(value, str) and value.strip())


def _stem(name: str) -> str:
    return PurePosixPath(name).stem


# --------------------------------------------------------------------------------------------------------
# Domains

#: Second-level labels under which country-code domains register names (``bbc.co.uk``, ``abc.net.au``).
_SECOND_LEVEL_LABELS = frozenset(
    "ac co com edu gob go gov govt mil ne net nhs nic nom or org sch ltd plc gv asn id info biz".split()
)
#: Hosts whose subdomains are separate sites (blogs): the registrable part keeps the subdomain.
_HOSTING_SUFFIXES = frozenset(
    "blogspot.com wordpress.com typepad.com tumblr.com livejournal.com github.io tripod.com".split()
)
_COUNTRY_CODE_CHARS = 2
_LEADING_WWW = re.compile(r"^www\d*\.")
_VALID_HOST = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
# A Wayback Machine capture, absolute or site-relative: the archived address follows the timestamp.
_WAYBACK = re.compile(
    r"^(?:(?:https?:)?//(?:web|web-beta|wayback)\.archive\.org)?/web/\d+[a-z_]*/(.+)$", re.IGNORECASE
)
_HAS_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://\S+", re.IGNORECASE)
_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.IGNORECASE)
#: How far into a page the "saved from url" comment of a browser-saved page is looked for.
SAVED_FROM_SNIFF_BYTES = 2048
#: The link-majority fallback: the top site needs this many links ...
MIN_SITE_LINKS = 5
#: ... and at least this share of all of the page's links, relative ones included. On the pages whose address
#: is known, the rule then names the right site for 98 % of the pages it names a site for.
MIN_SITE_LINK_SHARE = 0.5
_ABSOLUTE_LINKS = ("http://", "https://", "//", "/web/")
_NOT_PAGE_LINKS = ("#", "javascript:", "mailto:", "tel:", "data:")


def _unwrap_wayback(url: str) -> str:
    match = _WAYBACK.match(url)
    if match is None:
        return url
    inner = match.group(1)
    return inner if _HAS_SCHEME.match(inner) else f"http://{inner}"


def _site_of_host(host: str) -> str | None:
    """The registrable-ish part of a host name, or ``None`` when it is no public host name."""
    host = host.strip().rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    host = _LEADING_WWW.sub("", host)
    if not _VALID_HOST.match(host):
        return None
    labels = host.split(".")
    for suffix in _HOSTING_SUFFIXES:
        if host.endswith("." + suffix):
            return ".".join(labels[-(suffix.count(".") + 2) :])
    keep = 2
    if len(labels) >= 3 and len(labels[-1]) == _COUNTRY_CODE_CHARS and labels[-2] in _SECOND_LEVEL_LABELS:
        keep = 3
    return ".".join(labels[-keep:])


def _domain_of(url: str | None) -> str | None:
    """The site of an absolute URL (see the module docstring), or ``None`` if it has no usable host."""
    if not url:
        return None
    url = _unwrap_wayback(html_lib.unescape(url.strip()))
    if url.startswith("//"):
        url = "http:" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return _site_of_host(host) if host else None


def _declared_url(tree: LexborHTMLParser, html: bytes) -> str | None:
    """The page's own address as its markup states it: canonical link, ``og:url``, saved-from, ``<base>``."""
    base_node = tree.css_first("base[href]")
    base = (base_node.attributes.get("href") or "").strip() if base_node is not None else ""
    candidates: list[str | None] = []
    for node in tree.css("link[rel][href]"):
        if "canonical" in (node.attributes.get("rel") or "").lower().split():
            candidates.append(node.attributes.get("href"))
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        if "og:url" in ((attrs.get("property") or "").lower(), (attrs.get("name") or "").lower()):
            candidates.append(attrs.get("content"))
    saved = _SAVED_FROM.search(html[:SAVED_FROM_SNIFF_BYTES])
    if saved is not None:
        candidates.append(saved.group(1).decode("ascii", errors="replace"))
    candidates.append(base)
    for candidate in candidates:
        if not candidate or not candidate.strip():
            continue
        url = urljoin(_unwrap_wayback(base), _unwrap_wayback(html_lib.unescape(candidate.strip())))
        if _domain_of(url) is not None:
            return url
    return None


def _link_majority_site(tree: LexborHTMLParser) -> str | None:
    """The site most of a page's links point to, if it holds the majority of all links.

    Relative links count in the total (they point to the page's own, unnamed site), so a page whose
    navigation is relative and whose article links elsewhere gets no site rather than a wrong one.
    """
    sites: Counter[str] = Counter()
    total = 0
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.lower().startswith(_NOT_PAGE_LINKS):
            continue
        total += 1
        site = _domain_of(href) if href.lower().startswith(_ABSOLUTE_LINKS) else None
        if site is not None:
            sites[site] += 1
    if not sites:
        return None
    site, count = sites.most_common(1)[0]
    return site if count >= MIN_SITE_LINKS and count >= MIN_SITE_LINK_SHARE * total else None


def _site_from_html(html: bytes) -> tuple[str | None, str | None]:
    """``(url, domain)`` of a page known only by its HTML; either may be ``None``."""
    tree = LexborHTMLParser(html.decode("utf-8", errors="replace"))
    url = _declared_url(tree, html)
    if url is not None:
        return url, _domain_of(url)
    return None, _link_majority_site(tree)


def _locate(dataset: str, page_id: str, html: bytes, url: str | None = None) -> tuple[str | None, str]:
    """``(url, domain)`` of a page: from ``url`` when it has a host, else from the HTML, else a site of its own."""
    domain = _domain_of(url)
    if domain is None:
        url, domain = _site_from_html(html)
    return url, domain or f"{dataset}:{page_id}"


# --------------------------------------------------------------------------------------------------------
# WCXB

_WCXB_SPLIT_DIR = "dev"


def _load_wcxb(folder: Path) -> Iterator[_Entry]:
    files = json.loads((folder / "metadata.json").read_bytes()).get("files", {})
    html_dir = folder / _WCXB_SPLIT_DIR / "html"
    truth_dir = folder / _WCXB_SPLIT_DIR / "ground-truth"
    for path in html_dir.glob("*.html.gz"):
        page_id = path.name.removesuffix(".html.gz")
        meta = files.get(page_id, {})
        yield page_id, partial(_wcxb_page, page_id, path, truth_dir / f"{page_id}.json.gz", meta)


def _wcxb_page(page_id: str, html_path: Path, truth_path: Path, meta: Mapping[str, Any]) -> Page:
    record = json.loads(gzip.decompress(truth_path.read_bytes()))
    truth = record.get("ground_truth") or {}
    html = gzip.decompress(html_path.read_bytes())
    url = record.get("url") or None
    domain = _domain_of(url) or _site_of_host(str(meta.get("domain", "")))
    if domain is None:
        url, domain = _locate("wcxb", page_id, html)
    page_type = meta.get("page_type")
    gold = Gold(
        GoldKind.TEXT,
        text=_clean_text(truth.get("main_content") or ""),
        with_snippets=_snippets(truth.get("with")),
        without_snippets=_snippets(truth.get("without")),
    )
    extra = {"page_type": str(page_type)} if page_type else {}
    return Page("wcxb", page_id, domain, html, gold, url=url, extra=extra)


# --------------------------------------------------------------------------------------------------------
# Mozilla Readability

_READABILITY_DIR = "test/test-pages/"


def _load_readability(folder: Path) -> Iterator[_Entry]:
    files = read_archive(folder / ARCHIVE_NAME)
    cases = {name[len(_READABILITY_DIR) :].split("/")[0] for name in files if name.startswith(_READABILITY_DIR)}
    for case in cases:
        yield case, partial(_readability_page, case, files)


def _readability_page(case: str, files: Mapping[str, bytes]) -> Page:
    prefix = f"{_READABILITY_DIR}{case}/"
    html = _member(files, prefix + "source.html")
    expected = _member(files, prefix + "expected.html")
    metadata_bytes = files.get(prefix + "expected-metadata.json")
    metadata = json.loads(metadata_bytes) if metadata_bytes else {}
    url, domain = _locate("readability", case, html)
    gold = Gold(GoldKind.TEXT, text=_clean_text(html_to_text(expected)))
    return Page("readability", case, domain, html, gold, url=url, language=_language_code(metadata.get("lang")))


# --------------------------------------------------------------------------------------------------------
# Trafilatura

_TRAFILATURA_HTML_DIRS = ("tests/eval/", "tests/cache/")


def _load_trafilatura(folder: Path) -> Iterator[_Entry]:
    evaldata = json.loads((folder / "evaldata.json").read_bytes())
    files = read_archive(folder / ARCHIVE_NAME)
    for key, item in evaldata.items():
        yield str(item.get("file") or key), partial(_trafilatura_page, key, item, files)


def _trafilatura_page(key: str, item: Mapping[str, Any], files: Mapping[str, bytes]) -> Page:
    name = str(item["file"])
    for directory in _TRAFILATURA_HTML_DIRS:
        html = files.get(directory + name)
        if html is not None:
            break
    else:
        raise _MissingFile(f"{name} is in neither {' nor '.join(_TRAFILATURA_HTML_DIRS)}")
    # Keys are URLs, except a few ("hard::<file>", "xhttps://...") that only contain one or none.
    found = _URL_IN_TEXT.search(key)
    url, domain = _locate("trafilatura", name, html, found.group(0) if found else None)
    gold = Gold(
        GoldKind.SNIPPETS,
        with_snippets=_snippets(item.get("with")),
        without_snippets=_snippets(item.get("without")),
    )
    extra = {"key": key, "source": directory.rstrip("/")}
    return Page("trafilatura", name, domain, html, gold, url=url, extra=extra)


# --------------------------------------------------------------------------------------------------------
# Dragnet

#: The line separating article from comments, ``!@#$%^&*()  COMMENTS``; some files mistype it
#: (``!@ $%^&*()``, ``#$%^&*()``, one space or three).
_DRAGNET_COMMENTS_LINE = re.compile(r"^[ \t]*[!@#$%^&*()][!@#$%^&*() \t]*COMMENTS[ \t]*$", re.MULTILINE)
_DRAGNET_SPLIT_FILES = {"train": "training.txt", "test": "test.txt"}


def _read_id_list(path: Path) -> list[str]:
    """Ids one per line; read on its own (``training.txt`` lacks a final newline, so never concatenate)."""
    return path.read_text(encoding="utf-8").split()


def _load_dragnet(folder: Path) -> Iterator[_Entry]:
    split_of = {
        page_id: split
        for split, file_name in _DRAGNET_SPLIT_FILES.items()
        for page_id in _read_id_list(folder / file_name)
    }
    files = read_archive(folder / ARCHIVE_NAME)
    for name in files:
        if name.startswith("HTML/") and name.endswith(".html"):
            page_id = _stem(name)
            yield page_id, partial(_dragnet_page, page_id, files, split_of.get(page_id))


def _dragnet_page(page_id: str, files: Mapping[str, bytes], split: str | None) -> Page:
    html = _member(files, f"HTML/{page_id}.html")
    parts = _DRAGNET_COMMENTS_LINE.split(_decode_gold(_member(files, f"Corrected/{page_id}.html.corrected.txt")), 1)
    comments = parts[1].strip() if len(parts) > 1 else None
    gold = Gold(GoldKind.TEXT, text=parts[0].strip(), comments=comments)
    url, domain = _locate("dragnet", page_id, html)
    extra = {"split": split} if split else {}
    return Page("dragnet", page_id, domain, html, gold, url=url, extra=extra)


# --------------------------------------------------------------------------------------------------------
# CleanEval format (CleanEval, CleanPortalEval)

_CLEANEVAL_WRAPPER = re.compile(rb"^\s*<text\b([^>]*)>")
_CLEANEVAL_WRAPPER_END = re.compile(rb"</text>\s*$")
_CLEANEVAL_ATTRIBUTE = re.compile(rb"""(\w+)\s*=\s*"([^"]*)\"""")
_CLEANEVAL_URL_LINE = re.compile(r"^\s*URL:\s*(\S*)")
# Block markers: <p> paragraph, <h> heading, <l> list item; also mid-line, where table cells start.
_CLEANEVAL_MARKER = re.compile(r"<[phl]>", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_CLEANEVAL_SPLITS = ("dev", "final")


def _unwrap_cleaneval_input(data: bytes) -> tuple[bytes, dict[str, str]]:
    """The page without its ``<text id=... encoding=...>`` wrapper, and the wrapper's attributes."""
    match = _CLEANEVAL_WRAPPER.match(data)
    if match is None:
        return data, {}
    attributes = {
        key.decode("ascii").lower(): html_lib.unescape(value.decode("utf-8", errors="replace")).strip()
        for key, value in _CLEANEVAL_ATTRIBUTE.findall(match.group(1))
    }
    return _CLEANEVAL_WRAPPER_END.sub(b"", data[match.end() :]), attributes


def _parse_cleaneval_gold(text: str) -> tuple[str, str | None]:
    """CleanEval gold text as one line per block, and the URL of its ``URL:`` first line if it has one."""
    text = _clean_text(text)
    url = None
    first, _, rest = text.partition("\n")
    url_line = _CLEANEVAL_URL_LINE.match(first)
    if url_line is not None:
        url, text = url_line.group(1) or None, rest
    lines = []
    for block in _CLEANEVAL_MARKER.split(text):
        for paragraph in _BLANK_LINE.split(block):
            line = " ".join(html_lib.unescape(paragraph).split())
            if line:
                lines.append(line)
    return "\n".join(lines), url


def _cleaneval_format_entries(
    dataset: str, files: Mapping[str, bytes], prefix: str, id_prefix: str = ""
) -> Iterator[_Entry]:
    """The pages of one ``input/`` + ``GoldStandard/`` pair of folders under ``prefix``."""
    input_dir = f"{prefix}input/"
    for name in files:
        if name.startswith(input_dir) and name.endswith(".html"):
            stem = _stem(name)
            gold_name = f"{prefix}GoldStandard/{stem}.txt"
            yield id_prefix + stem, partial(_cleaneval_format_page, dataset, id_prefix + stem, files, name, gold_name)


def _cleaneval_format_page(dataset: str, page_id: str, files: Mapping[str, bytes], name: str, gold_name: str) -> Page:
    if gold_name not in files:
        raise _MissingFile(f"input without gold ({gold_name} does not exist)")
    html, attributes = _unwrap_cleaneval_input(files[name])
    text, gold_url = _parse_cleaneval_gold(decode_text(files[gold_name]))
    label = attributes.get("encoding")
    encoding_hint = label if normalise_encoding_name(label) else None
    url, domain = _locate(dataset, page_id, html, attributes.get("id") or gold_url)
    extra = {"title": attributes["title"]} if attributes.get("title") else {}
    if "/" in page_id:
        extra["split"] = page_id.split("/")[0]
    return Page(
        dataset, page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=DATASETS[dataset].language, encoding_hint=encoding_hint, extra=extra,
    )


def _load_cleaneval(folder: Path) -> Iterator[_Entry]:
    files = read_archive(folder / ARCHIVE_NAME)
    for split in _CLEANEVAL_SPLITS:
        yield from _cleaneval_format_entries("cleaneval", files, f"cleaneval-{split}/", f"{split}/")


def _load_cleanportaleval(folder: Path) -> Iterator[_Entry]:
    return _cleaneval_format_entries("cleanportaleval", read_archive(folder / ARCHIVE_NAME), "")


# --------------------------------------------------------------------------------------------------------
# L3S-GN1

_L3S_SELECTION = re.compile(r"\bx-nc-sel(\d)\b")
_L3S_INVISIBLE = re.compile(r"\bx-nc-invisible\b")
_L3S_URL_LINE = re.compile(r"^<urn:uuid:([0-9a-fA-F-]+)>\t(\S+)[ \t\r]*$", re.MULTILINE)
#: L3S selection classes: not content, headline, full text, supplemental, related content, comments.
L3S_NOT_CONTENT, L3S_HEADLINE, L3S_FULL_TEXT, L3S_SUPPLEMENTAL, L3S_RELATED, L3S_COMMENTS = range(6)
L3S_CONTENT_LABELS = frozenset({L3S_HEADLINE, L3S_FULL_TEXT})
L3S_CHROME_LABELS = frozenset({L3S_NOT_CONTENT, L3S_RELATED, L3S_COMMENTS})
_LINE_BREAK_TAGS = frozenset({"br", "hr"})
_TEXT_NODE = "-text"


def _l3s_blocks(annotated: bytes) -> tuple[tuple[str, int], ...]:
    """The labelled text blocks of an annotated L3S-GN1 page, in document order.

    A block is a run of text under one selection class inside one block-level element (links and other
    inline markup do not split it; ``<br>`` does). Text inside ``x-nc-invisible`` elements, scripts and
    styles is skipped. Visible text in no ``x-nc-selN`` span gets class 0: L3S-GN1 counts unselected text
    as not content.
    """
    tree = LexborHTMLParser(annotated.decode("utf-8", errors="replace"))
    root = tree.body
    if root is None:
        return ()
    blocks: list[tuple[str, int]] = []
    parts: list[str] = []
    current: tuple[int, int, int] | None = None
    breaks = 0

    def flush() -> None:
        text = " ".join("".join(parts).split())
        if text and current is not None:
            blocks.append((text, current[0]))
        parts.clear()

    # Explicit stack of (node, selection class, id of the nearest block-level element): no recursion limit.
    stack: list[tuple[LexborNode, int, int]] = [(root, L3S_NOT_CONTENT, root.mem_id)]
    while stack:
        node, label, block = stack.pop()
        tag = node.tag or ""
        if tag == _TEXT_NODE:
            text = node.text_content or ""
            if not text.strip():
                parts.append(" ")  # spacing between inline elements, not a block of its own
                continue
            key = (label, block, breaks)
            if key != current:
                flush()
                current = key
            parts.append(text)
            continue
        if tag in _LINE_BREAK_TAGS:
            breaks += 1
            continue
        if tag.startswith("-") or tag in SKIP_TAGS:
            continue
        classes = node.attributes.get("class") or ""
        if _L3S_INVISIBLE.search(classes):
            continue
        selection = _L3S_SELECTION.search(classes)
        child_label = int(selection.group(1)) if selection else label
        child_block = node.mem_id if tag in BLOCK_TAGS else block
        children = [(child, child_label, child_block) for child in node.iter(include_text=True)]
        stack.extend(reversed(children))
    flush()
    return tuple(blocks)


def _l3s_gold(annotated: bytes) -> Gold:
    blocks = _l3s_blocks(annotated)
    return Gold(
        GoldKind.BLOCKS,
        text="\n".join(text for text, label in blocks if label in L3S_CONTENT_LABELS),
        blocks=blocks,
        chrome_text="\n".join(text for text, label in blocks if label in L3S_CHROME_LABELS),
    )


def _load_l3s_gn1(folder: Path) -> Iterator[_Entry]:
    mapping = (folder / "url-mapping.txt").read_text(encoding="utf-8")
    urls = {uuid.lower(): url for uuid, url in _L3S_URL_LINE.findall(mapping)}
    files = read_archive(folder / ARCHIVE_NAME)
    for name in files:
        if name.startswith("original/") and name.endswith(".html"):
            page_id = _stem(name)
            yield page_id, partial(_l3s_page, page_id, files, urls.get(page_id.lower()))


def _l3s_page(page_id: str, files: Mapping[str, bytes], url: str | None) -> Page:
    # The page is the original; the annotated copy carries the labels and must never be the input.
    html = _member(files, f"original/{page_id}.html")
    gold = _l3s_gold(_member(files, f"annotated/{page_id}.html"))
    url, domain = _locate("l3s-gn1", page_id, html, url)
    return Page("l3s-gn1", page_id, domain, html, gold, url=url, language=DATASETS["l3s-gn1"].language)


# --------------------------------------------------------------------------------------------------------
# MSV Big9 / Chaos

_MSV_PATH = re.compile(r"^Extraction/([^/]+)/html/([^/]+)\.html?$")


def _load_msv_big9_chaos(folder: Path) -> Iterator[_Entry]:
    files = read_archive(folder / ARCHIVE_NAME)
    for name in files:
        match = _MSV_PATH.match(name)
        if match is not None:
            subset, stem = match.groups()
            yield f"{subset}/{stem}", partial(_msv_page, subset, stem, files, name)


def _msv_page(subset: str, stem: str, files: Mapping[str, bytes], name: str) -> Page:
    page_id = f"{subset}/{stem}"
    html = files[name]
    text = _decode_gold(_member(files, f"Extraction/{subset}/gold/{stem}.txt"))
    # File names start with a search keyword ("amd (1)"), not a site: the site comes from the HTML.
    url, domain = _locate("msv-big9-chaos", page_id, html)
    return Page(
        "msv-big9-chaos", page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=DATASETS["msv-big9-chaos"].language, extra={"set": subset},
    )


# --------------------------------------------------------------------------------------------------------
# htmltotext-benchmark

_HTMLTOTEXT_PATH = re.compile(r"^benchmarkdata/([^/]+)/html/([^/]+)\.html$")


def _load_htmltotext_benchmark(folder: Path) -> Iterator[_Entry]:
    files = read_archive(folder / ARCHIVE_NAME)
    for name in files:
        match = _HTMLTOTEXT_PATH.match(name)
        if match is not None:
            language, stem = match.groups()
            yield f"{language}/{stem}", partial(_htmltotext_page, language, stem, files)


def _htmltotext_page(language: str, stem: str, files: Mapping[str, bytes]) -> Page:
    page_id = f"{language}/{stem}"
    html = _member(files, f"benchmarkdata/{language}/html/{stem}.html")
    text = _decode_gold(_member(files, f"benchmarkdata/{language}/text/{stem}.txt"))
    url, domain = _locate("htmltotext-benchmark", page_id, html)
    return Page(
        "htmltotext-benchmark", page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=language.lower(),
    )


# --------------------------------------------------------------------------------------------------------
# Chinese Web Content Extraction Dataset

_CHINESE_WCE_FIELDS = ("author", "date")


def _load_chinese_wce(folder: Path) -> Iterator[_Entry]:
    files = read_archive(folder / ARCHIVE_NAME)
    for name in files:
        if name.startswith("original/") and name.endswith(".html"):
            page_id = _stem(name)
            yield page_id, partial(_chinese_wce_page, page_id, files)


def _chinese_wce_page(page_id: str, files: Mapping[str, bytes]) -> Page:
    html = _member(files, f"original/{page_id}.html")
    text = _decode_gold(_member(files, f"cleaned/{page_id}.txt"))
    extra = {
        name: _decode_gold(files[f"{name}/{page_id}.txt"])
        for name in _CHINESE_WCE_FIELDS
        if f"{name}/{page_id}.txt" in files
    }
    url, domain = _locate("chinese-wce", page_id, html)
    return Page(
        "chinese-wce", page_id, domain, html, Gold(GoldKind.TEXT, text=text), url=url,
        language=DATASETS["chinese-wce"].language, extra=extra,
    )


# --------------------------------------------------------------------------------------------------------
# Entry point

_LOADERS: dict[str, _Loader] = {
    "wcxb": _load_wcxb,
    "readability": _load_readability,
    "trafilatura": _load_trafilatura,
    "dragnet": _load_dragnet,
    "cleaneval": _load_cleaneval,
    "l3s-gn1": _load_l3s_gn1,
    "cleanportaleval": _load_cleanportaleval,
    "msv-big9-chaos": _load_msv_big9_chaos,
    "htmltotext-benchmark": _load_htmltotext_benchmark,
    "chinese-wce": _load_chinese_wce,
}


def iter_pages(
    name: str,
    root: str | os.PathLike[str] | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> Iterator[Page]:
    """The pages of dataset ``name``, sorted by page id, built one at a time as they are iterated.

    The name and folder are checked at the call; the files are read when iteration starts, each archive once.

    Parameters
    ----------
    name:
        A key of :data:`DATASETS`.
    root:
        The dataset folder (default: :func:`datasets_root`).
    errors:
        If given, receives ``(page_id, reason)`` for every page that could not be loaded (a missing or broken
        file); such pages are skipped, never raised.

    Raises
    ------
    ValueError
        If ``name`` is no known dataset.
    FileNotFoundError
        If the dataset's folder does not exist.
    """
    loader = _LOADERS.get(name)
    if loader is None:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    base = datasets_root(root)
    folder = base / name
    if not folder.is_dir():
        raise FileNotFoundError(
            f"dataset folder {folder} not found: put the datasets under {base} or point "
            f"{DATASETS_ENV_VAR} (or the root argument) at the folder that holds them"
        )
    return _build_pages(loader(folder), errors)


def _build_pages(entries: Iterable[_Entry], errors: list[tuple[str, str]] | None) -> Iterator[Page]:
    for page_id, build in sorted(entries, key=lambda entry: entry[0]):
        try:
            page = build()
        except _MissingFile as exc:
            if errors is not None:
                errors.append((page_id, str(exc)))
            continue
        except _PAGE_ERRORS as exc:
            if errors is not None:
                errors.append((page_id, f"{type(exc).__name__}: {exc}"))
            continue
        yield page
