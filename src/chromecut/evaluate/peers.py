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
Scoring the peers against the gold of dataset pages (:func:`chromecut.evaluate.peer_scores.evaluate_peers`) is in
:mod:`chromecut.evaluate.peer_scores`; this module only runs them.
"""

from __future__ import annotations

import html as html_lib
import importlib
import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

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
#: Longest error message kept (in a result row of :mod:`chromecut.evaluate.peer_scores`).
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


def warm_up(peers: Iterable[str]) -> None:
    """Import the peers' modules, so that timing a peer's first page does not time its import; a missing module
    is left for the peer call to report as its error."""
    for peer in peers:
        for module in _PEER_MODULES.get(peer, ()):
            try:
                importlib.import_module(module)
            except Exception:  # reported per page by the peer call itself
                logger.debug("peer %s: cannot import %s", peer, module, exc_info=True)


def check_peer(peer: str) -> None:
    """Raise :class:`ValueError` for a name that is not one of :data:`PEERS` (a mistake of the caller)."""
    if peer not in _EXTRACTORS:
        raise ValueError(f"unknown peer {peer!r}; known peers: {', '.join(PEERS)}")


def describe_error(exc: BaseException) -> str:
    """``Type: message``, followed by the exception's cause when it has one (boilerpy3 wraps its errors)."""
    message = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        message += f" (from {type(cause).__name__}: {cause})"
    return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 3] + "..."


def extract_decoded(peer: str, document: str, language: str | None) -> tuple[str, str | None]:
    """Run one peer on decoded HTML; an exception becomes ``("", "<Type>: <message>")`` (see
    :func:`describe_error`). For callers that decode a page once for several peers."""
    try:
        return _EXTRACTORS[peer](document, language), None
    except Exception as exc:  # a peer failing on a page is a result to record, whatever it raises
        return "", describe_error(exc)


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
    check_peer(peer)
    return _EXTRACTORS[peer](decode_text(html, encoding_hint), language)


def extract_safe(
    peer: str, html: bytes, *, encoding_hint: str | None = None, language: str | None = None
) -> tuple[str, str | None]:
    """:func:`extract` that never raises for a page: ``(text, None)``, or ``("", "<Type>: <message>")``.

    An unknown ``peer`` still raises :class:`ValueError` (that is a mistake of the caller, not of the page).
    """
    check_peer(peer)
    try:
        document = decode_text(html, encoding_hint)
    except Exception as exc:  # decoding is part of what the caller asked for; record it like a peer failure
        return "", describe_error(exc)
    return extract_decoded(peer, document, language)


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
