"""Peer main-content extractors run on the same pages as chromecut, and their token-level scores.

Five peers, each with its usual settings for main-content extraction:

* ``trafilatura`` -- ``trafilatura.extract`` as plain text, comments excluded, tables included, neither
  precision nor recall favoured (its default balance, with its fallback extractors).
* ``resiliparse`` -- ``extract_plain_text(HTMLTree.parse(...), main_content=True)``, comments excluded like
  trafilatura's (its own default keeps comment sections as main content; see :data:`INCLUDE_COMMENTS`).
* ``readability`` -- readability-lxml's ``Document(...).summary()``, turned into text by
  :func:`chromecut.segment.html.html_to_text`.
* ``boilerpy3`` -- ``ArticleExtractor().get_content(...)``.
* ``justext`` -- the paragraphs ``justext.justext`` does not mark as boilerplate, with the stoplist of the page's
  language: the ``language`` given, else the page's ``<html lang>``, else English; for a language jusText has no
  stoplist for, its language-independent mode (an empty stoplist with both stopword thresholds at 0).

Every peer gets the same text: the page bytes decoded once by :func:`chromecut.segment.encoding.decode_text`, so
differences in charset sniffing do not count against (or for) any peer. The peers are development
dependencies only; each is imported inside its own function, so importing this module imports none of them.

:func:`justext_lines` is the text-mode comparison: jusText's paragraph classifier run on lines of plain text.
:func:`evaluate_peers` scores every peer on every page and :func:`summarise` averages the scores.
"""

from __future__ import annotations

import html as html_lib
import importlib
import itertools
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from chromecut.datasets.loaders import GoldKind, Page
from chromecut.labels import PRF, shingle_prf, snippet_score
from chromecut.segment.encoding import decode_text

logger = logging.getLogger(__name__)

#: The peers, in the order reports list them.
PEERS: tuple[str, ...] = ("trafilatura", "resiliparse", "readability", "boilerpy3", "justext")

#: Whether peers that can keep user comments (trafilatura, resiliparse) do; the gold of the datasets is the
#: article without its comments (Dragnet keeps them apart), so both leave them out.
INCLUDE_COMMENTS = False
#: jusText stoplist used when a page's language is unknown.
JUSTEXT_DEFAULT_STOPLIST = "English"
#: jusText's stopword-density thresholds in its language-independent mode (empty stoplist), as its CLI sets them.
JUSTEXT_LANGUAGE_INDEPENDENT_STOPWORDS = 0.0
#: Pages per task handed to a worker process when ``n_jobs > 1``.
CHUNK_PAGES_DEFAULT = 8
#: Tasks kept in flight per worker, so a long page iterator is not read into memory all at once.
TASKS_IN_FLIGHT_PER_JOB = 2
#: Longest error message kept in a result row.
MAX_ERROR_CHARS = 300

#: ISO 639 codes (and a few legacy ones) -> the names of jusText's built-in stoplists.
JUSTEXT_STOPLISTS: dict[str, str] = {
    "af": "Afrikaans", "sq": "Albanian", "ar": "Arabic", "an": "Aragonese", "hy": "Armenian",
    "rup": "Aromanian", "ast": "Asturian", "az": "Azerbaijani", "eu": "Basque", "be": "Belarusian",
    "bn": "Bengali", "bpy": "Bishnupriya_Manipuri", "bs": "Bosnian", "br": "Breton", "bg": "Bulgarian",
    "ca": "Catalan", "ceb": "Cebuano", "cv": "Chuvash", "hr": "Croatian", "cs": "Czech", "da": "Danish",
    "nl": "Dutch", "en": "English", "eo": "Esperanto", "et": "Estonian", "fi": "Finnish", "fr": "French",
    "gl": "Galician", "ka": "Georgian", "de": "German", "el": "Greek", "gu": "Gujarati", "ht": "Haitian",
    "he": "Hebrew", "iw": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "is": "Icelandic", "io": "Ido",
    "ig": "Igbo", "id": "Indonesian", "in": "Indonesian", "ga": "Irish", "it": "Italian", "jv": "Javanese",
    "kn": "Kannada", "kk": "Kazakh", "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz", "la": "Latin",
    "lv": "Latvian", "lt": "Lithuanian", "lmo": "Lombard", "nds": "Low_Saxon", "lb": "Luxembourgish",
    "mk": "Macedonian", "ms": "Malay", "ml": "Malayalam", "mt": "Maltese", "mr": "Marathi",
    "nap": "Neapolitan", "ne": "Nepali", "new": "Newar", "nb": "Norwegian_Bokmal", "no": "Norwegian_Bokmal",
    "nn": "Norwegian_Nynorsk", "oc": "Occitan", "fa": "Persian", "pms": "Piedmontese", "pl": "Polish",
    "pt": "Portuguese", "qu": "Quechua", "ro": "Romanian", "ru": "Russian", "sr": "Serbian",
    "sh": "Serbo_Croatian", "scn": "Sicilian", "sk": "Slovak", "sl": "Slovenian", "es": "Spanish",
    "su": "Sundanese", "sw": "Swahili", "sv": "Swedish", "tl": "Tagalog", "ta": "Tamil", "te": "Telugu",
    "tr": "Turkish", "tk": "Turkmen", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese",
    "vo": "Volapuk", "wa": "Walloon", "war": "Waray_Waray", "cy": "Welsh", "fy": "West_Frisian",
    "pnb": "Western_Panjabi", "yo": "Yoruba",
}  # fmt: skip

