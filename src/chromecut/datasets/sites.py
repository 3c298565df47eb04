"""The site a page comes from, so that train / validation / test can be split by site.

``domain`` is the host of the page's URL, lowercased, reduced to its registrable part (``news.bbc.co.uk`` and
``www.bbc.co.uk`` are both ``bbc.co.uk``; blog hosts such as ``x.blogspot.com`` stay whole), with Wayback
Machine addresses unwrapped. When a dataset gives no URL, the page's own ``<link rel=canonical>``,
``og:url``, "saved from" comment or ``<base href>`` is used, then the site most of the page's absolute links
point to, and last ``<dataset>:<page_id>``, a site of its own.
"""

from __future__ import annotations

import html as html_lib
import ipaddress
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

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


def site_of_host(host: str) -> str | None:
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


def domain_of(url: str | None) -> str | None:
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
    return site_of_host(host) if host else None


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
        if domain_of(url) is not None:
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
        site = domain_of(href) if href.lower().startswith(_ABSOLUTE_LINKS) else None
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
        return url, domain_of(url)
    return None, _link_majority_site(tree)


def locate(dataset: str, page_id: str, html: bytes, url: str | None = None) -> tuple[str | None, str]:
    """``(url, domain)`` of a page: from ``url`` when it has a host, else from the HTML, else a site of its own."""
    domain = domain_of(url)
    if domain is None:
        url, domain = _site_from_html(html)
    return url, domain or f"{dataset}:{page_id}"

