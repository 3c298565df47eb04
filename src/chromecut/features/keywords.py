"""Named keyword families, one per kind of chrome (and one for content containers), compiled once.

Two uses: line text (a short line that *is* a widget heading such as "Related" or "Share this") and the
class/id words of a line's ancestors (``nav``, ``sidebar``, ``comment``). The word lists are our own,
multilingual where the datasets are (English, German, French, Spanish, Italian, Portuguese, Dutch, Polish,
Croatian, Czech, Chinese).
"""

from __future__ import annotations

import re
from types import MappingProxyType

# Text families: a line whose text contains one of these phrases. Matched case-insensitively on the text.
_TEXT_FAMILIES: dict[str, tuple[str, ...]] = {
    "related": (
        "related",
        "recommended",
        "recommendations",
        "you may also like",
        "you might also like",
        "more from",
        "more stories",
        "more news",
        "read more",
        "read next",
        "further reading",
        "most read",
        "most popular",
        "most viewed",
        "trending",
        "top stories",
        "popular",
        "ranking",
        "see also",
        "also on",
        "latest news",
        "editor's picks",
        "don't miss",
        "weitere artikel",
        "mehr zum thema",
        "das könnte sie auch interessieren",
        "meistgelesen",
        "empfohlen",
        "lesen sie auch",
        "auch interessant",
        "à lire aussi",
        "lire aussi",
        "les plus lus",
        "sur le même sujet",
        "relacionado",
        "relacionados",
        "relacionadas",
        "relacionada",
        "más leídas",
        "te puede interesar",
        "leggi anche",
        "più letti",
        "leia também",
        "mais lidas",
        "lees ook",
        "meest gelezen",
        "czytaj też",
        "czytaj także",
        "najpopularniejsze",
        "polecane",
        "pročitajte i",
        "najčitanije",
        "povezano",
        "související",
        "nejčtenější",
        "相关",
        "推荐",
        "热门",
        "排行",
        "阅读更多",
        "延伸阅读",
    ),
    "share": (
        "share",
        "tweet",
        "facebook",
        "twitter",
        "linkedin",
        "whatsapp",
        "pinterest",
        "reddit",
        "telegram",
        "email this",
        "e-mail",
        "print this",
        "teilen",
        "partager",
        "compartir",
        "condividi",
        "compartilhar",
        "delen",
        "udostępnij",
        "podijeli",
        "sdílet",
        "分享",
        "转发",
        "微博",
        "微信",
    ),
    "login": (
        "log in",
        "login",
        "sign in",
        "sign up",
        "register",
        "subscribe",
        "subscription",
        "newsletter",
        "create account",
        "my account",
        "password",
        "anmelden",
        "registrieren",
        "abonnieren",
        "abo",
        "se connecter",
        "s'abonner",
        "connexion",
        "inscription",
        "iniciar sesión",
        "suscríbete",
        "regístrate",
        "accedi",
        "abbonati",
        "entrar",
        "assine",
        "inloggen",
        "abonneren",
        "zaloguj",
        "subskrybuj",
        "prijava",
        "pretplati",
        "přihlásit",
        "登录",
        "注册",
        "订阅",
    ),
    "cookie": (
        "cookie",
        "consent",
        "privacy",
        "gdpr",
        "terms of use",
        "terms of service",
        "terms and conditions",
        "all rights reserved",
        "imprint",
        "impressum",
        "datenschutz",
        "nutzungsbedingungen",
        "agb",
        "mentions légales",
        "confidentialité",
        "política de privacidad",
        "aviso legal",
        "informativa",
        "privacybeleid",
        "prywatności",
        "regulamin",
        "privatnost",
        "ochrana osobních",
        "隐私",
        "免责声明",
        "版权声明",
    ),
    "advertisement": (
        "advertisement",
        "advertising",
        "sponsored",
        "promoted",
        "ad choices",
        "adchoices",
        "anzeige",
        "werbung",
        "publicité",
        "publicidad",
        "pubblicità",
        "publicidade",
        "advertentie",
        "reklama",
        "oglas",
        "广告",
        "赞助",
    ),
    "navigation": (
        "home",
        "menu",
        "navigation",
        "sitemap",
        "site map",
        "contact us",
        "about us",
        "search",
        "back to top",
        "next page",
        "previous page",
        "next article",
        "previous article",
        "startseite",
        "kontakt",
        "suche",
        "accueil",
        "rechercher",
        "inicio",
        "buscar",
        "contacto",
        "cerca",
        "contatti",
        "início",
        "zoeken",
        "strona główna",
        "szukaj",
        "naslovnica",
        "traži",
        "hledat",
        "首页",
        "导航",
        "搜索",
        "上一篇",
        "下一篇",
    ),
    "skip": (
        "skip to",
        "jump to",
        "skip navigation",
        "zum inhalt",
        "aller au contenu",
        "saltar al contenido",
        "vai al contenuto",
        "przejdź do",
        "跳到",
    ),
    "loading": (
        "loading",
        "please wait",
        "javascript",
        "enable js",
        "your browser",
        "lädt",
        "chargement",
        "cargando",
        "caricamento",
        "carregando",
        "ładowanie",
        "加载中",
    ),
    # The © sign and "(c) 2024" are matched by COPYRIGHT_SYMBOLS.
    "copyright": ("copyright", "all rights", "alle rechte", "tous droits", "版权所有"),
    "comments": (
        "comment",
        "comments",
        "reply",
        "replies",
        "leave a reply",
        "add a comment",
        "kommentar",
        "antworten",
        "commentaire",
        "répondre",
        "comentario",
        "responder",
        "commento",
        "rispondi",
        "comentário",
        "reactie",
        "komentarz",
        "odpowiedz",
        "komentar",
        "komentář",
        "评论",
        "回复",
        "留言",
    ),
}