#: Columns of :func:`evaluate_peers`'s frame.
RESULT_COLUMNS: tuple[str, ...] = ("dataset", "page_id", "peer", "precision", "recall", "f1", "seconds", "error")

# Characters an XML/HTML tree cannot hold (lxml refuses them): Python-whitespace ones become a space, the rest
# U+FFFD, so a line is blank for jusText exactly when ``line.strip()`` is empty.
_XML_INVALID_SPACE = re.compile("[\x0b\x0c\x1c-\x1f]")
_XML_INVALID_OTHER = re.compile("[\x00-\x08\x0e-\x1b\ud800-\udfff\ufffe\uffff]")
# The language a page declares on its root element (``lang`` or ``xml:lang``).
_HTML_LANG = re.compile(r"<html\b[^>]*?[\s:]lang\s*=\s*[\"']?\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.IGNORECASE)
# jusText's xpath of a paragraph that starts at the k-th <p> of the body (1-based), as justext_lines builds it.
_LINE_XPATH = re.compile(r"/html\[1\]/body\[1\]/p\[(\d+)\]")


# ----------------------------------------------------------------------------------------------------------
# Language -> jusText stoplist
# ----------------------------------------------------------------------------------------------------------


def justext_stoplist_name(language: str | None) -> str | None:
    """The jusText stoplist name for a language tag, or ``None`` when jusText has none for that language.

    ``language`` may be an ISO 639 code or a tag (``en``, ``en-US``, ``pt_BR``) or a jusText stoplist name
    (``German``). No language (``None`` or empty) means :data:`JUSTEXT_DEFAULT_STOPLIST`.
    """
    if language is None or not language.strip():
        return JUSTEXT_DEFAULT_STOPLIST
    tag = language.strip()
    by_name = {name.casefold(): name for name in set(JUSTEXT_STOPLISTS.values())}
    if tag.casefold() in by_name:
        return by_name[tag.casefold()]
    primary = tag.replace("_", "-").split("-")[0].lower()
    return JUSTEXT_STOPLISTS.get(primary)


@lru_cache(maxsize=32)
def _justext_stoplist(language: str | None) -> frozenset[str]:
    """The stoplist for ``language``; empty (language-independent mode) when jusText has none."""
    import justext

    name = justext_stoplist_name(language)
    if name is None or name not in justext.get_stoplists():
        return frozenset()
    return frozenset(str(word) for word in justext.get_stoplist(name))


def _run_justext(document: str, language: str | None) -> list[tuple[str, str, bool]]:
    """jusText on an HTML document: ``(xpath, text, is_boilerplate)`` of each paragraph, in document order."""
    import justext

    stoplist = _justext_stoplist(language)
    thresholds: dict[str, float] = {}
    if not stoplist:
        thresholds = {
            "stopwords_low": JUSTEXT_LANGUAGE_INDEPENDENT_STOPWORDS,
            "stopwords_high": JUSTEXT_LANGUAGE_INDEPENDENT_STOPWORDS,
        }
    paragraphs = justext.justext(document, stoplist, **thresholds)
    return [(str(p.xpath), str(p.text), bool(p.is_boilerplate)) for p in paragraphs]


# ----------------------------------------------------------------------------------------------------------
# The peers
# ----------------------------------------------------------------------------------------------------------


def _trafilatura(document: str, language: str | None) -> str:
    import trafilatura

    text = trafilatura.extract(document, include_comments=INCLUDE_COMMENTS, include_tables=True, favor_precision=False)
    return text or ""


def _resiliparse(document: str, language: str | None) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return extract_plain_text(HTMLTree.parse(document), main_content=True, comments=INCLUDE_COMMENTS)


def _readability(document: str, language: str | None) -> str:
    from readability import Document

    from chromecut.segment.html import html_to_text

    return html_to_text(str(Document(document).summary()))


def _boilerpy3(document: str, language: str | None) -> str:
    from boilerpy3 import extractors

    return str(extractors.ArticleExtractor().get_content(document))


def declared_language(document: str) -> str | None:
    """The language tag of a page's ``<html lang>`` (or ``xml:lang``), if it has one."""
    match = _HTML_LANG.search(document)
    return match.group(1) if match else None


def _justext(document: str, language: str | None) -> str:
    if not language:
        language = declared_language(document)
    return "\n".join(text for _, text, boilerplate in _run_justext(document, language) if not boilerplate)


_EXTRACTORS: dict[str, Callable[[str, str | None], str]] = {
    "trafilatura": _trafilatura,
    "resiliparse": _resiliparse,
    "readability": _readability,
    "boilerpy3": _boilerpy3,
    "justext": _justext,
}


#: The modules each peer's function imports, loaded before timing so no peer's first page pays for its import.
_PEER_MODULES: dict[str, tuple[str, ...]] = {
    "trafilatura": ("trafilatura",),
    "resiliparse": ("resiliparse.extract.html2text", "resiliparse.parse.html"),
    "readability": ("readability",),
    "boilerpy3": ("boilerpy3.extractors",),
    "justext": ("justext",),
}


def _warm_up(peers: Iterable[str]) -> None:
    """Import the peers' modules; a missing one is left for the peer call to report as its error."""
    for peer in peers:
        for module in _PEER_MODULES.get(peer, ()):
            try:
                importlib.import_module(module)
            except Exception:  # reported per page by the peer call itself
                logger.debug("peer %s: cannot import %s", peer, module, exc_info=True)


def _check_peer(peer: str) -> None:
    if peer not in _EXTRACTORS:
        raise ValueError(f"unknown peer {peer!r}; known peers: {', '.join(PEERS)}")


def _describe(exc: BaseException) -> str:
    """``Type: message``, followed by the exception's cause when it has one (boilerpy3 wraps its errors)."""
    message = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        message += f" (from {type(cause).__name__}: {cause})"
    return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 3] + "..."


