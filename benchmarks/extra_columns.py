"""Feature prototypes, tried before a port to the Rust core: per-line columns computed here in Python and appended
to HTML mode's features in one ``chromecut-train`` run.

The families (the first argument; the rest are ``chromecut-train``'s Hydra overrides):

- ``dom``: a content score of the page's block elements, the way article extractors of the field look for the
  article's container (each prose line credits its block ancestors, the nearer the more, the score damped by the
  element's link density); per line, whether it lies inside the best-scoring element, that element's share of the
  page's characters, how far below it the line sits, and outside it the line's distance from it and the best score
  among its own ancestors against the winner's (a rival container: a comment section, a second article). Block
  ancestry from :func:`chromecut.segment.html.block_paths`.
- ``meta``: what the page says of its own type: ``og:type`` (article, product, website) and the schema.org types of
  its JSON-LD and microdata, in families (article, product, collection, forum, service); the same for every line.
- ``desc``: the page's own summary (its ``og:description``, else its ``description`` meta): per line, the share of
  its words the summary holds and the share of the summary's words it holds, and its signed distance from the line
  that holds most of the summary (where the main text usually starts); missing on a page without one. Ported to
  the Rust core as HTML mode's summary family (``features.summary_features``; its figures in docs/training.md).
- ``links``: where a line's links lead (the features read no ``href`` so far): per line, how many links it holds,
  and the share of them that leave the page's usual host, that lead to an article (a slug of several words, a long
  last segment, an id or a date in the path), to a section (a short path), nowhere (``#``, ``javascript:``,
  ``mailto:``), or to a target linked more than once on the page; missing on a line without a link. A link is
  placed by finding its text in the line it is at or the next few.
- ``threads``: whether the page's comment-shaped lines (the ``comment`` kind of :mod:`chromecut.features.kinds`)
  are a thread under an article or the page's main text (a forum thread, a Q&A page): per page, the share of its
  prose tokens (lines of :data:`THREAD_PROSE_MIN_TOKENS` tokens or more) in comment-kind lines, the share in
  other lines before the first comment-kind line (an article body above the thread), and the share of its lines
  of the comment kind; per line, whether it is a comment-kind line times the first share. Computed from the
  prepared line table, no HTML read.
- ``commerce``: the chrome of shop pages (a product's own description is content; its cart, delivery, returns and
  guarantee promos, price boxes and review widgets are not, by most golds): per line, whether its text holds a
  commerce phrase (our own multilingual list: cart, delivery, returns, stock, reviews), whether it holds a price (a
  number beside a currency sign or code), whether its class/id words are of the commerce family (cart, price,
  shipping, review, wishlist), and per page the share of its lines that hold a price or a commerce phrase. Computed
  from the prepared line table, no HTML read.
- ``lexicon``: words learnt from the training pages' own labels, in both modes (the only family here that text
  mode gets too): per token (lowercased words, digits folded, CJK as character pairs, and pairs of adjacent
  words), the share of training sites whose chrome lines hold it against the share whose content lines do (a
  site counts once, so one site's boilerplate weighs as one site; a token seen on fewer than
  :data:`LEX_MIN_SITES` sites is unknown), as a log-odds; per line, the mean, largest and smallest of its known
  tokens', its first token's, and the share of its tokens known. Learnt whenever a featurizer is fitted, from
  its training pages only (each fold of the leave-one-dataset-out runs learns its own); the training rows get
  the table learnt without their own sites' fold (:data:`LEX_FOLDS` folds by site), every other row the whole.
- ``attrlexicon``: the same, learnt from HTML mode's class/id words (``attr_words``) instead of the line's
  text (columns ``attr_lex_*``; HTML mode only).
- ``none``: no column, the run as ``chromecut-train`` does it (the baseline of the same printout).

With ``--evaluate`` after the family, the rest are ``chromecut evaluate``'s arguments instead: the
leave-one-dataset-out folds trained and scored with the columns (every dataset's pages get them):

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/extra_columns.py desc --evaluate --mode html --no-peers \\
        --datasets wcxb,dragnet,readability --out outputs/lodo-desc.json

The run prints its metrics, and test and validation page F1 (with page precision) at a grid of fixed thresholds:
the ``val`` threshold a run chooses moves with the seed, so runs are compared at the same thresholds too.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/extra_columns.py dom experiment=ship_html ship_to=null \\
        tracking.enabled=false output_dir=outputs/dom

The columns of a family are computed once per dataset selection and kept in ``outputs/extra_columns/`` (remove it
after ``chromecut data prepare`` changes the table). A page whose lines the segmentation here does not give exactly
as the prepared table has them keeps missing values (the count is printed). The bundle a run saves expects
columns no :class:`~chromecut.Cleaner` computes: an experiment, not a model to ship. Figures, never assertions
(docs/training.md has the measured ones).
"""

from __future__ import annotations

import html as html_module
import re
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
import pandas as pd

