"""Line kinds: what each line of an HTML line frame is (headline, byline, caption, comment, tag cloud, ...), from
general markup and text patterns.

The kinds describe a line, they do not judge it: the datasets disagree on whether a headline, a caption or a
comment is content, and the kinds are how that disagreement is measured (:mod:`chromecut.evaluate.definitions`)
and how a model's mistakes are counted (:mod:`chromecut.evaluate.errors`). In HTML mode the evidence of
:data:`FEATURE_KINDS` is also a feature (:data:`KIND_FEATURES`), beside the article's boundaries
(:data:`ARTICLE_FEATURES`), both computed by the Rust core (``core/src/features/kinds.rs``) with the rules, words
and regexes of this module: the model learns how much each is worth. Nothing here is learned or tuned on a
dataset: each rule is a markup or text pattern that holds on any site, documented where it is defined.

Each kind has its own evidence (a boolean per line); a line takes the first kind of :data:`KIND_ORDER` whose
evidence it has, so specific kinds (a comment's byline is a comment) win over broad ones (navigation, body).

Class and id words are read relative to the page: a word every line of a page carries (the ``<body>``'s
``has-sidebar``, a wrapper's ``comments-open``) says nothing about a line, so a line is in a family's container
only when it carries more of that family's words than the page's least-marked line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from chromecut.evaluate.metrics import tokenize
from chromecut.features.keywords import ATTR_FAMILIES, COPYRIGHT_SYMBOLS, PATTERNS, TEXT_FAMILIES
from chromecut.segment.html import Landmark

Mask = npt.NDArray[np.bool_]


class Kind(StrEnum):
    """What a line is; see the evidence of each in :func:`kind_evidence`."""

    HEADLINE = "headline"
    COMMENT = "comment"
    CAPTION = "caption"
    TABLE_FIGURES = "table_figures"
    BYLINE = "byline"
    AUTHOR_BIO_CONTACT = "author_bio_contact"
    PROMO = "promo"
    TAG_CLOUD = "tag_cloud"
    FOOTER = "footer"
    NAVIGATION = "navigation"
    RELATED_LIST = "related_list"
    BODY = "body"
    OTHER = "other"


#: The order in which a line's evidence is read: the first kind it has evidence of is its kind.
KIND_ORDER: tuple[Kind, ...] = tuple(Kind)


@dataclass(frozen=True, slots=True)
class KindLimits:
    """The thresholds of the kinds' rules (each documented where it is used in :func:`kind_evidence`)."""

    short_tokens: int = 12
    """A byline, a comment's action or a widget heading is at most this long."""
    medium_tokens: int = 30
    """A promo, a copyright line or a contact line is at most this long (longer is prose that mentions it)."""
    body_min_tokens: int = 10
    """Prose: at least this many tokens with few links."""
    body_max_link_density: float = 0.3
    """Prose has at most this share of its characters in links."""
    link_dense: float = 0.7
    """A line of links (menu item, related headline, tag) has at least this share of its characters in links."""
    nav_max_tokens_per_link: float = 3.0
    """A menu item or a tag is a few words per link; a related headline is longer."""
    tag_cloud_min_links: int = 4
    """A tag cloud on one line holds at least this many links."""
    headline_line_in_title: float = 0.8
    """A headline's tokens are (at least this share) in the page's ``<title>``..."""
    headline_title_in_line: float = 0.5
    """...and it holds at least this share of the title's tokens (the site name is often added to the title)."""
    headline_min_tokens: int = 3
    """A title-matching line shorter than this is a site name or a section label, not a headline."""
    table_numeric_cell: float = 0.6
    """A table cell is a figure when at least this share of its characters are digits and number signs."""
    table_min_numeric_share: float = 0.4
    """A run of table cells is a table of figures when at least this share of its cells are figures..."""
    table_min_cells: int = 4
    """...and it has at least this many cells."""
    comment_action_max_tokens: int = 4
    """A comment's action ("Reply", "12 likes", "Report abuse") is a link of at most this many tokens."""
    comment_min_actions: int = 3
    """A comment thread repeats its reply/like links: at least this many on a page..."""
    comment_max_gap: int = 30
    """...at most this many lines apart (typically)."""


LIMITS_DEFAULT = KindLimits()