def _extract_decoded(peer: str, document: str, language: str | None) -> tuple[str, str | None]:
    """Run one peer on decoded HTML; an exception becomes ``("", "<Type>: <message>")``."""
    try:
        return _EXTRACTORS[peer](document, language), None
    except Exception as exc:  # a peer failing on a page is a result to record, whatever it raises
        return "", _describe(exc)


def extract(peer: str, html: bytes, *, encoding_hint: str | None = None, language: str | None = None) -> str:
    """The main-content plain text ``peer`` extracts from ``html``.

    Parameters
    ----------
    peer:
        One of :data:`PEERS`.
    html:
        The page bytes (decoded with :func:`chromecut.segment.encoding.decode_text`).
    encoding_hint:
        An encoding known from outside the page.
    language:
        The page's language tag; only jusText uses it (to pick its stoplist; when ``None``, the page's own
        ``<html lang>``, else English).

    Raises
    ------
    ValueError
        If ``peer`` is unknown.
    Exception
        Whatever the peer raises (boilerpy3 raises on pages it finds no content in); see :func:`extract_safe`.
    """
    _check_peer(peer)
    return _EXTRACTORS[peer](decode_text(html, encoding_hint), language)


def extract_safe(
    peer: str, html: bytes, *, encoding_hint: str | None = None, language: str | None = None
) -> tuple[str, str | None]:
    """:func:`extract` that never raises for a page: ``(text, None)``, or ``("", "<Type>: <message>")``.

    An unknown ``peer`` still raises :class:`ValueError` (that is a mistake of the caller, not of the page).
    """
    _check_peer(peer)
    try:
        document = decode_text(html, encoding_hint)
    except Exception as exc:  # decoding is part of what the caller asked for; record it like a peer failure
        return "", _describe(exc)
    return _extract_decoded(peer, document, language)