# Class/id families: words of a line's ancestors' class and id attributes (already split on punctuation and
# camelCase, lower case). Matched as whole words or word prefixes.
_ATTR_FAMILIES: dict[str, tuple[str, ...]] = {
    "nav": (
        "nav",
        "navbar",
        "navigation",
        "menu",
        "breadcrumb",
        "breadcrumbs",
        "crumb",
        "pagination",
        "pager",
        "tabs",
        "toc",
        "sitemap",
        "skip",
    ),
    "header": ("header", "masthead", "banner", "topbar", "top"),
    "footer": ("footer", "foot", "bottom", "copyright", "colophon", "legal"),
    "sidebar": ("sidebar", "aside", "rail", "widget", "widgets", "module", "box", "secondary", "panel"),
    "related": (
        "related",
        "recommend",
        "recommended",
        "popular",
        "trending",
        "more",
        "teaser",
        "promo",
        "ranking",
        "latest",
        "outbrain",
        "taboola",
        "recirc",
        "feed",
    ),
    "social": ("share", "sharing", "social", "facebook", "twitter", "follow", "sns"),
    "ad": ("ad", "ads", "advert", "advertisement", "sponsor", "sponsored", "banner", "dfp", "gpt", "adsense"),
    "cookie": ("cookie", "consent", "gdpr", "privacy", "notice", "modal", "popup", "overlay", "dialog"),
    "comment": ("comment", "comments", "disqus", "respond", "reply", "discussion", "forum"),
    "login": ("login", "signin", "signup", "subscribe", "newsletter", "paywall", "account", "register"),
    "meta": ("meta", "byline", "author", "date", "time", "timestamp", "tags", "tag", "category", "caption", "credit"),
    "content": (
        "content",
        "article",
        "post",
        "entry",
        "story",
        "body",
        "text",
        "main",
        "blog",
        "prose",
        "paragraph",
        "news",
        "detail",
        "single",
    ),
}


#: What a one-word phrase may end with and still match (``features.keyword_plurals``): the plural endings of
#: English, French, Spanish, Portuguese and Dutch.
PLURAL_SUFFIXES = ("s", "es")
#: Shorter words take no plural ending (an "ab" of a family is no "abs").
PLURAL_MIN_WORD_CHARS = 3

_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W_]+")
#: Symbols that mark a copyright line whatever the language.
COPYRIGHT_SYMBOLS = re.compile(r"©|\(c\)\s*(?:19|20)\d\d", re.IGNORECASE)