class Phrases:
    """Phrases matched as runs of whole tokens (:func:`chromecut.evaluate.metrics.tokenize`: case-folded words,
    one token per CJK character), so matching a line is a few set look-ups, not one regex per phrase."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = tuple(tokenize(phrase))
            if words:
                self.by_first.setdefault(words[0], []).append(words[1:])

    def found(self, tokens: Sequence[str]) -> bool:
        """Whether one of the phrases occurs in ``tokens``."""
        by_first = self.by_first
        for i, token in enumerate(tokens):
            rests = by_first.get(token)
            if rests is not None:
                for rest in rests:
                    if tuple(tokens[i + 1: i + 1 + len(rest)]) == rest:
                        return True
        return False

    def search(self, tokens: Sequence[Sequence[str]], where: Mask | None = None) -> Mask:
        """Whether one of the phrases occurs in each line's tokens (only the ``where`` lines are searched)."""
        out = np.zeros(len(tokens), dtype=np.bool_)
        rows = range(len(tokens)) if where is None else np.flatnonzero(where).tolist()
        for i in rows:
            out[i] = self.found(tokens[i])
        return out


def _attr_family(words: Iterable[str]) -> re.Pattern[str]:
    """Class/id words matched like :data:`chromecut.features.keywords.ATTR_FAMILIES`: as a whole word or a prefix."""
    return re.compile("(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\w*")


def _exact_or_prefix(words: Iterable[str], prefixes: Iterable[str]) -> re.Pattern[str]:
    """Class/id words matched whole (``words``, with a number after: ``ad2``) or by prefix (``prefixes``)."""
    return re.compile(r"(?:" + "|".join(map(re.escape, words)) + r")\d*|(?:"
                      + "|".join(map(re.escape, prefixes)) + r")\w*")


# --- class/id word families ----------------------------------------------------------------------------------------
# The shared families of the features, and finer ones where a shared family mixes kinds ("meta" holds bylines,
# captions and tags alike).
#: Words of a figure's caption or credit container.
CAPTION_WORDS = ("caption", "figcaption", "credit", "photo", "figure", "gallery", "lightbox")
#: Words of an author container: short lines are the byline, long ones the author's bio.
AUTHOR_WORDS = ("byline", "author", "writer", "contributor")
#: Words of a date or metadata line.
DATELINE_WORDS = ("date", "time", "timestamp", "published", "pubdate", "dateline", "posted", "meta")
#: Words of a tag, keyword or topic list.
TAG_WORDS = ("tag", "tags", "keyword", "topic", "category", "categories", "hashtag")
#: Words of an author's bio or contact box.
BIO_WORDS = ("bio", "biography", "vcard", "contact")
#: Advertisement words matched whole (the features' ``ad`` prefix also takes "address", "admin", "add"), and
#: prefixes long enough to be safe.
AD_WORDS = ("ad", "ads", "gpt", "dfp")
AD_PREFIXES = ("advert", "sponsor", "adsense", "adslot", "adunit", "adcontainer", "adwrapper", "doubleclick")
#: Words of a promo beyond the shared ``login`` and ``ad`` families.
PROMO_WORDS = ("donate", "donation", "membership", "cta", "upsell")

ATTR_GROUPS: dict[str, re.Pattern[str]] = {
    "comment": ATTR_FAMILIES["comment"],
    "nav": ATTR_FAMILIES["nav"],
    "footer": ATTR_FAMILIES["footer"],
    "related": ATTR_FAMILIES["related"],
    "sidebar": ATTR_FAMILIES["sidebar"],
    "login": ATTR_FAMILIES["login"],
    "ad": _exact_or_prefix(AD_WORDS, AD_PREFIXES),
    "follow": _attr_family(("follow",)),
    "caption": _attr_family(CAPTION_WORDS),
    "author": _attr_family(AUTHOR_WORDS),
    "dateline": _attr_family(DATELINE_WORDS),
    "tags": _attr_family(TAG_WORDS),
    "bio": _attr_family(BIO_WORDS),
    "promo": _attr_family(PROMO_WORDS),
}
_GROUP_NAMES = tuple(ATTR_GROUPS)
#: Groups read without the nearest-container rule of :func:`_attr_groups`.
_NO_NEAREST_RULE = frozenset(("comment",))
#: Class/id words whose groups are kept in memory (pages repeat the same words).
ATTR_CACHE_SIZE = 65536