# ----------------------------------------------------------------------------------------------------------
# jusText on lines of plain text
# ----------------------------------------------------------------------------------------------------------


def _xml_safe(line: str) -> str:
    return _XML_INVALID_OTHER.sub("\ufffd", _XML_INVALID_SPACE.sub(" ", line))


def justext_lines(lines: list[str], language: str | None, *, strict: bool = False) -> list[bool]:
    """jusText's paragraph classifier on plain-text lines (one block per line): ``True`` where a line is content.

    Each line becomes its own HTML-escaped ``<p>`` of a small document, blank lines included, so the ``k``-th
    ``<p>`` of the body is line ``k - 1``. jusText records the xpath of every paragraph it builds
    (``/html[1]/body[1]/p[k]``), which maps each paragraph to its line exactly, whatever jusText drops: blank
    lines make no paragraph (and are ``False``), and characters lxml cannot hold are replaced first (see
    ``_xml_safe``) so a line is blank to jusText exactly when ``line.strip()`` is empty.

    The number of mapped paragraphs is checked against the number of non-blank lines. A mismatch (a line
    jusText made no paragraph of, or a paragraph whose xpath names no line, which this construction should not
    produce) is logged as a warning; lines without a paragraph are ``False`` (not content) and paragraphs that
    name no line are ignored. With ``strict=True`` a mismatch raises :class:`ValueError` instead.

    Parameters
    ----------
    lines:
        The lines, without line terminators.
    language:
        The text's language tag, for the stoplist (see :func:`justext_stoplist_name`).
    strict:
        Raise on a paragraph/line mismatch instead of logging it.
    """
    result = [False] * len(lines)
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        return result
    body = "".join(f"<p>{html_lib.escape(_xml_safe(line))}</p>" for line in lines)
    document = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'
    mapped: set[int] = set()
    unmapped = 0
    for xpath, _, boilerplate in _run_justext(document, language):
        match = _LINE_XPATH.fullmatch(xpath)
        index = int(match.group(1)) - 1 if match else -1
        if not 0 <= index < len(lines) or index in mapped or not lines[index].strip():
            unmapped += 1
            continue
        mapped.add(index)
        result[index] = not boilerplate
    if unmapped or len(mapped) != len(nonblank):
        message = (
            f"justext_lines: {len(mapped)} paragraphs mapped to {len(nonblank)} non-blank lines "
            f"({unmapped} paragraphs named no line); unmapped lines are labelled not content"
        )
        if strict:
            raise ValueError(message)
        logger.warning(message)
    return result


# ----------------------------------------------------------------------------------------------------------
# Evaluation
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    dataset: str
    page_id: str
    peer: str
    precision: float
    recall: float
    f1: float
    seconds: float
    error: str | None


def score_page(text: str, page: Page) -> PRF | None:
    """Score an extraction against the page's gold; ``None`` when full-text gold has no text."""
    gold = page.gold
    if gold.kind is GoldKind.SNIPPETS:
        return snippet_score(text, gold.with_snippets, gold.without_snippets)
    if gold.text is None:
        return None
    return shingle_prf(text, gold.text)


def _evaluate_page(page: Page, peers: Sequence[str]) -> list[_Row]:
    """Every peer on one page. A peer's failure scores its empty output and is recorded in ``error``."""
    rows: list[_Row] = []
    try:
        document: str | None = decode_text(page.html, page.encoding_hint)
        decode_error = None
    except Exception as exc:  # a page that cannot be decoded fails for every peer
        document, decode_error = None, _describe(exc)
    for peer in peers:
        start = time.perf_counter()
        if document is None:
            text, error = "", decode_error
        else:
            text, error = _extract_decoded(peer, document, page.language)
        seconds = time.perf_counter() - start
        score = score_page(text, page)
        if score is None:
            nan = float("nan")
            rows.append(_Row(page.dataset, page.page_id, peer, nan, nan, nan, seconds, error or "gold has no text"))
        else:
            rows.append(_Row(page.dataset, page.page_id, peer, score.precision, score.recall, score.f1, seconds, error))
    return rows


def _evaluate_chunk(pages: list[Page], peers: tuple[str, ...]) -> list[_Row]:
    _warm_up(peers)
    return [row for page in pages for row in _evaluate_page(page, peers)]