class KeywordFamilies:
    """Text families compiled for token-level matching: a phrase matches whole lowercase word tokens in a row.

    Phrases in Chinese/Japanese/Korean script have no word tokens; they are matched as substrings by one
    regex, run only on lines that hold such characters.
    """

    def __init__(self, families: dict[str, tuple[str, ...]]) -> None:
        self.names = tuple(families)
        self.single: dict[str, list[int]] = {}
        self.multi: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        #: The CJK phrases of each family (by index), matched as substrings.
        self.cjk_phrases: dict[int, list[str]] = {}
        for index, phrases in enumerate(families.values()):
            for phrase in phrases:
                if _CJK_CHAR.search(phrase):
                    self.cjk_phrases.setdefault(index, []).append(phrase)
                    continue
                words = tuple(w.lower() for w in _WORD.findall(phrase))
                if not words:
                    continue
                if len(words) == 1:
                    self.single.setdefault(words[0], []).append(index)
                else:
                    self.multi.setdefault(words[0], []).append((words, index))
        self.cjk = re.compile("|".join(f"(?P<f{i}>{'|'.join(map(re.escape, p))})" for i, p in self.cjk_phrases.items())
                              ) if self.cjk_phrases else None
        #: Every word that starts a phrase: the only tokens worth a closer look.
        self.first_words = frozenset(self.single) | frozenset(self.multi)

    def single_with_plurals(self) -> dict[str, list[int]]:
        """The one-word phrases and their plurals (each word with each of :data:`PLURAL_SUFFIXES`), a plural
        joining the families of its word; a form that is itself a phrase keeps its own families as well.

        Phrases match whole tokens, so without them "cookies", "newsletters" or "advertisements" match nothing.
        """
        forms: dict[str, list[int]] = {word: list(families) for word, families in self.single.items()}
        for word, families in self.single.items():
            if len(word) < PLURAL_MIN_WORD_CHARS:
                continue
            for suffix in PLURAL_SUFFIXES:
                merged = forms.setdefault(word + suffix, [])
                merged.extend(f for f in families if f not in merged)
        return forms

    def family_index(self, name: str) -> int:
        return self.names.index(name)


def _attr_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\w*")


TEXT_FAMILIES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(_TEXT_FAMILIES)
KEYWORDS = KeywordFamilies(_TEXT_FAMILIES)
ATTR_FAMILIES: MappingProxyType[str, re.Pattern[str]] = MappingProxyType(
    {name: _attr_pattern(words) for name, words in _ATTR_FAMILIES.items()}
)

#: The only code points outside ASCII that match an ASCII letter case-insensitively in Python's ``re``: dotted
#: and dotless I (``i``), long s (``s``) and the Kelvin sign (``k``). Tested over every code point.
CASE_FOLD_EXTRAS = "\u0130\u0131\u017f\u212a"


def any_case(letters: str) -> str:
    """A character class body of every character that matches one of ``letters`` (ASCII) under ``re.I``."""
    return letters.lower() + letters.upper() + CASE_FOLD_EXTRAS


#: Words that open a byline ("By Jane Doe", "Von Max Muster", "Par Jean Dupont"), as word tokens: a byline is a
#: short line with one of these among its first words, followed by a capitalised name.
BYLINE_WORDS = frozenset((
    "by", "author", "authors", "von", "autor", "autorin", "par", "auteur", "por", "autora", "di", "door",
    "przez", "autorka", "napisao", "napisala", "autoři",
))
#: Bylines of Chinese pages: these two characters at the start of a line, then a colon.
BYLINE_CJK_PREFIXES = ("作者", "记者", "编辑", "来源")
BYLINE_CJK_COLONS = ":："

#: Characters that separate items on a line (breadcrumbs, menus), and the bullets that start list items.
SEPARATOR_CHARS = "|»›>/·•"
BULLET_CHARS = "-*•·–—"
#: What may indent a list item, and what ends the number of a numbered one (``1.``, ``2)``).
LIST_INDENT_CHARS = " \t"
LIST_NUMBER_END_CHARS = ".)"

_MONTHS_LOCAL = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|jän|mär|mai|okt|dez|janv|févr|"
    r"avr|juil|déc|ene|abr|ago|dic|gen|giu|lug|set|ott|sty|lut|kwi|maj|cze|lip|sie|wrz|paź|lis|gru)"
)
#: The English month names after their first letter, each behind a look-behind for that letter.
_MONTHS_AFTER_INITIAL = (
    r"(?:(?<=j)(?:an|un|ul)|(?<=f)eb|(?<=m)(?:ar|ay)|(?<=a)(?:pr|ug)|(?<=s)ep|(?<=o)ct|(?<=n)ov|(?<=d)ec)"
)