@lru_cache(maxsize=ATTR_CACHE_SIZE)
def _word_groups(word: str) -> tuple[bool, ...]:
    return tuple(pattern.fullmatch(word) is not None for pattern in ATTR_GROUPS.values())


# --- text patterns -------------------------------------------------------------------------------------------------
#: "By Jane Doe", "Posted by", "von", "par": a byline's opening word.
BYLINE_OPENING = re.compile(
    r"^\s*(?:by|written by|posted by|published|posted|updated|von|par|por|di|door|przez|autor|author|"
    r"veröffentlicht|publié|publicado|pubblicato)\b", re.IGNORECASE)
#: Photo agencies named in credits ("(c) Getty", "Foto: dpa").
PHOTO_AGENCIES = ("getty", "getty images", "reuters", "ap", "ap photo", "afp", "dpa", "epa", "shutterstock",
                  "istock", "istockphoto", "alamy", "imago", "picture alliance", "xinhua", "pa", "unsplash")
#: A credit: "Photo: ...", "Image by ...", "Foto: ...", "Courtesy of ..." at the start of a line, after a
#: sentence or in brackets, or © / (c) followed by a photo agency.
CAPTION_CREDIT = re.compile(
    r"(?:^|[.!?]\s+|[(\[|/–—-]\s*)(?:photo(?:graph)?s?|images?|pictures?|credits?|foto|bild|courtesy)"
    r"(?:\s+credits?)?\s*(?::|by\b|of\b|/)"
    r"|(?:©|\(c\))\s*(?:" + "|".join(re.escape(a) for a in PHOTO_AGENCIES) + r")\b", re.IGNORECASE)
#: Actions under each comment of a thread, besides the comment words of the features ("Reply", "Antworten").
COMMENT_ACTIONS = ("like", "likes", "permalink", "report", "report abuse", "flag", "quote", "upvote", "downvote",
                   "gefällt mir", "melden", "j'aime", "signaler", "me gusta", "denunciar", "mi piace", "segnala",
                   "点赞", "举报")
COMMENT_TEXT = Phrases(TEXT_FAMILIES["comments"])
COMMENT_ACTION_TEXT = Phrases((*TEXT_FAMILIES["comments"], *COMMENT_ACTIONS))
#: "Tags:", "Keywords:", "Schlagwörter:" opening a list of tags.
TAG_LABEL = re.compile(
    r"^\s*(?:tags?|tagged(?: with)?|keywords?|topics?|filed under|categories|schlagw(?:ö|oe)rter|themen|"
    r"étiquettes|mots[- ]clés|etiquetas|temas|parole chiave|argomenti|trefwoorden|tagi|tagovi|štítky|标签|关键词)"
    r"\s*[:：]", re.IGNORECASE)
#: A sentence's end: prose has them, tag clouds and menus do not.
SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")
#: Contact and about-the-author phrases.
BIO_PHRASES = ("email the reporter", "email the author", "e-mail the author", "contact the author",
               "contact the reporter", "follow us", "follow me", "follow him", "follow her", "follow the author",
               "about the author", "can be reached at", "reach the reporter", "über den autor", "folgen sie uns",
               "à propos de l'auteur", "suivez-nous", "sobre el autor", "síguenos", "seguici", "sull'autore",
               "volg ons", "obserwuj nas", "关于作者")
BIO_TEXT = Phrases(BIO_PHRASES)
#: "X is a staff writer": the first sentence of a bio (it starts with a literal, so the scan is fast).
BIO_SENTENCE = re.compile(
    r"is an? (?:(?:senior|staff|freelance|contributing|political|science)\s+)?"
      r"(?:writer|reporter|editor|correspondent|journalist|columnist|contributor)\b", re.IGNORECASE)
#: An e-mail address (a contact line when the line is short).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
#: Promo phrases beyond the login and advertisement families of the features.
PROMO_PHRASES = ("donate", "donation", "support us", "support our journalism", "become a member", "membership",
                 "get the app", "download the app", "download our app", "free trial", "unlock", "spenden",
                 "jetzt unterstützen", "faire un don", "soutenez", "dona ahora", "hazte socio", "sostienici")
