"""The site of a page: registrable host, Wayback unwrapping, and the fallbacks when a dataset gives no URL."""

from __future__ import annotations

import pytest

from chromecut.datasets.sites import MIN_SITE_LINKS, domain_of, locate, site_of_host


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("WWW2.Example.COM.", "example.com"),
        ("someone.blogspot.com", "someone.blogspot.com"),
        ("a.b.someone.github.io", "someone.github.io"),
        ("192.168.0.1", "192.168.0.1"),
        ("localhost", None),
        ("not a host", None),
    ],
)
def test_site_of_host_keeps_the_registrable_part(host: str, site: str | None) -> None:
    assert site_of_host(host) == site


def test_domain_of_unwraps_wayback_addresses_and_rejects_what_has_no_host() -> None:
    assert domain_of("https://web.archive.org/web/20200101000000/http://www.example.org/a") == "example.org"
    assert domain_of("/web/2019id_/news.example.net/story") == "example.net"
    assert domain_of("//cdn.example.com/x") == "example.com"
    assert domain_of("/relative/path") is None
    assert domain_of(None) is None


def test_locate_prefers_the_given_url_then_the_page_s_own_address() -> None:
    html = b'<html><head><link rel="canonical" href="https://www.declared.com/post"></head></html>'
    assert locate("d", "p", html, "http://given.org/x") == ("http://given.org/x", "given.org")
    assert locate("d", "p", html) == ("https://www.declared.com/post", "declared.com")


def test_locate_falls_back_to_the_links_majority_then_to_a_site_of_its_own() -> None:
    links = "".join(f'<a href="https://majority.com/{i}">x</a>' for i in range(MIN_SITE_LINKS))
    assert locate("d", "p", f"<body>{links}</body>".encode()) == (None, "majority.com")
    few = '<a href="https://majority.com/1">x</a><a href="/a">y</a>'
    assert locate("d", "p", f"<body>{few}</body>".encode()) == (None, "d:p")