def _chunks(pages: Iterable[Page], size: int) -> Iterator[list[Page]]:
    iterator = iter(pages)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _parallel_rows(
    pages: Iterable[Page], peers: tuple[str, ...], n_jobs: int, chunk_pages: int
) -> Iterator[list[_Row]]:
    """Chunks of pages evaluated in ``n_jobs`` processes; results come back in page order."""
    chunks = _chunks(pages, chunk_pages)
    limit = n_jobs * TASKS_IN_FLIGHT_PER_JOB
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        pending: dict[int, Future[list[_Row]]] = {}
        done: dict[int, list[_Row]] = {}
        submitted = emitted = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                pending[submitted] = pool.submit(_evaluate_chunk, chunk, peers)
                submitted += 1
            if not pending:
                break
            finished, _ = wait(pending.values(), return_when=FIRST_COMPLETED)
            for key in [key for key, future in pending.items() if future in finished]:
                done[key] = pending.pop(key).result()
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1


def evaluate_peers(
    pages: Iterable[Page],
    peers: Sequence[str] = PEERS,
    *,
    n_jobs: int = 1,
    chunk_pages: int = CHUNK_PAGES_DEFAULT,
) -> pd.DataFrame:
    """Every peer on every page: one row per (page, peer), in page order then ``peers`` order.

    Columns are :data:`RESULT_COLUMNS`. Full-text gold (TEXT, BLOCKS) is scored with
    :func:`chromecut.labels.shingle_prf` against ``gold.text``, snippet gold with
    :func:`chromecut.labels.snippet_score`. ``seconds`` is the wall time of the peer's extraction on text the
    page bytes were decoded to once (decoding is shared and not timed; the peers are imported before timing).
    A peer that raises is scored on empty output (so its failures count in the mean scores) and its exception
    is kept in ``error``; full-text gold without text gives NaN scores and an ``error``.

    Parameters
    ----------
    pages:
        The pages, read lazily.
    peers:
        Names from :data:`PEERS`.
    n_jobs:
        Worker processes; above 1, chunks of ``chunk_pages`` pages go to a :class:`ProcessPoolExecutor`
        (timings then share the machine's cores with the other workers).
    chunk_pages:
        Pages per worker task.

    Raises
    ------
    ValueError
        If a peer is unknown or ``n_jobs`` / ``chunk_pages`` is below 1.
    """
    peer_names = tuple(peers)
    for peer in peer_names:
        _check_peer(peer)
    if n_jobs < 1 or chunk_pages < 1:
        raise ValueError(f"n_jobs and chunk_pages must be at least 1, got {n_jobs} and {chunk_pages}")
    if n_jobs == 1:
        _warm_up(peer_names)
        batches: Iterable[list[_Row]] = (_evaluate_page(page, peer_names) for page in pages)
    else:
        batches = _parallel_rows(pages, peer_names, n_jobs, chunk_pages)
    records = [
        (r.dataset, r.page_id, r.peer, r.precision, r.recall, r.f1, r.seconds, r.error)
        for batch in batches
        for r in batch
    ]
    frame = pd.DataFrame.from_records(records, columns=list(RESULT_COLUMNS))
    return frame.astype(
        {
            "dataset": "string",
            "page_id": "string",
            "peer": "string",
            "precision": "float64",
            "recall": "float64",
            "f1": "float64",
            "seconds": "float64",
            "error": "object",
        }
    )


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean precision, recall, F1 and seconds per dataset x peer, with page and failure counts.

    Columns: ``dataset, peer, pages, precision, recall, f1, seconds, failures``. Scores average over the pages
    that have one (NaN scores, from gold without text, are left out); ``failures`` counts rows with an error.
    Peers keep the order of :data:`PEERS` within each dataset.
    """
    columns = ["dataset", "peer", "pages", "precision", "recall", "f1", "seconds", "failures"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    work = frame.assign(failed=frame["error"].notna())
    summary = (
        work.groupby(["dataset", "peer"], sort=False)
        .agg(
            pages=("page_id", "size"),
            precision=("precision", "mean"),
            recall=("recall", "mean"),
            f1=("f1", "mean"),
            seconds=("seconds", "mean"),
            failures=("failed", "sum"),
        )
        .reset_index()
    )
    order = {peer: i for i, peer in enumerate(PEERS)}
    summary["_order"] = summary["peer"].map(lambda peer: order.get(str(peer), len(order)))
    summary = summary.sort_values(["dataset", "_order", "peer"], kind="stable").drop(columns="_order")
    return summary.reset_index(drop=True)[columns]