PROMO_TEXT = Phrases((*TEXT_FAMILIES["login"], *TEXT_FAMILIES["advertisement"], *PROMO_PHRASES))
FOOTER_TEXT = Phrases((*TEXT_FAMILIES["copyright"], *TEXT_FAMILIES["cookie"]))
NAV_TEXT = Phrases((*TEXT_FAMILIES["navigation"], *TEXT_FAMILIES["skip"]))
RELATED_TEXT = Phrases(TEXT_FAMILIES["related"])
#: The tokens a credit needs (``c`` of "(c)"); only lines holding one, or ©, are searched for a credit.
PHOTO_CUES = Phrases(("photo", "photos", "photograph", "photographs", "image", "images", "picture", "pictures",
                      "credit", "credits", "foto", "bild", "courtesy", "c"))
SEPARATOR = PATTERNS["separator"]
#: Characters of a figure in a table cell besides digits: decimal and thousands marks, signs, units, brackets.
NUMBER_SIGNS = frozenset(".,:%+-−–/$€£¥()'")
#: Table cell tags.
CELL_TAGS = frozenset(("td", "th"))
#: Tags of a figure's or a table's caption.
CAPTION_TAGS = ("figcaption", "caption")
#: The sign of a credit line besides the tokens of :data:`PHOTO_CUES`, and the sign an e-mail address needs.
CREDIT_SIGN = "©"
EMAIL_SIGN = "@"

#: Landmarks of the site's frame around the article (a ``<header>`` inside an ``<article>`` is the article's).
_SITE_FRAME = int(Landmark.NAV | Landmark.FOOTER | Landmark.ASIDE)
_ARTICLE = int(Landmark.ARTICLE | Landmark.MAIN)


# --- per-line measures ---------------------------------------------------------------------------------------------


def line_tokens(texts: Sequence[str]) -> npt.NDArray[np.int64]:
    """Tokens of each line, as the token-level scores count them (:func:`chromecut.evaluate.metrics.tokenize`)."""
    return np.fromiter((len(tokenize(t)) for t in texts), dtype=np.int64, count=len(texts))


def _search(pattern: re.Pattern[str], texts: Sequence[str], where: Mask | None = None) -> Mask:
    """Whether ``pattern`` occurs in each text (only the ``where`` lines are searched; the others are False)."""
    out = np.zeros(len(texts), dtype=np.bool_)
    rows = range(len(texts)) if where is None else np.flatnonzero(where).tolist()
    for i in rows:
        out[i] = pattern.search(texts[i]) is not None
    return out


def _contains(part: str, texts: Sequence[str]) -> Mask:
    """Whether each text holds ``part`` (a cheap filter before a regex)."""
    return np.fromiter((part in t for t in texts), dtype=np.bool_, count=len(texts))


def _column(frame: pd.DataFrame, name: str, fill: float = 0) -> npt.NDArray[np.int64]:
    if name not in frame:
        return np.full(len(frame), fill, dtype=np.int64)
    return pd.to_numeric(frame[name], errors="coerce").fillna(fill).to_numpy(dtype=np.int64)