#: Dates, times, counters and units: patterns that mark metadata and widgets rather than prose. Each is
#: (definition, fast form, flags). The fast form finds exactly the definition's matches (tested), written so
#: that it starts with a plain character class: Python's ``re`` then skips in C to the characters that can
#: start a match, instead of trying every alternative at every position. The first character is consumed by
#: that class and each alternative checks it again with a look-behind (``(?<=\b\d)`` for ``\b\d``).
PATTERN_SOURCES: MappingProxyType[str, tuple[str, str | None, re.RegexFlag]] = MappingProxyType(
    {
        "date": (
            r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"
            r"|\b\d{1,2}\.?\s+" + _MONTHS_LOCAL + r"\w*"
            r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
            r"|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日",
            r"(?-i:[\d" + any_case("jfmasond") + r"])(?:"
            r"(?<=\d)(?:(?<=\b\d)(?:\d{3}[-/.]\d{1,2}[-/.]\d{1,2}\b|\d?[-/.]\d{1,2}[-/.]\d{2,4}\b"
            r"|\d?\.?\s+" + _MONTHS_LOCAL + r"\w*)"
            r"|\d{3}年\d{1,2}月|\d?月\d{1,2}日)"
            r"|(?<=\b[jfmasond])" + _MONTHS_AFTER_INITIAL + r"\w*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})",
            re.IGNORECASE,
        ),
        "time": (
            r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm|uhr|h)?\b|\b\d+\s*(?:min|hours?|hrs?|days?)\s+ago\b",
            r"\d(?<=\b\d)(?:\d?:\d{2}(?::\d{2})?\s*(?:am|pm|uhr|h)?\b|\d*\s*(?:min|hours?|hrs?|days?)\s+ago\b)",
            re.IGNORECASE,
        ),
        "counter": (
            r"[(\[]\s*\d[\d.,]*\s*[kKmM]?\s*[)\]]|\b\d[\d.,]*\s*[kKmM]?\s+"
            r"(?:views?|comments?|likes?|shares?|votes?|replies|reads?|followers?|points?)\b",
            r"[(\[\d](?:(?<=[(\[])\s*\d[\d.,]*\s*[kKmM]?\s*[)\]]|(?<=\b\d)[\d.,]*\s*[kKmM]?\s+"
            r"(?:views?|comments?|likes?|shares?|votes?|replies|reads?|followers?|points?)\b)",
            re.IGNORECASE,
        ),
        "unit": (
            r"-?\d+(?:[.,]\d+)?\s*°\s*[CF]?|[$€£¥]\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|eur|usd|zł|kn|kč)\b",
            r"[-$€£¥\d](?:(?<=-)\d+(?:[.,]\d+)?\s*°\s*[CF]?"
            r"|(?<=\d)(?:\d*(?:[.,]\d+)?\s*°\s*[CF]?|[\d.,]*\s?(?:€|eur|usd|zł|kn|kč)\b)"
            r"|(?<=[$€£¥])\s?\d[\d.,]*)",
            re.IGNORECASE,
        ),
        "separator": (rf"\s[{re.escape(SEPARATOR_CHARS)}]\s", None, re.NOFLAG),
        "list_marker": (
            rf"(?m)^[{re.escape(LIST_INDENT_CHARS)}]*"
            rf"(?:[{re.escape(BULLET_CHARS)}]\s|\d{{1,3}}[{re.escape(LIST_NUMBER_END_CHARS)}]\s)",
            None,
            re.NOFLAG,
        ),
        "url": (
            r"https?://|www\.|\.(?:com|org|net|html?)\b",
            r"(?-i:[." + any_case("hw") + r"])(?:(?<=h)ttps?://|(?<=w)ww\.|(?<=\.)(?:com|org|net|html?)\b)",
            re.IGNORECASE,
        ),
    }
)

PATTERNS: MappingProxyType[str, re.Pattern[str]] = MappingProxyType(
    {name: re.compile(body if fast is None else fast, flags) for name, (body, fast, flags) in PATTERN_SOURCES.items()}
)
#: Patterns that cannot match without a digit (scanned only on lines holding one).
DIGIT_PATTERNS = frozenset(("date", "time", "counter", "unit"))