import chromecut.train.core as train_core
from chromecut.datasets.registry import iter_pages
from chromecut.features import native, vocab
from chromecut.features.frame import SOURCE_COLUMN
from chromecut.segment.html import block_paths, segment_html
from chromecut.train.app import compose_settings
from chromecut.train.core import project_root, train
from chromecut.train.frame import AUGMENTED_SUFFIX, selected_datasets

CACHE_FOLDER = "outputs/extra_columns"
#: Fixed thresholds at which the run's test and validation pages are also scored.
THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55)

# --- dom: the content score of block elements -----------------------------------------------------------------
#: A line credits its ancestors when it has at least this many characters and less than this share of link text.
PROSE_MIN_CHARS = 25
PROSE_MAX_LINK_SHARE = 0.5
#: A prose line's credit: 1, plus one per comma, plus one per this many characters up to a cap.
CHARS_PER_POINT = 100
MAX_LENGTH_POINTS = 3
#: The credit an ancestor gets, by how many levels above the line's own block it is (the own block gets none).
LEVEL_WEIGHTS = (0.0, 1.0, 0.5, 1 / 6, 1 / 9, 1 / 12)
COMMAS = (",", "\uff0c", "\u3001")
BODY = 0
DOM_COLUMNS = ("dom_inside", "dom_share", "dom_rival", "dom_below", "dom_distance", "dom_after")