def _pages(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """A page number per line (the frame's pages are runs of ``doc``; one page without it)."""
    if "doc" not in frame or frame.empty:
        return np.zeros(len(frame), dtype=np.int64)
    codes, _ = pd.factorize(frame["doc"])
    return codes.astype(np.int64)


def _attr_groups(frame: pd.DataFrame, page: npt.NDArray[np.int64]) -> dict[str, Mask]:
    """Per class/id group, whether each line is inside a container of it.

    Two conditions, both about wrappers: the line carries more of the group's words than the page's least-marked
    line (words every line carries, the ``<body>``'s, count for none), and, except for comments, a word of the
    group comes before (is nearer than) the first content-container word (``entry-content`` inside a
    ``newsletter-post`` wrapper is content; a ``newsletter`` box inside ``entry-content`` is a promo). Comment
    threads are left out of the second rule: a comment's own text sits in ``content``/``text`` blocks.
    """
    n = len(frame)
    if "attr_words" not in frame or n == 0:
        return {name: np.zeros(n, dtype=np.bool_) for name in _GROUP_NAMES}
    codes, uniques = pd.factorize(frame["attr_words"].fillna("").astype(str))
    # Many lines share their ancestors' words: each distinct word list is read once, each distinct word once.
    per_list = [words.split() for words in uniques]
    sizes = np.array([len(words) for words in per_list], dtype=np.int64)
    owner = np.repeat(np.arange(len(per_list)), sizes)
    # Words come nearest ancestor first: a word's position in its list is how far up its element is.
    position = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    word_codes, distinct = pd.factorize(pd.Series([w for words in per_list for w in words], dtype=object))
    membership = np.array([_word_groups(w) for w in distinct], dtype=np.bool_).reshape(len(distinct),
                                                                                       len(_GROUP_NAMES))
    content_word = np.array([ATTR_FAMILIES["content"].fullmatch(w) is not None for w in distinct], dtype=np.bool_)
    member = membership[word_codes]
    in_content = content_word[word_codes]
    far = np.iinfo(np.int64).max
    out: dict[str, Mask] = {}
    for i, name in enumerate(_GROUP_NAMES):
        count = np.bincount(owner, weights=member[:, i], minlength=len(uniques))[codes]
        baseline = pd.Series(count).groupby(page).transform("min").to_numpy()
        inside = count > baseline
        if name not in _NO_NEAREST_RULE:
            first = np.full(len(uniques), far, dtype=np.int64)
            np.minimum.at(first, owner[member[:, i]], position[member[:, i]])
            # A word of both families ("newsletter" is also "news") is the group's, not a content word.
            content = in_content & ~member[:, i]
            first_content = np.full(len(uniques), far, dtype=np.int64)
            np.minimum.at(first_content, owner[content], position[content])
            inside &= (first < first_content)[codes]
        out[name] = inside
    return out


def _headline_by_title(frame: pd.DataFrame, tokens: list[list[str]], page: npt.NDArray[np.int64],
                       candidates: Mask, limits: KindLimits) -> Mask:
    """Lines that are the page's ``<title>`` (less the site name): most of their tokens in it, most of it in them."""
    out = np.zeros(len(frame), dtype=np.bool_)
    if "title" not in frame:
        return out
    titles = frame["title"].fillna("").astype(str).to_numpy()
    title_sets: dict[int, set[str]] = {}
    for i in np.flatnonzero(candidates).tolist():
        words = title_sets.setdefault(int(page[i]), set(tokenize(titles[i])))
        line = set(tokens[i])
        if not words or not line:
            continue
        shared = len(line & words)
        out[i] = (shared >= limits.headline_line_in_title * len(line)
                  and shared >= limits.headline_title_in_line * len(words))
    return out


def _numeric_tables(frame: pd.DataFrame, texts: Sequence[str], page: npt.NDArray[np.int64],
                    limits: KindLimits) -> Mask:
    """Lines of a run of table cells of which enough are figures (scores, prices, results)."""
    tags = frame["tag"].astype(str).to_numpy() if "tag" in frame else np.full(len(frame), "", dtype=object)
    cell = np.isin(tags, list(CELL_TAGS))
    if not cell.any():
        return np.zeros(len(frame), dtype=np.bool_)
    numeric = np.zeros(len(frame), dtype=np.bool_)
    for i in np.flatnonzero(cell).tolist():
        chars = "".join(texts[i].split())
        digits = sum(c.isdigit() for c in chars)
        signs = sum(c in NUMBER_SIGNS for c in chars)
        numeric[i] = digits > 0 and digits + signs >= limits.table_numeric_cell * len(chars)
    starts = ~cell | np.r_[True, page[1:] != page[:-1]] | np.r_[True, ~cell[:-1]]
    run = np.cumsum(starts)
    runs = pd.DataFrame({"run": run[cell], "numeric": numeric[cell]}).groupby("run")["numeric"].agg(["mean", "size"])
    figures = runs.index[(runs["mean"] >= limits.table_min_numeric_share) & (runs["size"] >= limits.table_min_cells)]
    return cell & np.isin(run, figures.to_numpy())


def _comment_threads(actions: Mask, page: npt.NDArray[np.int64], limits: KindLimits) -> Mask:
    """Lines of comment threads found by their structure: a page where reply/like links recur (at least
    ``comment_min_actions``, typically at most ``comment_max_gap`` lines apart) has a thread from one comment's
    length (the typical gap) before the first action to the last one."""
    out = np.zeros(len(page), dtype=np.bool_)
    positions = np.flatnonzero(actions)
    if len(positions) < limits.comment_min_actions:
        return out
    bounds = np.flatnonzero(np.r_[True, page[1:] != page[:-1]])
    starts = bounds[np.searchsorted(bounds, positions, side="right") - 1]
    for start in np.unique(starts).tolist():
        marks = positions[starts == start]
        if len(marks) < limits.comment_min_actions:
            continue
        gap = int(np.median(np.diff(marks)))
        if gap > limits.comment_max_gap:
            continue
        out[max(start, int(marks[0]) - gap + 1): int(marks[-1]) + 1] = True
    return out


# --- the kinds -----------------------------------------------------------------------------------------------------


def kind_evidence(frame: pd.DataFrame, limits: KindLimits = LIMITS_DEFAULT) -> dict[Kind, Mask]:
    """The evidence of each kind for each line of an HTML line frame (columns as
    :func:`chromecut.features.line_frame` writes them; ``doc`` groups pages, ``title`` is optional).

    A line may have the evidence of several kinds; :func:`line_kinds` takes the first in :data:`KIND_ORDER`.
    """
    n = len(frame)
    texts: list[str] = frame["text"].fillna("").astype(str).tolist() if n else []
    tokens = [tokenize(t) for t in texts]
    count = np.fromiter(map(len, tokens), dtype=np.int64, count=n)
    nonspace = np.fromiter((len("".join(t.split())) for t in texts), dtype=np.int64, count=n)
    link_chars = _column(frame, "link_chars")
    links = _column(frame, "link_count")
    density = np.minimum(np.divide(link_chars, nonspace, out=np.zeros(n), where=nonspace > 0), 1.0)
    heading = _column(frame, "heading")
    landmarks = _column(frame, "landmarks")
    tags = frame["tag"].astype(str).to_numpy() if "tag" in frame else np.full(n, "", dtype=object)
    page = _pages(frame)
    attr = _attr_groups(frame, page)
    short = count <= limits.short_tokens
    medium = count <= limits.medium_tokens
    linky = density >= limits.link_dense
    few_words_per_link = count <= limits.nav_max_tokens_per_link * np.maximum(links, 1)
    sentence = _search(SENTENCE_END, texts)
    site_frame = ((landmarks & _SITE_FRAME) > 0) | (((landmarks & int(Landmark.HEADER)) > 0)
                                                   & ((landmarks & _ARTICLE) == 0))
    chrome_container = attr["nav"] | attr["related"] | attr["sidebar"] | attr["footer"] | site_frame

    # Headline: the h1 outside the site's frame (a logo's h1 sits in the site header), or the line that is the
    # page's <title>, unlinked (a breadcrumb or a related link may repeat it).
    title_line = _headline_by_title(frame, tokens, page, (count >= limits.headline_min_tokens) & medium
                                    & (density < limits.link_dense), limits)
    headline = ((heading == 1) & ~site_frame) | title_line
    # Comment: a comment/reply/disqus/respond container; a short line naming the thread ("12 Comments", "Leave
    # a reply"); the span of a thread found by its recurring reply/like links (links: a thread's heading may say
    # "Comments" too, but it is no action).
    actions = COMMENT_ACTION_TEXT.search(tokens, (count <= limits.comment_action_max_tokens) & (links > 0))
    comment = (attr["comment"] | (short & ~sentence & COMMENT_TEXT.search(tokens, short))
               | _comment_threads(actions, page, limits))
    # Caption: a figcaption, table caption or figure; a caption/credit/photo container; a photo credit line.
    credit_cue = medium & (PHOTO_CUES.search(tokens, medium) | _contains(CREDIT_SIGN, texts))
    caption = (np.isin(tags, list(CAPTION_TAGS)) | ((landmarks & int(Landmark.FIGURE)) > 0)
               | attr["caption"] | _search(CAPTION_CREDIT, texts, credit_cue))
    table_figures = _numeric_tables(frame, texts, page, limits)
    # Byline: short lines of an author or date container, opening with "By ...", or holding only a date outside
    # the site's lists (a date under each related headline is part of that list).
    byline = short & (attr["author"] | attr["dateline"] | _search(BYLINE_OPENING, texts, short)
                      | (~chrome_container & (_search(PATTERNS["date"], texts, short)
                                            | _search(PATTERNS["time"], texts, short))))
    # Author bio and contact: long lines of an author container, a bio/contact container, "email the reporter",
    # "X is a staff writer", a short line with an e-mail address, "follow" buttons.
    bio = ((attr["author"] & ~short) | attr["bio"] | BIO_TEXT.search(tokens) | _search(BIO_SENTENCE, texts)
           | (medium & _search(EMAIL, texts, medium & _contains(EMAIL_SIGN, texts))) | (short & attr["follow"]))
    # Promo: newsletter, subscription, login, donation and advertisement containers or short lines.
    promo = attr["login"] | attr["ad"] | attr["promo"] | (medium & ~sentence & PROMO_TEXT.search(tokens, medium))
    # Tag cloud: a tags/keywords/topics container's links; "Tags: ..." lines; one line of many short links
    # without a sentence, outside the site's menus.
    tag_cloud = ((attr["tags"] & (linky | short) & ~sentence) | _search(TAG_LABEL, texts, medium)
                 | ((links >= limits.tag_cloud_min_links) & linky & few_words_per_link & ~sentence
                    & ~attr["nav"] & ~site_frame))
    # Footer: a <footer> or footer container; short copyright, legal and cookie lines.
    footer = (((landmarks & int(Landmark.FOOTER)) > 0) | attr["footer"]
              | (medium & (FOOTER_TEXT.search(tokens, medium) | _search(COPYRIGHT_SYMBOLS, texts, medium))))
    # Navigation: <nav>, the site's <header>, a menu/breadcrumb container; breadcrumbs (links between separators);
    # short menu words ("Home", "Skip to content"); short links of a few words each.
    navigation = (((landmarks & int(Landmark.NAV)) > 0) | (site_frame & ((landmarks & int(Landmark.HEADER)) > 0))
                  | attr["nav"] | ((links >= 2) & _search(SEPARATOR, texts, links >= 2))
                  | (short & ~sentence & NAV_TEXT.search(tokens, count <= limits.nav_max_tokens_per_link))
                  | (linky & few_words_per_link))
    # Related list: a related/recommended/popular container; the headings of such lists ("Read more", "Most
    # read"); link-dense lines that are not menus (headline-long links: a list of other articles).
    related_list = attr["related"] | (short & ~sentence & RELATED_TEXT.search(tokens, short)) | linky
    # Body: prose (enough tokens, few links) or an unlinked subheading or list item; an article's own list is
    # here, as nothing above claims it.
    unlinked = density <= limits.body_max_link_density
    body = unlinked & ((count >= limits.body_min_tokens) | sentence | (heading > 1)
                       | _column(frame, "list_item").astype(np.bool_))
    return {
        Kind.HEADLINE: headline, Kind.COMMENT: comment, Kind.CAPTION: caption, Kind.TABLE_FIGURES: table_figures,
        Kind.BYLINE: byline, Kind.AUTHOR_BIO_CONTACT: bio, Kind.PROMO: promo, Kind.TAG_CLOUD: tag_cloud,
        Kind.FOOTER: footer, Kind.NAVIGATION: navigation, Kind.RELATED_LIST: related_list, Kind.BODY: body,
        Kind.OTHER: np.ones(n, dtype=np.bool_),
    }


def line_kinds(frame: pd.DataFrame, limits: KindLimits = LIMITS_DEFAULT) -> npt.NDArray[np.object_]:
    """The kind of each line of an HTML line frame: the first of :data:`KIND_ORDER` it has evidence of."""
    evidence = kind_evidence(frame, limits)
    chosen = np.select([evidence[k] for k in KIND_ORDER], [k.value for k in KIND_ORDER], default=Kind.OTHER.value)
    return np.asarray(chosen, dtype=object)


#: The kinds whose evidence is a feature of HTML mode (``kind_<name>``): the kinds of chrome that sit inside or
#: right beside an article, and the headline and byline whose gold differs between datasets. Navigation, related
#: lists, body and other are left out: the link, landmark and class/id families already say as much.
FEATURE_KINDS: tuple[Kind, ...] = (
    Kind.HEADLINE, Kind.COMMENT, Kind.CAPTION, Kind.TABLE_FIGURES, Kind.BYLINE, Kind.AUTHOR_BIO_CONTACT,
    Kind.PROMO, Kind.TAG_CLOUD, Kind.FOOTER,
)
KIND_FEATURES = tuple(f"kind_{kind.value}" for kind in FEATURE_KINDS)
ARTICLE_FEATURES = ("headline_index", "after_headline", "comments_before")