def dom_columns(texts: Sequence[str], link_chars: Sequence[int], paths: Sequence[tuple[int, ...]]
                ) -> npt.NDArray[np.float32]:
    """The ``dom`` family of one page's lines (rows in line order, :data:`DOM_COLUMNS`)."""
    n = len(texts)
    out = np.full((n, len(DOM_COLUMNS)), np.nan, np.float32)
    chains = [(*reversed(p), BODY) for p in paths]  # own block first, body last
    chars = np.array([len(t) for t in texts], dtype=np.float64)
    links = np.asarray(link_chars, dtype=np.float64)
    commas = np.array([sum(t.count(c) for c in COMMAS) for t in texts], dtype=np.float64)
    prose = (chars >= PROSE_MIN_CHARS) & (links < PROSE_MAX_LINK_SHARE * chars)
    credit = np.where(prose, 1 + commas + np.minimum(MAX_LENGTH_POINTS, chars // CHARS_PER_POINT), 0.0)
    score: dict[int, float] = {}
    sub_chars: dict[int, float] = {}
    sub_links: dict[int, float] = {}
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, chain in enumerate(chains):
        for level, element in enumerate(chain):
            if level < len(LEVEL_WEIGHTS):
                score[element] = score.get(element, 0.0) + credit[i] * LEVEL_WEIGHTS[level]
            sub_chars[element] = sub_chars.get(element, 0.0) + chars[i]
            sub_links[element] = sub_links.get(element, 0.0) + links[i]
            first.setdefault(element, i)
            last[element] = i
    damped = {e: s * (1 - sub_links[e] / max(sub_chars[e], 1.0)) for e, s in score.items()}
    if not damped or max(damped.values()) <= 0:
        return out
    top = max(damped, key=lambda e: (damped[e], -first[e]))
    above_top: set[int] = next((set(c[c.index(top):]) for c in chains if top in c), set())
    start, end = first[top], last[top]
    share = sub_chars[top] / max(float(chars.sum()), 1.0)
    for i, chain in enumerate(chains):
        out[i, 1] = share
        out[i, 5] = float(i > end)
        if top in chain:
            out[i, 0], out[i, 2], out[i, 3], out[i, 4] = 1.0, 1.0, chain.index(top), 0.0
        else:
            rival = max((damped.get(e, 0.0) for e in chain if e not in above_top), default=0.0)
            out[i, 0], out[i, 2], out[i, 3] = 0.0, rival / damped[top], -1.0
            out[i, 4] = ((start - i) if i < start else (i - end)) / n
    return out


# --- meta: the page's own type ------------------------------------------------------------------------------------
#: How much of a page is searched for its metadata.
META_SEARCH_BYTES = 2_000_000
_OG_TYPE = re.compile(rb"""<meta[^>]{0,300}?(?:property|name)\s*=\s*["']og:type["'][^>]{0,300}?>""", re.I)
_CONTENT = re.compile(rb"""content\s*=\s*["']([^"']{0,60})""", re.I)
_LD_TYPE = re.compile(rb'"@type"\s*:\s*\[?\s*"([A-Za-z]{2,40})"')
_ITEMTYPE = re.compile(rb"""itemtype\s*=\s*["']https?://schema\.org/([A-Za-z]{2,40})""", re.I)
#: schema.org types (lower case) by the kind of page they announce.
TYPE_FAMILIES: dict[str, frozenset[str]] = {
    "article": frozenset({"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                          "opinionnewsarticle", "techarticle", "scholarlyarticle", "liveblogposting", "report",
                          "socialmediaposting", "review", "recipe", "howto", "posting"}),
    "product": frozenset({"product", "offer", "aggregateoffer", "productgroup", "book", "softwareapplication",
                          "vehicle"}),
    "collection": frozenset({"collectionpage", "itemlist", "searchresultspage", "offercatalog"}),
    "forum": frozenset({"discussionforumposting", "qapage", "question", "answer", "comment"}),
    "service": frozenset({"service", "localbusiness", "faqpage", "contactpage", "aboutpage", "event", "course",
                          "jobposting"}),
}
META_COLUMNS = (*(f"meta_ld_{f}" for f in TYPE_FAMILIES), "meta_ld_any", "meta_og_article", "meta_og_product",
                "meta_og_website")


def meta_values(html: bytes) -> list[float]:
    """The ``meta`` family of one page (:data:`META_COLUMNS`; the ``og`` ones missing without an ``og:type``)."""
    head = html[:META_SEARCH_BYTES]
    og: str | None = None
    if (tag := _OG_TYPE.search(head)) and (content := _CONTENT.search(tag.group(0))):
        og = content.group(1).decode("utf-8", "replace").strip().lower()
    types = {t.decode().lower() for t in _LD_TYPE.findall(head)} | {t.decode().lower() for t in _ITEMTYPE.findall(head)}
    values = [float(bool(types & family)) for family in TYPE_FAMILIES.values()] + [float(bool(types))]
    if og is None:
        return [*values, np.nan, np.nan, np.nan]
    return [*values, float(og.startswith(("article", "blog", "news"))), float("product" in og), float(og == "website")]


# --- desc: the page's own summary --------------------------------------------------------------------------------
_META_TAG = re.compile(rb"<meta\b[^>]{0,2500}>", re.I)
_DESCRIPTION = re.compile(rb"""(?:property|name)\s*=\s*["'](og:description|description)["']""", re.I)
_LONG_CONTENT = re.compile(rb"""content\s*=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})')""", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
#: A summary of fewer words, or a line of fewer words, gives no anchor.
DESC_MIN_WORDS = 5
DESC_COLUMNS = ("desc_line_share", "desc_summary_share", "desc_anchor_distance")


def _words(text: str) -> set[str]:
    """Lower-case words of two letters or more; CJK text one character to a word."""
    lowered = text.lower()
    return set(_WORD.findall(_CJK.sub(lambda m: " " + " ".join(m.group(0)) + " ", lowered)))


def page_summary(html: bytes, encoding: str) -> str | None:
    """The page's ``og:description`` (else its ``description``), entities decoded."""
    found: dict[str, str] = {}
    for tag in _META_TAG.finditer(html[:META_SEARCH_BYTES]):
        name, content = _DESCRIPTION.search(tag.group(0)), _LONG_CONTENT.search(tag.group(0))
        if name and content:
            raw = content.group(1) if content.group(1) is not None else content.group(2)
            found.setdefault(name.group(1).decode().lower(), html_module.unescape(raw.decode(encoding, "replace")))
    return found.get("og:description") or found.get("description")


def desc_columns(texts: Sequence[str], summary: str | None) -> npt.NDArray[np.float32]:
    """The ``desc`` family of one page's lines (:data:`DESC_COLUMNS`)."""
    out = np.full((len(texts), len(DESC_COLUMNS)), np.nan, np.float32)
    wanted = _words(summary or "")
    if len(wanted) < DESC_MIN_WORDS:
        return out
    words = [_words(t) for t in texts]
    shared = np.array([len(w & wanted) for w in words], dtype=np.float64)
    sizes = np.array([len(w) for w in words], dtype=np.float64)
    out[:, 0] = np.where(sizes > 0, shared / np.maximum(sizes, 1), np.nan)
    out[:, 1] = shared / len(wanted)
    candidates = np.where(sizes >= DESC_MIN_WORDS, shared, -1.0)
    if candidates.max() > 0:
        anchor = int(candidates.argmax())
        out[:, 2] = (np.arange(len(texts)) - anchor) / len(texts)
    return out


# --- links: where a line's links lead ------------------------------------------------------------------------------
LINK_COLUMNS = ("links_count", "links_external", "links_article", "links_section", "links_fragment",
                "links_repeated")
#: A link leads to an article when the last segment of its path holds at least this many words joined by ``-`` or
#: ``_`` ...
ARTICLE_SLUG_WORDS = 3
#: ... or is at least this long, or the path holds a run of at least this many digits (an id, a date).
ARTICLE_SLUG_CHARS = 25
ARTICLE_ID_DIGITS = 4
#: A link leads to a section when its path is at most this deep, its last segment at most this long, with no digit.
SECTION_MAX_DEPTH = 1
SECTION_MAX_CHARS = 20
#: A link's text is looked for in the line it is at and this many lines after; a link found in none is skipped.
LINK_LOOKAHEAD_LINES = 3
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(rf"\d{{{ARTICLE_ID_DIGITS},}}")


def page_links(html: bytes, encoding_hint: str | None) -> tuple[list[tuple[str, str]], str | None]:
    """The page's links in document order, (text with white space collapsed, ``href``), and its usual host."""
    from selectolax.lexbor import LexborHTMLParser

    from chromecut.segment.encoding import decode_text

    tree = LexborHTMLParser(decode_text(html, encoding_hint))
    links = []
    for node in tree.css("a[href]"):
        text = _SPACES.sub(" ", node.text(deep=True) or "").strip()
        links.append((text, (node.attributes.get("href") or "").strip()))
    hosts: Counter[str] = Counter()
    for _, href in links:
        if href.startswith(("http:", "https:", "//")):
            try:
                hosts[urlsplit(href).netloc.lower()] += 1
            except ValueError:  # a malformed address (brackets that are no IPv6 host)
                continue
    return links, (hosts.most_common(1)[0][0] if hosts else None)


def _link_kind(href: str, host: str | None) -> tuple[float, float, float, float]:
    """(external, article, section, fragment) of one link."""
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return 0.0, 0.0, 0.0, 1.0
    try:
        parts = urlsplit(href)
    except ValueError:
        return 0.0, 0.0, 0.0, 1.0
    external = float(bool(parts.netloc) and parts.netloc.lower() != host)
    segments = [segment for segment in parts.path.split("/") if segment]
    last = segments[-1] if segments else ""
    words = len([w for w in re.split(r"[-_]", last.rsplit(".", 1)[0]) if w])
    article = float(words >= ARTICLE_SLUG_WORDS or len(last) >= ARTICLE_SLUG_CHARS
                    or bool(_DIGITS.search(parts.path + parts.query)))
    section = float(not article and len(segments) <= SECTION_MAX_DEPTH and len(last) <= SECTION_MAX_CHARS
                    and not any(c.isdigit() for c in last))
    return external, article, section, 0.0


def link_columns(texts: Sequence[str], links: Sequence[tuple[str, str]], host: str | None
                 ) -> npt.NDArray[np.float32]:
    """The ``links`` family of one page's lines (:data:`LINK_COLUMNS`; missing on a line without a link)."""
    out = np.full((len(texts), len(LINK_COLUMNS)), np.nan, np.float32)
    kinds: list[list[tuple[float, float, float, float, float]]] = [[] for _ in texts]
    repeated = Counter(href for _, href in links)
    line, offset = 0, 0
    for text, href in links:
        if not text:
            continue
        for k in range(line, min(line + LINK_LOOKAHEAD_LINES + 1, len(texts))):
            at = texts[k].find(text, offset if k == line else 0)
            if at >= 0:
                line, offset = k, at + len(text)
                kinds[k].append((*_link_kind(href, host), float(repeated[href] > 1)))
                break
    for i, found in enumerate(kinds):
        if found:
            values = np.asarray(found, dtype=np.float64)
            out[i, 0] = len(found)
            out[i, 1:] = values.mean(axis=0)
    return out


# --- threads: a comment thread under an article, or the page's own text -----------------------------------------
#: A prose line holds at least this many tokens.
THREAD_PROSE_MIN_TOKENS = 8
THREAD_COLUMNS = ("thread_prose_share", "thread_body_before", "thread_line_share", "thread_line_prose_share")


def thread_table(lines: pd.DataFrame) -> pd.DataFrame:
    """The ``threads`` family (:data:`THREAD_COLUMNS`) of every line of a prepared line table, by ``doc`` and
    ``line``."""
    from chromecut.features.kinds import Kind, line_kinds

    frame = lines.assign(doc=lines["dataset"].astype(str) + "/" + lines["page_id"].astype(str))
    comment = line_kinds(frame) == Kind.COMMENT.value
    tokens = frame["text"].astype(str).str.split().str.len().to_numpy(dtype=np.float64)
    prose = np.where(tokens >= THREAD_PROSE_MIN_TOKENS, tokens, 0.0)
    docs = frame["doc"].to_numpy()
    out = np.zeros((len(frame), len(THREAD_COLUMNS)), dtype=np.float32)
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(docs)], strict=True):
        page_comment, page_prose = comment[start:end], prose[start:end]
        total = page_prose.sum()
        in_thread = page_prose[page_comment].sum() / total if total else 0.0
        first = int(np.argmax(page_comment)) if page_comment.any() else end - start
        before = page_prose[:first][~page_comment[:first]].sum() / total if total else 0.0
        out[start:end, 0] = in_thread
        out[start:end, 1] = before
        out[start:end, 2] = page_comment.mean()
        out[start:end, 3] = page_comment * in_thread
    table = pd.DataFrame(out, columns=list(THREAD_COLUMNS))
    table.insert(0, "doc", docs)
    table.insert(1, "line", frame["line"].to_numpy())
    return table


# --- commerce: shop-page chrome ----------------------------------------------------------------------------------
COMMERCE_PHRASES = (
    # English
    "add to cart", "add to basket", "add to bag", "add to wishlist", "wishlist", "buy now", "in stock",
    "out of stock", "free shipping", "free delivery", "shipping", "delivery", "free returns", "returns",
    "money back", "warranty", "guarantee", "checkout", "customer reviews", "write a review", "reviews", "quantity",
    "qty", "sku", "discount", "coupon", "promo code", "voucher", "secure payment", "vat included", "incl vat",
    # German
    "in den warenkorb", "warenkorb", "versandkostenfrei", "versand", "lieferung", "lieferzeit", "auf lager",
    "lieferbar", "rückgabe", "garantie", "bewertungen", "merkzettel", "jetzt kaufen", "inkl mwst",
    # French
    "ajouter au panier", "panier", "livraison", "livraison gratuite", "en stock", "retours", "avis clients",
    "paiement sécurisé",
    # Spanish
    "añadir al carrito", "carrito", "envío", "envío gratis", "devoluciones", "garantía", "opiniones",
    "iva incluido",
    # Italian
    "aggiungi al carrello", "carrello", "spedizione", "spedizione gratuita", "resi", "garanzia", "recensioni",
    # Portuguese
    "adicionar ao carrinho", "carrinho", "frete", "frete grátis", "devolução", "avaliações",
    # Dutch
    "in winkelwagen", "winkelwagen", "bezorging", "gratis verzending", "verzending", "op voorraad",
    "retourneren",
    # Polish
    "do koszyka", "koszyk", "dostawa", "darmowa dostawa", "wysyłka", "gwarancja", "kup teraz",
    # Croatian
    "u košaricu", "košarica", "dostava", "besplatna dostava", "na stanju", "jamstvo",
    # Czech
    "do košíku", "košík", "doprava zdarma", "skladem", "záruka",
)
COMMERCE_CJK = ("加入购物车", "购物车", "立即购买", "包邮", "免运费", "库存", "售后", "保修")
COMMERCE_ATTR_WORDS = ("cart", "basket", "checkout", "price", "pricing", "shipping", "delivery", "review", "rating",
                       "wishlist", "compare", "upsell", "crosssell", "stock", "addtocart", "buy", "shop", "product",
                       "sku", "variant", "swatch", "qty", "quantity", "offer", "promo", "coupon")
_COMMERCE_TEXT = re.compile(r"(?<!\w)(?:" + "|".join(sorted((re.escape(p).replace(r"\ ", r"\.?\s+")
                                                             for p in COMMERCE_PHRASES), key=len, reverse=True))
                            + r")(?!\w)|" + "|".join(COMMERCE_CJK), re.IGNORECASE)
_CURRENCY = r"(?:[$€£¥₹₽]|(?<![^\W\d_])(?:usd|eur|gbp|chf|pln|czk|hrk|kn|kč|zł|rmb|cny|sek|nok|dkk)(?![^\W\d_])|元)"
_AMOUNT = r"\d{1,3}(?:[.,' \u00a0]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_PRICE = re.compile(rf"{_CURRENCY}\s?(?:{_AMOUNT})|(?:{_AMOUNT})\s?{_CURRENCY}", re.IGNORECASE)
_COMMERCE_ATTR = re.compile(r"\b(?:" + "|".join(COMMERCE_ATTR_WORDS) + r")", re.IGNORECASE)
COMMERCE_COLUMNS = ("commerce_text", "commerce_price", "commerce_attr", "commerce_page_price", "commerce_page_text")


def commerce_table(lines: pd.DataFrame) -> pd.DataFrame:
    """The ``commerce`` family (:data:`COMMERCE_COLUMNS`) of every line of a prepared line table."""
    frame = lines.assign(doc=lines["dataset"].astype(str) + "/" + lines["page_id"].astype(str))
    texts = frame["text"].astype(str)
    text_hit = texts.map(lambda t: _COMMERCE_TEXT.search(t) is not None).to_numpy(dtype=np.float32)
    price_hit = texts.map(lambda t: _PRICE.search(t) is not None).to_numpy(dtype=np.float32)
    attr_hit = frame["attr_words"].fillna("").astype(str).map(
        lambda a: _COMMERCE_ATTR.search(a) is not None).to_numpy(dtype=np.float32)
    docs = frame["doc"]
    page_price = pd.Series(price_hit).groupby(docs.to_numpy()).transform("mean").to_numpy(dtype=np.float32)
    page_text = pd.Series(text_hit).groupby(docs.to_numpy()).transform("mean").to_numpy(dtype=np.float32)
    table = pd.DataFrame(np.column_stack([text_hit, price_hit, attr_hit, page_price, page_text]),
                         columns=list(COMMERCE_COLUMNS))
    table.insert(0, "doc", docs.to_numpy())
    table.insert(1, "line", frame["line"].to_numpy())
    return table


# --- lexicon: words learnt from the training pages' labels ----------------------------------------------------
#: Word tokens (digits folded to 0), and CJK runs cut into character pairs.
_LEX_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_LEX_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
#: At most this many tokens of a line are read (a long prose line says enough in its first ones).
LEX_MAX_TOKENS = 48
#: A token counts only when it is seen on at least this many training sites (content and chrome together).
LEX_MIN_SITES = 4
#: Additive smoothing of the per-class site shares.
LEX_SMOOTHING = 1.0
#: Training rows get the weights of a table learnt without their own site's fold (this many folds by site).
LEX_FOLDS = vocab.VOCAB_FOLDS
LEXICON_COLUMNS = ("lex_mean", "lex_max", "lex_min", "lex_first", "lex_known")


def lex_tokens(text: str) -> list[str]:
    """A line's tokens: lowercased words and words of two (``a b``), CJK as character pairs."""
    words: list[str] = []
    for token in _LEX_WORD.findall(text.lower()[: LEX_MAX_TOKENS * 12]):
        if _LEX_CJK.fullmatch(token):
            words.extend(token[i: i + 2] for i in range(max(1, len(token) - 1)))
        else:
            words.append("0" if token.isdigit() else token)
        if len(words) >= LEX_MAX_TOKENS:
            break
    words = words[:LEX_MAX_TOKENS]
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def _fold_of(site: str) -> int:
    return zlib.crc32(site.encode("utf-8")) % LEX_FOLDS


def learn_lexicon(frame: pd.DataFrame, column: str = "text") -> tuple[dict[str, float], list[dict[str, float]]]:
    """Chrome log-odds per token from a labelled line frame: the share of training sites whose chrome lines hold
    the token against the share whose content lines do (a site counts once, so one site's boilerplate weighs as
    one site); the full table, and one per fold learnt without that fold's sites."""
    labelled = frame[frame["label"].isin((0, 1))]
    sites = vocab.sites(labelled)
    texts = labelled[column].fillna("").astype(str).to_numpy()
    labels = labelled["label"].to_numpy()
    order = np.argsort(sites, kind="stable")
    # Per fold, the sites that hold each token on chrome lines and on content lines.
    per_fold: list[tuple[Counter[str], Counter[str]]] = [(Counter(), Counter()) for _ in range(LEX_FOLDS)]
    site_totals = np.zeros((LEX_FOLDS, 2))
    cache: dict[str, list[str]] = {}
    i = 0
    while i < len(order):
        site = sites[order[i]]
        seen: tuple[set[str], set[str]] = (set(), set())
        j = i
        while j < len(order) and sites[order[j]] == site:
            k = order[j]
            text = texts[k]
            tokens = cache.get(text)
            if tokens is None:
                tokens = cache[text] = lex_tokens(text)
            seen[int(labels[k])].update(tokens)
            j += 1
        fold = _fold_of(site)
        for cls in (0, 1):
            per_fold[fold][cls].update(seen[cls])
            site_totals[fold, cls] += bool(seen[cls])
        i = j
    full = (sum((f[0] for f in per_fold), Counter()), sum((f[1] for f in per_fold), Counter()))
    totals = site_totals.sum(axis=0)

    def table(chrome: Counter[str], content: Counter[str], n_chrome: float, n_content: float) -> dict[str, float]:
        out: dict[str, float] = {}
        for token in set(chrome) | set(content):
            h, c = chrome.get(token, 0), content.get(token, 0)
            if h + c >= LEX_MIN_SITES:
                out[token] = float(np.log((h + LEX_SMOOTHING) / (n_chrome + 2 * LEX_SMOOTHING))
                                   - np.log((c + LEX_SMOOTHING) / (n_content + 2 * LEX_SMOOTHING)))
        return out

    whole = table(full[0], full[1], totals[0], totals[1])
    folds = [table(full[0] - per_fold[f][0], full[1] - per_fold[f][1], totals[0] - site_totals[f, 0],
                   totals[1] - site_totals[f, 1]) for f in range(LEX_FOLDS)]
    print(f"lexicon: {len(whole)} tokens from {int(totals.max())} sites", flush=True)
    return whole, folds


def lexicon_columns(texts: Sequence[str], table: dict[str, float]) -> npt.NDArray[np.float32]:
    """:data:`LEXICON_COLUMNS` of each line: the mean, largest and smallest chrome log-odds of its known tokens,
    its first token's, and the share of its tokens the table knows (missing on a line with none)."""
    out = np.full((len(texts), len(LEXICON_COLUMNS)), np.nan, dtype=np.float32)
    memo: dict[str, tuple[float, ...]] = {}
    for row, text in enumerate(texts):
        values = memo.get(text)
        if values is None:
            tokens = lex_tokens(text)
            known = [table[t] for t in tokens if t in table]
            if known:
                first = table.get(tokens[0], np.nan)
                values = (float(np.mean(known)), max(known), min(known), first, len(known) / len(tokens))
            else:
                values = (np.nan, np.nan, np.nan, np.nan, 0.0 if tokens else np.nan)
            memo[text] = values
        out[row] = values
    return out


def _patch_lexicon(column: str = "text") -> None:
    """Learn the lexicon whenever a featurizer is fitted (from its fit frame: the training pages only, each
    fold of the leave-one-dataset-out runs its own) and append its columns in both modes: out of fold by site
    for the training rows (``leave_one_out``), the whole table for every other row."""
    from chromecut.features.featurizer import Featurizer

    base_fit, base_names, base_features = Featurizer.fit, native.output_names, native.features
    tables: dict[int, tuple[dict[str, float], list[dict[str, float]]]] = {}
    names = list(LEXICON_COLUMNS) if column == "text" else [f"attr_{n}" for n in LEXICON_COLUMNS]

    def fit(self: Any, frame: pd.DataFrame) -> Any:
        result = base_fit(self, frame)
        if "label" in frame and column in frame:
            tables[id(self)] = learn_lexicon(frame, column)
        return result

    def output_names(fitted: Any) -> list[str]:
        return [*base_names(fitted), *names] if column == "text" or fitted.mode == "html" else base_names(fitted)

    def features(fitted: Any, frame: pd.DataFrame, leave_one_out: bool, dtype: Any = np.float32) -> Any:
        if column != "text" and fitted.mode != "html":
            return base_features(fitted, frame, leave_one_out, dtype)
        shadow = type(fitted).__new__(type(fitted))
        shadow.__dict__.update(fitted.__dict__)
        if hasattr(fitted, "feature_names_"):
            shadow.feature_names_ = [n for n in fitted.feature_names_ if n not in names]
        base = base_features(shadow, frame, leave_one_out, dtype)
        whole, folds = tables[id(fitted)]
        texts = frame[column].fillna("").astype(str).tolist()
        if not leave_one_out:
            extra = lexicon_columns(texts, whole)
        else:
            fold_of = vocab.site_folds(frame)
            extra = np.full((len(texts), len(names)), np.nan, dtype=np.float32)
            for f in range(LEX_FOLDS):
                rows = np.flatnonzero(fold_of == f)
                if len(rows):
                    extra[rows] = lexicon_columns([texts[r] for r in rows], folds[f])
        return np.hstack([base, extra.astype(dtype)])

    Featurizer.fit = fit  # type: ignore[method-assign]
    native.output_names, native.features = output_names, features  # type: ignore[assignment]


# --- the table and the run ---------------------------------------------------------------------------------------
def _page_columns(family: str, html: bytes, encoding_hint: str | None, expected: list[str]
                  ) -> npt.NDArray[np.float32] | None:
    if family == "meta":
        return np.tile(np.asarray(meta_values(html), dtype=np.float32), (len(expected), 1))
    if family == "links":
        links, host = page_links(html, encoding_hint)
        return link_columns([_SPACES.sub(" ", t).strip() for t in expected], links, host)
    if family == "desc":
        segmentation = segment_html(html, encoding_hint=encoding_hint)
        if segmentation.texts != expected:
            return None
        return desc_columns(expected, page_summary(html, segmentation.encoding or "utf-8"))
    segmentation, paths = block_paths(html, encoding_hint=encoding_hint)
    if segmentation.texts != expected:
        return None
    return dom_columns(segmentation.texts, [line.link_chars for line in segmentation.lines], paths)


def build_table(family: str, datasets: list[str], processed: Path) -> pd.DataFrame:
    """The family's columns for every prepared line of ``datasets``, keyed by ``doc`` and ``line``."""
    if family in ("threads", "commerce"):
        everything = pd.read_parquet(processed / "lines.parquet")
        chosen = everything[everything["dataset"].isin(datasets)].sort_values(["dataset", "page_id", "line"],
                                                                               kind="stable")
        return thread_table(chosen) if family == "threads" else commerce_table(chosen)
    names = {"dom": DOM_COLUMNS, "meta": META_COLUMNS, "desc": DESC_COLUMNS, "links": LINK_COLUMNS}[family]
    lines = pd.read_parquet(processed / "lines.parquet", columns=["dataset", "page_id", "line", "text"])
    lines = lines[lines["dataset"].isin(datasets)]
    by_page = {key: group for key, group in lines.groupby(["dataset", "page_id"], observed=True, sort=False)}
    parts, unmatched = [], 0
    for dataset in datasets:
        for page in iter_pages(dataset):
            group = by_page.get((dataset, page.page_id))
            if group is None:
                continue
            values = _page_columns(family, page.html, page.encoding_hint, list(group["text"]))
            if values is None:
                unmatched += 1
                continue
            part = pd.DataFrame(values, columns=list(names))
            part.insert(0, "doc", f"{dataset}/{page.page_id}")
            part.insert(1, "line", group["line"].to_numpy())
            parts.append(part)
    print(f"{family}: {len(parts)} pages, {unmatched} whose lines differ from the prepared table's", flush=True)
    return pd.concat(parts, ignore_index=True)


def _patch_features(table: pd.DataFrame) -> None:
    """Append the table's columns to HTML mode's features (output names and matrices)."""
    names = [c for c in table.columns if c not in ("doc", "line")]
    indexed = table.set_index(["doc", "line"])[names]
    base_names, base_features = native.output_names, native.features
    shadows: dict[int, tuple[Any, Any]] = {}

    def output_names(fitted: Any) -> list[str]:
        return [*base_names(fitted), *names] if fitted.mode == "html" else base_names(fitted)

    def features(fitted: Any, frame: pd.DataFrame, leave_one_out: bool, dtype: Any = np.float32) -> Any:
        if fitted.mode != "html":
            return base_features(fitted, frame, leave_one_out, dtype)
        # The core computes the featurizer's own features; a shadow copy names only those.
        if id(fitted) not in shadows or shadows[id(fitted)][0] is not fitted.feature_names_:
            shadow = type(fitted).__new__(type(fitted))
            shadow.__dict__.update(fitted.__dict__)
            shadow.feature_names_ = [n for n in fitted.feature_names_ if n not in names]
            shadows[id(fitted)] = (fitted.feature_names_, shadow)
        base = base_features(shadows[id(fitted)][1], frame, leave_one_out, dtype)
        docs = (frame[SOURCE_COLUMN] if SOURCE_COLUMN in frame else frame["doc"]).astype(str)
        docs = docs.str.replace(AUGMENTED_SUFFIX, "", regex=False)
        keys = pd.MultiIndex.from_arrays([docs.to_numpy(), frame["line"].to_numpy()])
        return np.hstack([base, indexed.reindex(keys).to_numpy(dtype)])

    native.output_names, native.features = output_names, features  # type: ignore[assignment]


def _print_threshold_grid() -> None:
    """Make the run's page scoring also print each split's page F1 and precision at :data:`THRESHOLDS`."""
    scores: Callable[..., pd.DataFrame] = train_core.page_scores

    def page_scores(part: pd.DataFrame, p: Any, threshold: float, pages: pd.DataFrame,
                    smoothing: float = 0.0) -> pd.DataFrame:
        result = scores(part, p, threshold, pages, smoothing)
        if len(result) and "split" in part:
            grid = {t: scores(part, p, t, pages, smoothing) for t in THRESHOLDS}
            cells = ", ".join(f"{t}: {g['f1'].mean():.4f} (P {g['precision'].mean():.4f})" for t, g in grid.items())
            print(f"{part['split'].iloc[0]} page F1 at fixed thresholds ({len(result)} pages): {cells}", flush=True)
        return result

    train_core.page_scores = page_scores  # type: ignore[assignment]


def _table(family: str, datasets: list[str], root: Path, processed_dir: str) -> pd.DataFrame:
    """The family's columns for ``datasets``, from the cache when they were computed before."""
    cache = root / CACHE_FOLDER / f"{family}-{'-'.join(sorted(datasets))}.parquet"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        build_table(family, datasets, root / processed_dir).to_parquet(cache)
    return pd.read_parquet(cache)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("dom", "meta", "desc", "links", "threads", "commerce", "lexicon", "attrlexicon",
                                   "none"):
        raise SystemExit("usage: extra_columns.py dom|meta|desc|links|threads|commerce|lexicon|attrlexicon|none "
                         "[--evaluate EVALUATE-ARGS | "
                         "TRAIN-OVERRIDES]")
    family, overrides = argv[0], argv[1:]
    if overrides[:1] == ["--evaluate"]:
        from chromecut.cli import main as cli_main
        from chromecut.datasets.registry import DATASETS
        from chromecut.settings import DataSettings

        if family in ("lexicon", "attrlexicon"):
            _patch_lexicon("text" if family == "lexicon" else "attr_words")
        elif family != "none":
            _patch_features(_table(family, list(DATASETS), project_root(), DataSettings().processed_dir))
        raise SystemExit(cli_main(["evaluate", *overrides[1:]]))
    settings = compose_settings(overrides)
    if settings.features.mode != "html" and family not in ("lexicon", "none"):
        raise SystemExit("this prototype is HTML mode's: add experiment=ship_html")
    root = project_root()
    if family in ("lexicon", "attrlexicon"):
        _patch_lexicon("text" if family == "lexicon" else "attr_words")
    elif family != "none":
        _patch_features(_table(family, selected_datasets(settings.data), root, settings.data.processed_dir))
    _print_threshold_grid()
    metrics = train(settings, root)
    for key in ("threshold", "test_page_f1", "test_page_precision", "test_page_recall", "test_line_pr_auc",
                "val_page_f1"):
        print(f"{key}: {metrics.get(key, float('nan')):.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
